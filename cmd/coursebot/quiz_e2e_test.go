package main

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/coursebot/coursebot"
	"github.com/coursebot/coursebot/bot"
	"github.com/coursebot/coursebot/bot/bottest"
	"github.com/coursebot/coursebot/bot/console"
	"github.com/coursebot/coursebot/config"
	"github.com/coursebot/coursebot/course"
	"github.com/coursebot/coursebot/lessons"
	"github.com/coursebot/coursebot/scheduler"
)

// TestConsoleReviewDMTranscript wires the console as `coursebot console`
// does, with the quiz test course and a fake clock: a learner misses two
// quiz questions on Monday 10:00; nothing arrives on Monday or on Tuesday
// 09:00; on Tuesday 10:00 exactly one review DM arrives in the terminal;
// /review then runs the two questions. go test -v prints the transcript.
func TestConsoleReviewDMTranscript(t *testing.T) {
	t.Parallel()
	cfg := config.Default()
	cfg.Store.Path = filepath.Join(t.TempDir(), "review.db")
	cfg.Scheduler.Nudges.Enabled = false                                   // reviews stay on (the default)
	clk := &testClock{now: time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)} // a Monday
	db, err := openStore(cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		if err := db.Close(); err != nil {
			t.Error(err)
		}
	}()
	loaded, err := course.LoadDir(filepath.Join("..", "..", "testdata", "quiz", "course"))
	if err != nil {
		t.Fatal(err)
	}
	engine := lessons.NewEngine(loaded, db, lessons.EngineOptions{Now: clk.Now, Log: discardLogger()})
	cs, err := newCohorts(cfg, engine, db, discardLogger(), clock{now: clk.Now, after: clk.After})
	if err != nil {
		t.Fatal(err)
	}
	tab, _, err := newTable(cfg, engine, cs, db, nil, discardLogger(), nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	out := &bottest.Log{}
	printer := console.NewPrinter(out)
	run, err := cs.Scheduler(map[string]bot.Sender{"console": printer}, map[string]scheduler.ChannelSender{"console": printer})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- run(ctx) }()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Error(err)
		}
	}()
	c := console.New(tab, coursebot.Learner{Platform: "console", UserID: "ada", Name: "ada"}, out, discardLogger())
	say := func(lines ...string) {
		t.Helper()
		for _, l := range lines {
			if _, err := out.Write([]byte("\n> " + l + "\n")); err != nil {
				t.Fatal(err)
			}
			if err := c.Line(ctx, l); err != nil {
				t.Fatal(err)
			}
		}
	}
	// Card 2: a wrong option; card 4: a wrong short answer.
	say("/start-2-1", "1", "1", "2", "2", "params.yaml")
	if n := strings.Count(out.String(), "Not quite"); n != 2 {
		t.Fatalf("%d misses, want 2:\n%s", n, out.String())
	}
	dms := func() int { return strings.Count(out.String(), "--- [direct message to ada] ---") }
	for _, at := range []time.Time{
		time.Date(2026, 11, 23, 18, 0, 0, 0, time.UTC),
		time.Date(2026, 11, 24, 9, 0, 0, 0, time.UTC),
	} {
		eventually(t, "the scheduler to sleep", clk.sleeping)
		clk.Set(at)
		eventually(t, "the scheduler to sleep", clk.sleeping)
		if dms() != 0 {
			t.Fatalf("a review DM before Tuesday 10:00 (at %v):\n%s", at, out.String())
		}
	}
	clk.Set(time.Date(2026, 11, 24, 10, 0, 0, 0, time.UTC))
	eventually(t, "the review DM", func() bool { return dms() == 1 })
	eventually(t, "the scheduler to sleep", clk.sleeping)
	clk.Set(time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC))
	eventually(t, "the scheduler to sleep", clk.sleeping)
	if dms() != 1 {
		t.Fatalf("%d review DMs on Tuesday, want 1:\n%s", dms(), out.String())
	}
	if !strings.Contains(out.String(), "2 questions from Lesson 2.1 to review") {
		t.Fatalf("DM text:\n%s", out.String())
	}
	say("/review", "2", "1", "dvc.yaml", "/review")
	text := out.String()
	for _, w := range []string{"2 questions due for review", "✅ **Right.** You answered B) dvc add data/raw.csv.", "That was the last question due.", "Nothing to review right now. The next question (Lesson 2.1) is due Thu 26 Nov 10:00 UTC."} {
		if !strings.Contains(text, w) {
			t.Errorf("transcript lacks %q", w)
		}
	}
	t.Logf("transcript:\n%s", text)
}
