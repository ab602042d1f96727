package scheduler

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/coursebot/coursebot"
	"github.com/coursebot/coursebot/bot"
	"github.com/coursebot/coursebot/internal/testwait"
	"github.com/coursebot/coursebot/ratelimit"
)

// TestWeeklyReminderAcrossDST steps a fake clock a quarter hour at a time
// through six weeks that contain a DST change (none in Kolkata) and checks
// that the cohort channel got exactly one post every Monday at 09:00 local.
func TestWeeklyReminderAcrossDST(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ zone, from string }{
		{"Europe/Berlin", "2026-03-10T00:00:00Z"},    // change on Sun 29 March
		{"America/New_York", "2026-02-25T00:00:00Z"}, // change on Sun 8 March
		{"Europe/Berlin", "2026-10-10T00:00:00Z"},    // back on Sun 25 October
		{"America/New_York", "2026-10-20T00:00:00Z"}, // back on Sun 1 November
		{"Asia/Kolkata", "2026-03-01T00:00:00Z"},     // +05:30, no DST
	} {
		t.Run(tc.zone+"/"+tc.from[:7], func(t *testing.T) {
			t.Parallel()
			start := mustTime(t, tc.from)
			clock := newClock(start)
			db, _ := tempDB(t, clock)
			rec := &recorder{clock: clock.Now}
			addCohort(t, db, "c1", true, 3, start)
			addReminder(t, db, "c1", "every monday 09:00", tc.zone, start)
			s := newSched(t, db, clock, rec, nil)
			ctx := context.Background()
			if err := s.Start(ctx); err != nil {
				t.Fatal(err)
			}
			end := start.AddDate(0, 0, 42)
			for clock.Now().Before(end) {
				clock.Advance(15 * time.Minute)
				if err := s.RunDue(ctx); err != nil {
					t.Fatal(err)
				}
			}
			loc, _ := time.LoadLocation(tc.zone)
			posts := rec.got()
			if len(posts) != 6 {
				t.Fatalf("%d posts in six weeks, want 6", len(posts))
			}
			offsets := map[string]bool{}
			for _, p := range posts {
				local := p.at.In(loc)
				if p.to != "#test:C1" || local.Weekday() != time.Monday || local.Hour() != 9 || local.Minute() != 0 {
					t.Errorf("post to %s at %s, want the channel on a Monday at 09:00", p.to, local.Format(time.RFC1123))
				}
				_, off := local.Zone()
				offsets[fmt.Sprint(off)] = true
			}
			if want := tc.zone != "Asia/Kolkata"; (len(offsets) == 2) != want {
				t.Errorf("UTC offsets seen %v: want a DST change %v", offsets, want)
			}
		})
	}
}

