package tutor_test

import (
	"context"
	"io"
	"log/slog"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coursebot/coursebot"
	"github.com/coursebot/coursebot/bot"
	"github.com/coursebot/coursebot/course"
	"github.com/coursebot/coursebot/lessons"
	"github.com/coursebot/coursebot/store"
	"github.com/coursebot/coursebot/tutor"
)

// fakeClock is the tutor's clock in tests: time moves when the test says,
// and the timeout fires when the test fires it.
type fakeClock struct {
	mu     sync.Mutex
	now    time.Time
	timers []*fakeTimer
}

type fakeTimer struct {
	f       func()
	stopped bool
}

func newClock() *fakeClock {
	return &fakeClock{now: time.Date(2026, 12, 1, 14, 0, 0, 0, time.UTC)}
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

func (c *fakeClock) AfterFunc(_ time.Duration, f func()) func() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	t := &fakeTimer{f: f}
	c.timers = append(c.timers, t)
	return func() bool {
		c.mu.Lock()
		defer c.mu.Unlock()
		was := !t.stopped
		t.stopped = true
		return was
	}
}

// FireTimeouts runs every timer not stopped: the timeout passes.
func (c *fakeClock) FireTimeouts() {
	c.mu.Lock()
	var fs []func()
	for _, t := range c.timers {
		if !t.stopped {
			t.stopped = true
			fs = append(fs, t.f)
		}
	}
	c.mu.Unlock()
	for _, f := range fs {
		f()
	}
}

// outcomes records what the tutor reports to metrics.
type outcomes struct {
	mu  sync.Mutex
	all []tutor.Outcome
}

func (o *outcomes) Observe(x tutor.Outcome) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.all = append(o.all, x)
}

func (o *outcomes) list() []tutor.Outcome {
	o.mu.Lock()
	defer o.mu.Unlock()
	return append([]tutor.Outcome(nil), o.all...)
}

type harness struct {
	t      *testing.T
	llm    *fakeLLM
	clock  *fakeClock
	obs    *outcomes
	db     *store.DB
	path   string
	engine *lessons.Engine
	h      *tutor.Handler
	who    coursebot.Learner
	opts   tutor.Options
	last   []bot.Reply
	// course is the course's directory ("" = the built-in course).
	course string
}

func newHarness(t *testing.T, mod func(*tutor.Options)) *harness {
	t.Helper()
	return newCourseHarness(t, "", mod)
}

// testCourse is a small capstone lesson with teaching notes (a LEADNOTE
// marker), a solution section and key points under a question.
const testCourse = "../testdata/tutor/course"

// newCourseHarness is newHarness on the course in dir ("" = built-in).
func newCourseHarness(t *testing.T, dir string, mod func(*tutor.Options)) *harness {
	t.Helper()
	x := &harness{t: t, llm: newFakeLLM(t), clock: newClock(), obs: &outcomes{}, course: dir,
		path: filepath.Join(t.TempDir(), "coursebot.db"), who: coursebot.Learner{Platform: "console", UserID: "ada", Name: "ada"}}
	x.open(mod)
	return x
}

// open opens the store and builds engine and tutor over it (again after a
// restart).
func (x *harness) open(mod func(*tutor.Options)) {
	t := x.t
	db, err := store.Open(x.path, store.Options{LockTimeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := db.Close(); err != nil {
			t.Error(err)
		}
	})
	x.db = db
	loaded, err := course.LoadBuiltin()
	if x.course != "" {
		loaded, err = course.LoadDir(x.course)
	}
	if err != nil {
		t.Fatal(err)
	}
	x.engine = lessons.NewEngine(loaded, db, lessons.EngineOptions{Now: x.clock.Now})
	x.opts = tutor.Options{
		Model:     tutor.NewClient(tutor.ClientOptions{BaseURL: x.llm.URL(), Model: "fake-model", APIKey: "sk-test"}),
		ModelName: "fake-model", Store: db, Course: x.engine.Course, Search: x.engine,
		Timeout: 20 * time.Second, MaxTurns: 3, DailyBudget: 40, Clock: x.clock, Observer: x.obs,
		Log: slog.New(slog.NewTextHandler(io.Discard, nil)),
	}
	if mod != nil {
		mod(&x.opts)
	}
	h, err := tutor.New(x.engine, x.opts)
	if err != nil {
		t.Fatal(err)
	}
	x.h = h
}

