package main

import (
	"context"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coursebot/coursebot"
	"github.com/coursebot/coursebot/bot"
	"github.com/coursebot/coursebot/bot/bottest"
	"github.com/coursebot/coursebot/bot/console"
	"github.com/coursebot/coursebot/config"
	"github.com/coursebot/coursebot/course"
	"github.com/coursebot/coursebot/internal/testwait"
	"github.com/coursebot/coursebot/lessons"
	"github.com/coursebot/coursebot/scheduler"
)

// testClock is an injected clock whose timers fire when the test moves it.
type testClock struct {
	mu     sync.Mutex
	now    time.Time
	timers []testTimer
}

type testTimer struct {
	at time.Time
	ch chan time.Time
}

func (c *testClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *testClock) After(d time.Duration) <-chan time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	ch := make(chan time.Time, 1)
	if d <= 0 {
		ch <- c.now
	} else {
		c.timers = append(c.timers, testTimer{c.now.Add(d), ch})
	}
	return ch
}

func (c *testClock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = t
	keep := c.timers[:0]
	for _, tm := range c.timers {
		if tm.at.After(t) {
			keep = append(keep, tm)
		} else {
			tm.ch <- t
		}
	}
	c.timers = keep
}

func (c *testClock) sleeping() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.timers) > 0
}

func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	testwait.Until(t, what, cond)
}

// TestConsoleCohortReminderEndToEnd wires the console as `coursebot
// console` does, with a fake clock: an admin creates a cohort bound to a
// console channel and names a lead, a learner joins with the code, the lead
// schedules "every monday 09:00" in Europe/Berlin; when the clock reaches
// Monday 09:00 Berlin the channel receives exactly one post, and a week
// later one more.
func TestConsoleCohortReminderEndToEnd(t *testing.T) {
	t.Parallel()
	cfg := config.Default()
	cfg.Admins = []string{"console:alice"}
	cfg.Store.Path = filepath.Join(t.TempDir(), "cohort.db")
	cfg.Scheduler.Nudges.Enabled = false
	clk := &testClock{now: time.Date(2026, 11, 23, 6, 30, 0, 0, time.UTC)} // Monday 07:30 in Berlin
	db, err := openStore(cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		if err := db.Close(); err != nil {
			t.Error(err)
		}
	}()
	loaded, err := course.LoadBuiltin()
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

	say := func(user, line string) string {
		t.Helper()
		var buf bottest.Log
		c := console.New(tab, coursebot.Learner{Platform: "console", UserID: user, Name: user}, &buf, discardLogger())
		if err := c.Line(ctx, line); err != nil {
			t.Fatal(err)
		}
		return buf.String()
	}
	created := say("alice", "/cohort create spring console:general Europe/Berlin")
	code := regexp.MustCompile("Join code: `([a-z0-9]+)`").FindStringSubmatch(created)
	if code == nil {
		t.Fatalf("no join code in:\n%s", created)
	}
	say("alice", "/cohort lead spring console:carol")
	if got := say("bob", "/cohort join "+code[1]); !strings.Contains(got, "Welcome to cohort spring") {
		t.Fatalf("join: %s", got)
	}
	if got := say("bob", "/cohort remind spring every monday 09:00 | Standup at 10"); !strings.Contains(got, "Only the leads of cohort spring") {
		t.Fatalf("a learner scheduled a reminder: %s", got)
	}
	got := say("carol", "/cohort remind spring every monday 09:00 | Standup at 10")
	if !strings.Contains(got, "Mon 23 Nov 2026 09:00 CET") {
		t.Fatalf("remind answer:\n%s", got)
	}

	posts := func() int { return strings.Count(out.String(), "--- [#general] ---") }
	eventually(t, "the scheduler to sleep", clk.sleeping)
	clk.Set(time.Date(2026, 11, 23, 7, 59, 0, 0, time.UTC))
	eventually(t, "the scheduler to sleep", clk.sleeping)
	if posts() != 0 {
		t.Fatalf("posted before 09:00:\n%s", out.String())
	}
	clk.Set(time.Date(2026, 11, 23, 8, 0, 0, 0, time.UTC)) // 09:00 in Berlin
	eventually(t, "the reminder", func() bool { return posts() == 1 })
	eventually(t, "the scheduler to sleep", clk.sleeping)
	clk.Set(time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC))
	eventually(t, "the scheduler to sleep", clk.sleeping)
	if n := posts(); n != 1 {
		t.Fatalf("%d posts on Monday, want exactly 1:\n%s", n, out.String())
	}
	text := out.String()
	for _, w := range []string{"Reminder from cohort spring", "Standup at 10", "Not started yet: bob"} {
		if !strings.Contains(text, w) {
			t.Errorf("post lacks %q:\n%s", w, text)
		}
	}
	clk.Set(time.Date(2026, 11, 30, 8, 0, 0, 0, time.UTC))
	eventually(t, "next week's reminder", func() bool { return posts() == 2 })
	eventually(t, "the scheduler to sleep", clk.sleeping)
	if n := posts(); n != 2 {
		t.Fatalf("%d posts after two Mondays, want 2", n)
	}
}

// TestBinaryCohortFlowAndExport runs the built binary as a user would: the
// admin sets up a cohort in the console, a learner joins and starts, and
// `coursebot export cohort` prints the progress CSV.
func TestBinaryCohortFlowAndExport(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	db := filepath.Join(dir, "c.db")
	cfgPath := filepath.Join(dir, "config.yaml")
	if err := os.WriteFile(cfgPath, []byte("admins: [console:alice]\nscheduler:\n  nudges:\n    enabled: false\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	out, errOut, code := runCLI(t, "/cohort create spring\n/cohort members spring\n", "console", "--config", cfgPath, "--db", db, "--user", "alice")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	m := regexp.MustCompile("Join code: `([a-z0-9]+)`").FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("no join code:\n%s", out)
	}
	out, errOut, code = runCLI(t, "/cohort join "+m[1]+"\n/start-4-4\n/cohort progress spring\n", "console", "--config", cfgPath, "--db", db, "--user", "bob")
	if code != 0 || !strings.Contains(out, "Welcome to cohort spring") || !strings.Contains(out, "Only the leads of cohort spring") {
		t.Fatalf("bob's run (exit %d):\n%s\n%s", code, out, errOut)
	}
	out, errOut, code = runCLI(t, "", "export", "cohort", "--config", cfgPath, "--db", db, "spring")
	if code != 0 {
		t.Fatalf("export exit %d: %s", code, errOut)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 2 || !strings.HasPrefix(lines[0], "name,learner,joined,last_active,lesson_4-4") || !strings.HasPrefix(lines[1], "bob,console:bob,") || !strings.Contains(lines[1], ",opening card,") {
		t.Fatalf("export:\n%s", out)
	}
	_, errOut, code = runCLI(t, "", "export", "cohort", "--config", cfgPath, "--db", db, "nosuch")
	if code != 1 || !strings.Contains(errOut, "nosuch") {
		t.Fatalf("export of a missing cohort: exit %d, %s", code, errOut)
	}
}
