package capstone_test

import (
	"context"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/coursebot/coursebot"
	"github.com/coursebot/coursebot/course"

	"github.com/coursebot/coursebot/bot"
	"github.com/coursebot/coursebot/capstone"
	"github.com/coursebot/coursebot/capstone/githubtest"
)

func TestCheckTicksWhatTheRepositoryShows(t *testing.T) {
	t.Parallel()
	hs := newHarness(t, "", "", goodRepo())
	card := hs.start()
	if a := button(t, card, "Check my repository"); a != bot.FormAction(capstone.FormName, "9-1") {
		t.Errorf("the capstone card's button opens %q", a)
	}
	rs := hs.cmd("capstone", "submit https://github.com/alice/svc")
	got := text(rs)
	for _, want := range []string{
		"Capstone check: alice/svc",
		"branch main · checked just now",
		"Your repository shows **6 of the 7 items** I can check; I ticked 6 items just now",
		"**Missing (1)**\n- Data pinned with DVC (looked for `*.dvc`)",
		"**CI runs on push**: last run passed 2 h ago (workflow CI, on push)",
		"The other 2 items of the checklist are yours to tick",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("report lacks %q:\n%s", want, got)
		}
	}
	if rs[0].Refused || rs[0].Lesson != "9-1" {
		t.Errorf("report = %+v, want a lesson reply", rs[0])
	}
	want := []string{"service/", "service/app.py", "service/tests/test_app.py", "Dockerfile", ".github/workflows/ci.yml", "CI runs on push"}
	if got := hs.ticked(); !slices.Equal(got, want) {
		t.Errorf("ticked %q, want %q", got, want)
	}
	// The three documented calls, and nothing else.
	wantCalls := []string{
		"GET /repos/alice/svc",
		"GET /repos/alice/svc/git/trees/main?recursive=1",
		"GET /repos/alice/svc/actions/runs?branch=main&per_page=1",
	}
	if got := hs.api.Requests(); !slices.Equal(got, wantCalls) {
		t.Errorf("calls:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(wantCalls, "\n"))
	}
	p := hs.progress()
	if p.Repo == nil || p.Repo.URL != "https://github.com/alice/svc" || !p.Repo.Checked.Equal(t0) || len(p.Repo.Found) != 6 || len(p.Repo.Missing) != 1 || len(p.Repo.Ticked) != 6 || !p.Repo.CI.Passed() {
		t.Errorf("stored check = %+v", p.Repo)
	}
	// The capstone card now shows the ticks.
	r := hs.press(button(t, card, "Back"))
	r = hs.press(button(t, r[0], "Next"))
	var on int
	for _, b := range r[0].Blocks {
		for _, it := range b.Items {
			if it.Checked {
				on++
			}
		}
	}
	if on != 6 {
		t.Errorf("the card shows %d ticks, want 6", on)
	}
	// /capstone alone repeats the last result without calling GitHub.
	if got := text(hs.cmd("capstone", "")); !strings.Contains(got, "**6 of the 7 items**") || len(hs.api.Requests()) != 3 {
		t.Errorf("/capstone = %s (%d calls)", got, len(hs.api.Requests()))
	}
}

// A check that changes ticks on the card the learner is on shows that
// card again after the report, ticked as stored (the copy shown before
// shows the ticks as they were); a check that changes nothing, or ticks
// on a card the learner is not on, is the report alone.
func TestCheckShowsTheCardAgain(t *testing.T) {
	t.Parallel()
	hs := newHarness(t, "", "", goodRepo())
	hs.withCards()
	card := hs.start()
	rs := hs.cmd("capstone", "submit https://github.com/alice/svc")
	if len(rs) != 2 || rs[1].Card != hs.capstoneCard() || rs[1].Lesson != "9-1" || rs[1].Ephemeral {
		t.Fatalf("replies %d (%+v), want the report and the capstone card", len(rs), rs)
	}
	var on []string
	for _, b := range rs[1].Blocks {
		for _, it := range b.Items {
			if it.Checked {
				on = append(on, it.Text)
			}
		}
	}
	if want := []string{"service/", "service/app.py", "service/tests/test_app.py", "Dockerfile", ".github/workflows/ci.yml", "CI runs on push"}; !slices.Equal(on, want) {
		t.Errorf("the card shows %q ticked, want %q", on, want)
	}
	button(t, rs[1], "Check my repository")
	button(t, rs[1], "Next")
	// Nothing changed: the report alone.
	hs.clock.Add(time.Minute)
	if rs := hs.cmd("capstone", "check"); len(rs) != 1 {
		t.Errorf("a check that changed nothing: %d replies", len(rs))
	}
	// On another card: the report alone, though ticks change.
	hs.press(button(t, card, "Back"))
	repo := goodRepo()
	repo.Files = []string{"README.md"}
	hs.api.Put(repo)
	hs.clock.Add(time.Minute)
	rs = hs.cmd("capstone", "check")
	if got := text(rs); len(rs) != 1 || !strings.Contains(got, "I unticked") {
		t.Errorf("a check from another card: %d replies\n%s", len(rs), got)
	}
}