func (x *harness) restart() {
	x.t.Helper()
	if err := x.db.Close(); err != nil {
		x.t.Fatal(err)
	}
	budget, turns := x.opts.DailyBudget, x.opts.MaxTurns
	x.open(func(o *tutor.Options) { o.DailyBudget, o.MaxTurns = budget, turns })
}

func (x *harness) send(m bot.Message) []bot.Reply {
	x.t.Helper()
	m.Learner = x.who
	rs, err := x.h.Handle(context.Background(), m)
	if err != nil {
		x.t.Fatalf("handle %+v: %v", m, err)
	}
	x.last = rs
	return rs
}

func (x *harness) command(name, args string) []bot.Reply {
	return x.send(bot.Message{Kind: bot.KindCommand, Command: name, Args: args})
}

func (x *harness) answer(text string) []bot.Reply {
	lesson := "4-4"
	if x.course != "" {
		lesson = "1-1"
	}
	return x.send(bot.Message{Kind: bot.KindText, Text: text, Lesson: lesson})
}

// press presses the button labelled label on the last replies.
func (x *harness) press(label string) []bot.Reply {
	x.t.Helper()
	for i := len(x.last) - 1; i >= 0; i-- {
		for _, b := range x.last[i].Buttons {
			if b.Label == label {
				return x.send(bot.Message{Kind: bot.KindAction, Action: b.Action, Lesson: x.last[i].Lesson})
			}
		}
	}
	x.t.Fatalf("no %q button in %s", label, dump(x.last))
	return nil
}

// goTo starts Lesson 4.4 and presses Next (or Skip question) until the
// card titled title.
func (x *harness) goTo(title string) bot.Reply {
	x.t.Helper()
	start := "start-4-4"
	if x.course != "" {
		start = "start-1-1"
	}
	x.command(start, "")
	if hasButton(x.last, "Resume") {
		x.press("Resume")
	}
	for range 60 {
		if len(x.last) > 0 && x.last[0].Title == title {
			return x.last[0]
		}
		if hasButton(x.last, "Skip question") {
			x.press("Skip question")
		} else {
			x.press("Next")
		}
	}
	x.t.Fatalf("never reached card %q", title)
	return bot.Reply{}
}

func hasButton(rs []bot.Reply, label string) bool {
	for _, r := range rs {
		for _, b := range r.Buttons {
			if b.Label == label {
				return true
			}
		}
	}
	return false
}

// live runs the one live reply in rs, collecting the updates.
func live(t *testing.T, rs []bot.Reply) (bot.Reply, bot.Reply, []string) {
	t.Helper()
	if len(rs) != 1 || rs[0].Live == nil {
		t.Fatalf("want one live reply, got %s", dump(rs))
	}
	ph := rs[0]
	if got := ph.Blocks[ph.Live.Block].Text; got != bot.Placeholder {
		t.Fatalf("placeholder block says %q, want %q", got, bot.Placeholder)
	}
	var updates []string
	final := ph.Live.Run(context.Background(), func(s string) { updates = append(updates, s) })
	if final.Live != nil {
		t.Fatal("the finished reply is still live")
	}
	return ph, final, updates
}

func dump(rs []bot.Reply) string {
	var sb strings.Builder
	for _, r := range rs {
		sb.WriteString("[" + r.Title + "]")
		for _, b := range r.Blocks {
			sb.WriteString(" | " + b.Text)
		}
		for _, b := range r.Buttons {
			sb.WriteString(" (" + b.Label + ")")
		}
		sb.WriteString("\n")
	}
	return sb.String()
}

func text(r bot.Reply) string {
	var parts []string
	for _, b := range r.Blocks {
		parts = append(parts, b.Text)
	}
	return strings.Join(parts, "\n")
}
