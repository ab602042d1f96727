package capstone_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coursebot/coursebot"
	"github.com/coursebot/coursebot/bot"
	"github.com/coursebot/coursebot/capstone"
	"github.com/coursebot/coursebot/capstone/githubtest"
	"github.com/coursebot/coursebot/course"
	"github.com/coursebot/coursebot/lessons"
	"github.com/coursebot/coursebot/store"
)

// t0 is the tests' now.
var t0 = time.Date(2026, 3, 2, 14, 0, 0, 0, time.UTC)

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// harness is the capstone handler in front of the real engine, over a
// real bbolt file, reading the fake GitHub API through go-github.
type harness struct {
	t       *testing.T
	db      *store.DB
	course  *course.Course
	api     *githubtest.Server
	h       *capstone.Handler
	clock   *clock
	results []string
	engine  *lessons.Engine
	opts    capstone.Options
}

// goodRepo shows every item of the test course but the DVC one, with a
// CI run that passed two hours ago.
func goodRepo() githubtest.Repo {
	return githubtest.Repo{Owner: "alice", Name: "svc", Files: []string{
		"README.md", "service/app.py", "service/tests/test_app.py", "Dockerfile", ".github/workflows/ci.yml",
	}, Runs: []githubtest.Run{{Name: "CI", Conclusion: "success", At: t0.Add(-2 * time.Hour)}}}
}

func newHarness(t *testing.T, prefix, token string, repos ...githubtest.Repo) *harness {
	t.Helper()
	loaded, err := course.LoadDir("testdata/course")
	if err != nil {
		t.Fatal(err)
	}
	c := &clock{t: t0}
	db, err := store.Open(filepath.Join(t.TempDir(), "c.db"), store.Options{LockTimeout: time.Second, Now: c.Now})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = db.Close() })
	api := githubtest.New(prefix, c.Now, repos...)
	t.Cleanup(api.Close)
	api.Token = token
	apiURL := ""
	if prefix != "" {
		apiURL = api.APIURL()
	}
	client := api.Client()
	if prefix == "" {
		// github.com: the client calls https://api.github.com/, which
		// this transport sends to the fake.
		client = &http.Client{Transport: toFake{api.URL, api.Client().Transport}}
	}
	gh, err := capstone.NewGitHub(capstone.GitHubOptions{APIURL: apiURL, Token: token, HTTPClient: client, Now: c.Now})
	if err != nil {
		t.Fatal(err)
	}
	hs := &harness{t: t, db: db, course: loaded, api: api, clock: c}
	engine := lessons.NewEngine(loaded, db, lessons.EngineOptions{Now: c.Now})
	t.Cleanup(func() { _ = engine.Close() })
	hs.engine = engine
	hs.opts = capstone.Options{Store: db, Course: func() *course.Course { return loaded }, GitHub: gh,
		Now: c.Now, Log: slog.New(slog.NewTextHandler(io.Discard, nil)), Observe: func(r string) { hs.results = append(hs.results, r) }}
	hs.h, err = capstone.New(engine, hs.opts)
	if err != nil {
		t.Fatal(err)
	}
	return hs
}

// withCards gives the handler the engine's cards (as cmd does), so that a
// check shows the card the learner is on again.
func (hs *harness) withCards() {
	hs.t.Helper()
	o := hs.opts
	var err error
	o.Cards = bot.HandlerFunc(func(ctx context.Context, m bot.Message) ([]bot.Reply, error) {
		rs, err := hs.engine.Handle(ctx, m)
		return hs.h.Decorate(rs), err
	})
	if hs.h, err = capstone.New(hs.engine, o); err != nil {
		hs.t.Fatal(err)
	}
}

// toFake sends every request to the fake API at base.
type toFake struct {
	base string
	next http.RoundTripper
}

func (f toFake) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.URL.Host != "api.github.com" {
		return nil, fmt.Errorf("a request to %s, not to the API", r.URL.Host)
	}
	u, err := url.Parse(f.base)
	if err != nil {
		return nil, err
	}
	r = r.Clone(r.Context())
	r.URL.Scheme, r.URL.Host = u.Scheme, u.Host
	return f.next.RoundTrip(r)
}

var alice = coursebot.Learner{Platform: "test", UserID: "alice", Name: "Alice"}

func (hs *harness) send(m bot.Message) []bot.Reply {
	hs.t.Helper()
	if m.Learner.UserID == "" {
		m.Learner = alice
	}
	rs, err := hs.h.Handle(context.Background(), m)
	if err != nil {
		hs.t.Fatalf("handle %+v: %v", m, err)
	}
	return rs
}

func (hs *harness) cmd(name, args string) []bot.Reply {
	return hs.send(bot.Message{Kind: bot.KindCommand, Command: name, Args: args})
}

func (hs *harness) press(action string) []bot.Reply {
	return hs.send(bot.Message{Kind: bot.KindAction, Action: action})
}

// start starts lesson 9-1 and goes to its capstone card.
func (hs *harness) start() bot.Reply {
	hs.t.Helper()
	rs := hs.cmd("start-9-1", "")
	for range 3 {
		r := rs[len(rs)-1]
		if r.Card == hs.capstoneCard() {
			return r
		}
		rs = hs.press(button(hs.t, r, "Next"))
	}
	hs.t.Fatal("never reached the capstone card")
	return bot.Reply{}
}

func (hs *harness) capstoneCard() string { return hs.course.Lessons["9-1"].Cards[2].Key }

func button(t *testing.T, r bot.Reply, label string) string {
	t.Helper()
	for _, b := range r.Buttons {
		if b.Label == label {
			return b.Action
		}
	}
	t.Fatalf("no %q button on %q (%v)", label, r.Title, r.Buttons)
	return ""
}

func (hs *harness) progress() coursebot.Progress {
	hs.t.Helper()
	p, err := hs.db.Progress(context.Background(), alice.Key(), "9-1")
	if err != nil {
		hs.t.Fatal(err)
	}
	return p
}

// ticked are the texts of the lesson's ticked items, in course order.
func (hs *harness) ticked() []string {
	hs.t.Helper()
	p := hs.progress()
	var out []string
	for _, b := range hs.course.Lessons["9-1"].Cards[2].Blocks {
		for _, it := range b.Items {
			if p.Checks[it.ID] {
				out = append(out, it.Text)
			}
		}
	}
	return out
}

func (hs *harness) item(text string) string {
	hs.t.Helper()
	for _, b := range hs.course.Lessons["9-1"].Cards[2].Blocks {
		for _, it := range b.Items {
			if it.Text == text {
				return it.ID
			}
		}
	}
	hs.t.Fatalf("no item %q", text)
	return ""
}

func text(rs []bot.Reply) string {
	var b strings.Builder
	for _, r := range rs {
		b.WriteString(r.Title + "\n" + r.Context + "\n")
		for _, bl := range r.Blocks {
			b.WriteString(bl.Text + "\n")
		}
	}
	return b.String()
}

func asJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