// A re-check follows the repository: an item the bot ticked and the
// repository no longer shows is unticked; a tick the learner made, or an
// item they pressed after the bot ticked it, is theirs and stays.
func TestRecheckTakesBackOnlyTheBotsTicks(t *testing.T) {
	t.Parallel()
	hs := newHarness(t, "", "", goodRepo())
	hs.start()
	hs.cmd("capstone", "submit github.com/alice/svc")
	// Alice ticks the DVC item herself, and presses the Dockerfile item
	// off and on again: both are hers now.
	hs.press(bot.CheckAction("9-1", hs.item("Data pinned with DVC"), true))
	hs.press(bot.CheckAction("9-1", hs.item("Dockerfile"), false))
	hs.press(bot.CheckAction("9-1", hs.item("Dockerfile"), true))
	// She deletes her Dockerfile, tests and workflow; CI fails.
	repo := goodRepo()
	repo.Files = []string{"service/app.py"}
	repo.Runs = append([]githubtest.Run{{Name: "CI", Conclusion: "failure", At: t0.Add(-9 * time.Minute)}}, repo.Runs...)
	hs.api.Put(repo)
	hs.clock.Add(time.Minute)
	got := text(hs.press(bot.Action{Verb: "capstone", Lesson: "9-1"}.Encode()))
	want := []string{"service/", "service/app.py", "Dockerfile", "Data pinned with DVC"}
	if got := hs.ticked(); !slices.Equal(got, want) {
		t.Errorf("ticked %q, want %q", got, want)
	}
	for _, w := range []string{
		"shows **2 of the 7 items**",
		"**CI runs on push**: last run failed 10 min ago",
		"I unticked 3 items I had ticked before and the repository no longer shows: service/tests/test\\_app.py, .github/workflows/ci.yml, CI runs on push.",
		"You ticked 2 items yourself that I do not see; I left them as you set them: Dockerfile, Data pinned with DVC.",
	} {
		if !strings.Contains(got, w) {
			t.Errorf("report lacks %q:\n%s", w, got)
		}
	}
	// Putting the files back ticks them again.
	hs.api.Put(goodRepo())
	hs.clock.Add(time.Minute)
	hs.cmd("capstone", "check")
	want = []string{"service/", "service/app.py", "service/tests/test_app.py", "Dockerfile", ".github/workflows/ci.yml", "CI runs on push", "Data pinned with DVC"}
	if got := hs.ticked(); !slices.Equal(got, want) {
		t.Errorf("ticked %q, want %q", got, want)
	}
}

// A second check of the same repository within Again is answered from the
// first: a double press costs no API calls.
func TestCheckAgainSoonCostsNoCalls(t *testing.T) {
	t.Parallel()
	hs := newHarness(t, "", "", goodRepo())
	hs.start()
	hs.cmd("capstone", "submit https://github.com/alice/svc")
	hs.clock.Add(5 * time.Second)
	got := text(hs.press(bot.Action{Verb: "capstone", Lesson: "9-1"}.Encode()))
	if n := len(hs.api.Requests()); n != 3 {
		t.Errorf("%d calls after a check 5 s after the first, want 3", n)
	}
	if !strings.Contains(got, "checked just now") {
		t.Errorf("report: %s", got)
	}
	hs.clock.Add(capstone.DefaultAgain)
	hs.press(bot.Action{Verb: "capstone", Lesson: "9-1"}.Encode())
	if n := len(hs.api.Requests()); n != 6 {
		t.Errorf("%d calls after a check past Again, want 6", n)
	}
}

