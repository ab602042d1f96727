package scheduler

import (
	"context"
	"testing"
	"time"

	"github.com/coursebot/coursebot"
	"github.com/coursebot/coursebot/bot"
	"github.com/coursebot/coursebot/store"
)

// A learner who linked two accounts, both stalled in the capstone before
// they were linked, is nudged once, on the account they used last.
func TestNudgeOncePerPerson(t *testing.T) {
	t.Parallel()
	start := mustTime(t, "2026-11-23T10:00:00Z")
	clock := newClock(start)
	db, _ := tempDB(t, clock)
	ctx := context.Background()
	les := builtin(t).Lessons["4-4"]
	old := start.Add(-100 * time.Hour)
	for _, who := range []string{"test:ada", "other:ada"} {
		if _, _, err := db.UpdateProgress(ctx, who, "4-4", func(_ *coursebot.LearnerRecord, p *coursebot.Progress) error {
			p.Card, p.CardIndex, p.Started, p.Updated = les.Cards[5].Key, 5, old, old
			return nil
		}); err != nil {
			t.Fatal(err)
		}
	}
	lim := store.LinkLimits{TTL: time.Hour, IssueLimit: 1, FailLimit: 1, Window: time.Hour}
	if err := db.IssueLinkCode(ctx, "test:ada", "h", old, lim); err != nil {
		t.Fatal(err)
	}
	if _, err := db.RedeemLinkCode(ctx, "other:ada", "h", old.Add(time.Minute), lim); err != nil {
		t.Fatal(err)
	}
	// Ada looks at her progress through the other account: it is the one
	// she used last.
	if _, _, err := db.UpdateProgress(ctx, "other:ada", "4-4", func(*coursebot.LearnerRecord, *coursebot.Progress) error { return nil }); err != nil {
		t.Fatal(err)
	}
	rec := &recorder{clock: clock.Now}
	s := newSched(t, db, clock, rec, func(o *Options) {
		o.Nudges = nudgeOpts()
		o.Senders = map[string]bot.Sender{"test": rec, "other": rec}
	})
	if err := s.Start(ctx); err != nil {
		t.Fatal(err)
	}
	clock.Set(mustTime(t, "2026-11-23T11:00:00Z"))
	if err := s.RunDue(ctx); err != nil {
		t.Fatal(err)
	}
	if c := rec.countTo(); len(c) != 1 || c["other:ada"] != 1 {
		t.Errorf("nudges %v, want one, to other:ada", c)
	}
}