// TestCatchUpOnceAfterNineDays: the bot runs a schedule, is stopped for nine
// days, then starts: one catch-up post, however many were missed, and a
// second start posts nothing more. With catch_up off, nothing is posted but
// the next regular time still fires.
func TestCatchUpOnceAfterNineDays(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		schedule string
		catchUp  bool
		wantPost int
	}{
		{"every monday 09:00", true, 1},
		{"weekdays 17:30", true, 1},
		{"weekdays 17:30", false, 0},
	} {
		t.Run(fmt.Sprintf("%s/catch_up=%v", tc.schedule, tc.catchUp), func(t *testing.T) {
			start := mustTime(t, "2026-11-02T08:00:00Z") // a Monday
			clock := newClock(start)
			db, path := tempDB(t, clock)
			rec := &recorder{clock: clock.Now}
			addCohort(t, db, "c1", true, 2, start)
			sch := addReminder(t, db, "c1", tc.schedule, "UTC", start)
			ctx := context.Background()
			first := newSched(t, db, clock, rec, func(o *Options) { o.CatchUp = tc.catchUp })
			if err := first.Start(ctx); err != nil {
				t.Fatal(err)
			}
			clock.Set(mustTime(t, "2026-11-02T18:00:00Z"))
			if err := first.RunDue(ctx); err != nil {
				t.Fatal(err)
			}
			before := len(rec.got())
			if before != 1 {
				t.Fatalf("%d posts on the first day, want 1", before)
			}
			// Stopped for nine days; a fresh process over the same file.
			mustClose(t, db)
			clock.Set(mustTime(t, "2026-11-11T18:00:00Z"))
			db2 := openDB(t, path, clock)
			defer mustClose(t, db2)
			second := newSched(t, db2, clock, rec, func(o *Options) { o.CatchUp = tc.catchUp })
			if err := second.Start(ctx); err != nil {
				t.Fatal(err)
			}
			if got := len(rec.got()) - before; got != tc.wantPost {
				t.Fatalf("%d posts after nine days down, want %d", got, tc.wantPost)
			}
			if err := second.Start(ctx); err != nil {
				t.Fatal(err)
			}
			if err := second.RunDue(ctx); err != nil {
				t.Fatal(err)
			}
			if got := len(rec.got()) - before; got != tc.wantPost {
				t.Fatalf("a second start posted again: %d posts, want %d", got, tc.wantPost)
			}
			runs, err := db2.Runs(ctx, sch.ID)
			if err != nil {
				t.Fatal(err)
			}
			if tc.wantPost == 1 && (!runs[len(runs)-1].CatchUp || !runs[len(runs)-1].Done) {
				t.Errorf("last run %+v: want a finished catch-up run", runs[len(runs)-1])
			}
			// The next regular time fires as usual.
			n := len(rec.got())
			clock.Set(mustTime(t, "2026-11-16T18:00:00Z"))
			if err := second.RunDue(ctx); err != nil {
				t.Fatal(err)
			}
			if len(rec.got()) != n+1 {
				t.Fatalf("the next regular time posted %d, want 1", len(rec.got())-n)
			}
		})
	}
}

// TestCrashHalfwayThroughRun: a run to 40 members by DM stops after 20
// deliveries (the process is told to stop); a fresh scheduler over the same
// file sends the other 20, and nobody gets two.
func TestCrashHalfwayThroughRun(t *testing.T) {
	t.Parallel()
	start := mustTime(t, "2026-11-02T08:00:00Z")
	clock := newClock(start)
	path := t.TempDir() + "/crash.db"
	db := openDB(t, path, clock)
	addCohort(t, db, "c1", false, 40, start)
	addReminder(t, db, "c1", "every monday 09:00", "UTC", start)
	clock.Set(mustTime(t, "2026-11-02T09:00:00Z"))

	ctx, kill := context.WithCancel(context.Background())
	rec := &recorder{clock: clock.Now}
	rec.after = func(total int) {
		if total == 20 {
			kill()
		}
	}
	s := newSched(t, db, clock, rec, nil)
	if err := s.RunDue(ctx); !errors.Is(err, context.Canceled) {
		t.Fatalf("RunDue after kill: %v, want context.Canceled", err)
	}
	firstHalf := rec.countTo()
	if len(firstHalf) < 20 || len(firstHalf) >= 40 {
		t.Fatalf("%d members reached before the stop, want 20 (+ the sends in flight)", len(firstHalf))
	}
	open, err := db.OpenRuns(context.Background())
	if err != nil || len(open) != 1 {
		t.Fatalf("open runs %v, %v: want the interrupted one", open, err)
	}
	mustClose(t, db)

	db2 := openDB(t, path, clock)
	defer mustClose(t, db2)
	rec2 := &recorder{clock: clock.Now}
	if err := newSched(t, db2, clock, rec2, nil).Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	secondHalf := rec2.countTo()
	total := map[string]int{}
	for k, n := range firstHalf {
		total[k] += n
	}
	for k, n := range secondHalf {
		total[k] += n
		if firstHalf[k] > 0 {
			t.Errorf("%s got the reminder before and after the restart", k)
		}
	}
	if len(total) != 40 {
		t.Errorf("%d members reached in all, want 40", len(total))
	}
	for k, n := range total {
		if n != 1 {
			t.Errorf("%s got %d reminders, want 1", k, n)
		}
	}
	if open, _ := db2.OpenRuns(context.Background()); len(open) != 0 {
		t.Errorf("runs still open after resume: %v", open)
	}
}