// The Enterprise Server API lives under /api/v3/ on the host learners'
// URLs name; github.com URLs are then refused.
func TestEnterpriseHost(t *testing.T) {
	t.Parallel()
	hs := newHarness(t, "/api/v3", "s3cret", goodRepo())
	hs.start()
	host := strings.TrimPrefix(hs.api.URL, "http://")
	host = host[:strings.LastIndex(host, ":")]
	got := text(hs.cmd("capstone", "submit https://github.com/alice/svc"))
	if !strings.Contains(got, "I can check repositories on "+host+" only") {
		t.Errorf("github.com on an Enterprise bot: %s", got)
	}
	got = text(hs.cmd("capstone", "submit https://"+host+"/alice/svc"))
	if !strings.Contains(got, "shows **6 of the 7 items**") {
		t.Errorf("report: %s", got)
	}
	for _, r := range hs.api.Requests() {
		if !strings.HasPrefix(r, "GET /api/v3/repos/alice/svc") {
			t.Errorf("call %q outside /api/v3/", r)
		}
	}
}

// Every way a check cannot be made gets one sentence and changes nothing.
func TestProblemsChangeNothing(t *testing.T) {
	t.Parallel()
	truncated := goodRepo()
	truncated.Name, truncated.Truncated = "huge", true
	private := goodRepo()
	private.Name, private.Private = "secret", true
	empty := githubtest.Repo{Owner: "alice", Name: "blank", Empty: true}
	noCI := goodRepo()
	noCI.Name, noCI.NoActions = "quiet", true
	tests := []struct {
		name, args string
		token      string
		setup      func(*githubtest.Server)
		want       string
		result     string
	}{
		{"not found", "submit https://github.com/alice/nope", "", nil, "GitHub shows no repository at https://github.com/alice/nope: check the URL", "not_found"},
		{"private, without a token", "submit https://github.com/alice/secret", "", nil, "GitHub shows no repository at https://github.com/alice/secret", "not_found"},
		{"private, with a token that sees it", "submit https://github.com/alice/secret", "tok", nil, "alice/secret is a private repository: I check public repositories only", "private"},
		{"unknown host", "submit https://gitlab.com/alice/svc", "", nil, "I can check repositories on github.com only, and \"https://gitlab.com/alice/svc\" is on gitlab.com. Nothing was changed.", "bad_url"},
		{"not a URL", "submit my project", "", nil, "\"my project\" is not a repository URL", "bad_url"},
		{"truncated tree", "submit https://github.com/alice/huge", "", nil, "alice/huge has more files than GitHub lists in one answer", "too_large"},
		{"empty repository", "submit https://github.com/alice/blank", "", nil, "alice/blank is empty: push your project", "empty"},
		{"primary rate limit", "submit https://github.com/alice/svc", "", func(s *githubtest.Server) { s.RateLimit(0, t0.Add(12*time.Minute)) },
			"GitHub's limit of requests for this bot is used up; it resets in 12 min. Nothing was changed", "rate_limited"},
		{"primary rate limit, as 429", "submit https://github.com/alice/svc", "", func(s *githubtest.Server) {
			s.LimitStatus = http.StatusTooManyRequests
			s.RateLimit(0, t0.Add(2*time.Hour))
		}, "GitHub's limit of requests for this bot is used up; it resets in 2 h. Nothing was changed", "rate_limited"},
		{"secondary rate limit", "submit https://github.com/alice/svc", "", func(s *githubtest.Server) { s.SecondaryLimit(90) },
			"GitHub asked the bot to slow down. Nothing was changed: check again in 2 min.", "rate_limited"},
		{"bad token", "submit https://github.com/alice/svc", "tok", func(s *githubtest.Server) { s.Token = "other" },
			"GitHub refused the bot's token", "refused"},
		{"nothing submitted yet", "check", "", nil, "You have not submitted a repository yet", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			hs := newHarness(t, "", tt.token, goodRepo(), truncated, private, empty, noCI)
			hs.start()
			before := asJSON(t, hs.progress())
			if tt.setup != nil {
				tt.setup(hs.api)
			}
			rs := hs.cmd("capstone", tt.args)
			if len(rs) != 1 || !rs[0].Refused || !rs[0].Ephemeral {
				t.Fatalf("replies %+v, want one refusal", rs)
			}
			if got := text(rs); !strings.Contains(got, tt.want) {
				t.Errorf("got %q\nwant %q", got, tt.want)
			}
			if after := asJSON(t, hs.progress()); after != before {
				t.Errorf("progress changed:\n%s\n%s", before, after)
			}
			if tt.result != "" && !slices.Contains(hs.results, tt.result) {
				t.Errorf("results %v, want %q", hs.results, tt.result)
			}
		})
	}
	t.Run("no CI", func(t *testing.T) {
		t.Parallel()
		hs := newHarness(t, "", "", noCI)
		hs.start()
		got := text(hs.cmd("capstone", "submit https://github.com/alice/quiet"))
		if !strings.Contains(got, "**CI runs on push**: no CI run on main yet") || !strings.Contains(got, "**5 of the 7 items**") {
			t.Errorf("report: %s", got)
		}
	})
}