// TestOneAttemptFailuresAndReport: the scheduler sends each recipient once
// (the adapters retry their calls: one retry stage); whatever that send
// returns, transient or permanent, is recorded after that one attempt, the
// failed recipients are reported to the lead once, and they do not stop
// the others.
func TestOneAttemptFailuresAndReport(t *testing.T) {
	t.Parallel()
	clock, db, sch := dueReminder(t, 5)
	rec := &recorder{clock: clock.Now}
	rec.fail = func(to string, n int) error {
		switch {
		case to == memberKey(1):
			return errors.New("503 unavailable (after the adapter's retries)")
		case to == memberKey(3):
			return Permanent(errors.New("cannot_dm_user"))
		}
		return nil
	}
	var results []string
	s := newSched(t, db, clock, rec, func(o *Options) {
		o.OnRun = func(kind, result string) { results = append(results, kind+":"+result) }
	})
	ctx := context.Background()
	if err := s.RunDue(ctx); err != nil {
		t.Fatal(err)
	}
	if strings.Join(results, ",") != "reminder:failures" {
		t.Errorf("OnRun told %v, want [reminder:failures]", results)
	}
	got := rec.countTo()
	for _, k := range []string{memberKey(0), memberKey(2), memberKey(4), "test:lead-c1"} {
		if got[k] != 1 {
			t.Errorf("%s received %d messages, want 1", k, got[k])
		}
	}
	if n := rec.attempts(memberKey(1)); n != 1 {
		t.Errorf("the failing recipient was sent to %d times, want 1 (no retry on top of the adapter's)", n)
	}
	rec.mu.Lock()
	if rec.prios[ratelimit.Background] != 5 {
		t.Errorf("send priorities %v, want the 5 reminders at background priority (behind learners)", rec.prios)
	}
	rec.mu.Unlock()
	runs, _ := db.Runs(ctx, sch.ID)
	ds, err := db.Deliveries(ctx, runs[0])
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]struct {
		status   string
		attempts int
	}{
		memberKey(0): {coursebot.DeliverySent, 1}, memberKey(1): {coursebot.DeliveryFailed, 1}, memberKey(2): {coursebot.DeliverySent, 1},
		memberKey(3): {coursebot.DeliveryFailed, 1}, memberKey(4): {coursebot.DeliverySent, 1},
		"report:test:lead-c1": {coursebot.DeliverySent, 0},
	}
	for k, w := range want {
		if d := ds[k]; d.Status != w.status || d.Attempts != w.attempts {
			t.Errorf("delivery to %s = %s after %d attempts, want %s after %d", k, d.Status, d.Attempts, w.status, w.attempts)
		}
	}
	var report string
	for _, p := range rec.got() {
		if p.to == "test:lead-c1" {
			report = p.replies[0].Blocks[0].Text
		}
	}
	for _, w := range []string{"could not reach 2", memberKey(3) + ": cannot_dm_user", memberKey(1) + ": 503"} {
		if !strings.Contains(report, w) {
			t.Errorf("report lacks %q:\n%s", w, report)
		}
	}
}

func nudgeOpts() NudgeOptions {
	return NudgeOptions{Enabled: true, Lesson: "4-4", After: 72 * time.Hour, Max: 2, Check: "0 * * * *", Zone: "Europe/Berlin", QuietStart: 21 * 60, QuietEnd: 8 * 60}
}

func TestEligible(t *testing.T) {
	t.Parallel()
	now := mustTime(t, "2026-11-23T12:00:00Z") // 13:00 in Berlin
	old := now.Add(-100 * time.Hour)
	started := coursebot.Progress{Lesson: "4-4", Card: "c", Started: old, Updated: old}
	tests := []struct {
		name string
		now  time.Time
		p    coursebot.Progress
		st   coursebot.NudgeState
		want string // "" = eligible
	}{
		{"stalled learner", now, started, coursebot.NudgeState{}, ""},
		{"never started", now, coursebot.Progress{Lesson: "4-4"}, coursebot.NudgeState{}, "not started"},
		{"finished", now, func() coursebot.Progress { p := started; p.Completed = old; return p }(), coursebot.NudgeState{}, "finished"},
		{"opted out", now, started, coursebot.NudgeState{OptOut: true}, "opted out"},
		{"snoozed", now, started, coursebot.NudgeState{SnoozeUntil: now.Add(time.Hour)}, "snoozed"},
		{"snooze over", now, started, coursebot.NudgeState{SnoozeUntil: now.Add(-time.Hour)}, ""},
		{"active yesterday", now, func() coursebot.Progress { p := started; p.Updated = now.Add(-24 * time.Hour); return p }(), coursebot.NudgeState{}, "active recently"},
		{"nudged yesterday", now, started, coursebot.NudgeState{Sent: map[string]int{"4-4": 1}, Last: map[string]time.Time{"4-4": now.Add(-24 * time.Hour)}}, "nudged recently"},
		{"one nudge, long ago", now, started, coursebot.NudgeState{Sent: map[string]int{"4-4": 1}, Last: map[string]time.Time{"4-4": old}}, ""},
		{"had the most", now, started, coursebot.NudgeState{Sent: map[string]int{"4-4": 2}, Last: map[string]time.Time{"4-4": old}}, "had the most nudges"},
		{"nudges of another lesson do not count", now, started, coursebot.NudgeState{Sent: map[string]int{"1-1": 5}}, ""},
		{"quiet hours (22:00 Berlin)", mustTime(t, "2026-11-23T21:00:00Z"), started, coursebot.NudgeState{}, "quiet hours"},
		{"quiet hours past midnight (07:59 Berlin)", mustTime(t, "2026-11-23T06:59:00Z"), started, coursebot.NudgeState{}, "quiet hours"},
		{"quiet hours over (08:00 Berlin)", mustTime(t, "2026-11-23T07:00:00Z"), started, coursebot.NudgeState{}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ok, why := Eligible(tt.now, tt.p, tt.st, nudgeOpts())
			if ok != (tt.want == "") || why != tt.want {
				t.Errorf("Eligible = %v %q, want %q", ok, why, tt.want)
			}
		})
	}
}