// A check waits for GitHub at most Timeout (in the synctest bubble's
// time), then says so and changes nothing.
func TestCheckTimesOut(t *testing.T) {
	t.Parallel()
	loaded, err := course.LoadDir("testdata/course")
	if err != nil {
		t.Fatal(err)
	}
	synctest.Test(t, func(t *testing.T) {
		st := &startedStore{t: t}
		h, err := capstone.New(nil, capstone.Options{Store: st, Course: func() *course.Course { return loaded }, GitHub: hangingReader{},
			Now: time.Now, Timeout: 5 * time.Second, Log: slog.New(slog.DiscardHandler)})
		if err != nil {
			t.Fatal(err)
		}
		start := time.Now()
		rs, err := h.Handle(context.Background(), bot.Message{Learner: alice, Kind: bot.KindCommand, Command: "capstone", Args: "submit https://github.com/alice/svc"})
		if err != nil {
			t.Fatal(err)
		}
		if got := text(rs); !strings.Contains(got, "GitHub did not answer in time") || !rs[0].Refused {
			t.Errorf("got %q", got)
		}
		if waited := time.Since(start); waited != 5*time.Second {
			t.Errorf("waited %s, want the 5 s timeout", waited)
		}
	})
}

// hangingReader is GitHub not answering.
type hangingReader struct{}

func (hangingReader) Host() string { return "github.com" }

func (hangingReader) Read(ctx context.Context, _ capstone.Repo) (capstone.Snapshot, error) {
	<-ctx.Done()
	return capstone.Snapshot{}, ctx.Err()
}

// startedStore is a learner who started lesson 9-1; a write is an error.
type startedStore struct{ t *testing.T }

func (s *startedStore) Learner(context.Context, string) (coursebot.LearnerRecord, error) {
	return coursebot.LearnerRecord{Active: "9-1"}, nil
}

func (s *startedStore) Progress(_ context.Context, _, lesson string) (coursebot.Progress, error) {
	return coursebot.Progress{Lesson: lesson, Card: "capstone-exercise"}, nil
}

func (s *startedStore) UpdateProgress(context.Context, string, string, func(*coursebot.LearnerRecord, *coursebot.Progress) error) (coursebot.LearnerRecord, coursebot.Progress, error) {
	s.t.Error("a check that timed out wrote progress")
	return coursebot.LearnerRecord{}, coursebot.Progress{}, nil
}

func TestNotStartedIsRefused(t *testing.T) {
	t.Parallel()
	hs := newHarness(t, "", "", goodRepo())
	got := text(hs.cmd("capstone", "submit https://github.com/alice/svc"))
	if !strings.Contains(got, "Start Lesson 9.1 first (/start-9-1)") || len(hs.api.Requests()) != 0 {
		t.Errorf("got %q after %d calls", got, len(hs.api.Requests()))
	}
}