// TestNudgeRun goes through the store: only the stalled learner is nudged,
// once per check, at most Max times, and finishing stops the nudges.
func TestNudgeRun(t *testing.T) {
	t.Parallel()
	start := mustTime(t, "2026-11-23T10:00:00Z")
	clock := newClock(start)
	db, _ := tempDB(t, clock)
	ctx := context.Background()
	course := builtin(t)
	les := course.Lessons["4-4"]
	put := func(who string, fn func(*coursebot.Progress)) {
		if _, _, err := db.UpdateProgress(ctx, who, "4-4", func(_ *coursebot.LearnerRecord, p *coursebot.Progress) error {
			fn(p)
			return nil
		}); err != nil {
			t.Fatal(err)
		}
	}
	old := start.Add(-100 * time.Hour)
	stalled := func(p *coursebot.Progress) {
		p.Card, p.CardIndex, p.Started, p.Updated = les.Cards[5].Key, 5, old, old
	}
	put("test:stalled", stalled)
	put("test:done", func(p *coursebot.Progress) { stalled(p); p.Completed = old })
	put("test:active", func(p *coursebot.Progress) { stalled(p); p.Updated = start.Add(-time.Hour) })
	put("test:optout", stalled)
	if _, err := db.UpdateNudgeState(ctx, "test:optout", func(st *coursebot.NudgeState) { st.OptOut = true }); err != nil {
		t.Fatal(err)
	}
	rec := &recorder{clock: clock.Now}
	n := nudgeOpts()
	s := newSched(t, db, clock, rec, func(o *Options) { o.Nudges = n })
	if err := s.Start(ctx); err != nil {
		t.Fatal(err)
	}
	step := func(to string) {
		clock.Set(mustTime(t, to))
		if err := s.RunDue(ctx); err != nil {
			t.Fatal(err)
		}
	}
	step("2026-11-23T11:00:00Z")
	got := rec.got()
	if len(got) != 1 || got[0].to != "test:stalled" {
		t.Fatalf("nudges %v, want one to test:stalled", rec.countTo())
	}
	r := got[0].replies[0]
	text := r.Blocks[0].Text
	if !strings.Contains(text, "card 6 of") || !strings.Contains(text, "Checklist: 0 of") {
		t.Errorf("nudge text does not say where they stopped and what is left:\n%s", text)
	}
	if len(r.Buttons) < 2 || r.Buttons[0].Action != "open|4-4" || !strings.HasPrefix(r.Buttons[1].Action, "snooze|4-4") {
		t.Errorf("nudge buttons %+v, want Resume (open|4-4) and Snooze", r.Buttons)
	}
	step("2026-11-23T12:00:00Z") // an hour later: nudged recently
	step("2026-11-26T21:00:00Z") // quiet hours in Berlin
	if len(rec.got()) != 1 {
		t.Fatalf("nudged again too soon or in quiet hours: %v", rec.countTo())
	}
	step("2026-11-27T09:00:00Z") // 10:00 Berlin, 94h after the first: second nudge (and test:active's first)
	step("2026-12-05T09:00:00Z") // Max is 2
	if c := rec.countTo(); c["test:stalled"] != 2 || c["test:active"] != 2 || len(c) != 2 {
		t.Fatalf("nudges %v, want two each to test:stalled and test:active (stalled since)", c)
	}
	// Finishing stops nudges at once, even if selected already: a run
	// whose learner finished meanwhile skips them.
	put("test:late", stalled)
	run, claimed, err := db.ClaimRun(ctx, NudgeScheduleID("4-4"), mustTime(t, "2026-12-05T10:00:00Z"), []string{"test:late"}, false)
	if err != nil || !claimed {
		t.Fatal(claimed, err)
	}
	put("test:late", func(p *coursebot.Progress) { p.Completed = clock.Now() })
	if err := s.Start(ctx); err != nil { // resumes the open run
		t.Fatal(err)
	}
	if rec.countTo()["test:late"] != 0 {
		t.Errorf("a learner who finished after being selected was nudged")
	}
	ds, _ := db.Deliveries(ctx, run)
	if ds["test:late"].Status != coursebot.DeliverySkipped || ds["test:late"].Err != "finished" {
		t.Errorf("delivery record %+v, want skipped: finished", ds["test:late"])
	}
}

// TestLoopWithFakeClock runs the real loop: it sleeps on the injected
// timer and posts when the clock reaches the fire time, once.
func TestLoopWithFakeClock(t *testing.T) {
	t.Parallel()
	start := mustTime(t, "2026-11-23T08:59:00Z")
	clock := newClock(start)
	db, _ := tempDB(t, clock)
	addCohort(t, db, "c1", true, 1, start)
	addReminder(t, db, "c1", "every monday 09:00", "UTC", start)
	rec := &recorder{clock: clock.Now}
	s := newSched(t, db, clock, rec, nil)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() { done <- s.Run(ctx) }()
	waitFor(t, func() bool { return clock.waiting() > 0 })
	clock.Advance(time.Minute)
	waitFor(t, func() bool { return len(rec.got()) == 1 })
	waitFor(t, func() bool { return clock.waiting() > 0 }) // asleep again
	clock.Advance(time.Hour)
	waitFor(t, func() bool { return clock.waiting() > 0 })
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if n := len(rec.got()); n != 1 {
		t.Fatalf("%d posts, want 1", n)
	}
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	testwait.Until(t, "the condition", cond)
}

var _ bot.Sender = (*recorder)(nil)
var _ ChannelSender = (*recorder)(nil)
