package scheduler

import (
	"context"
	"strings"
	"sync"
	"testing"

	"github.com/coursebot/coursebot"
	"github.com/coursebot/coursebot/internal/recovery"
)

// TestASendThatPanicsFailsAloneAndIsCounted: a panic while sending to one
// member (a bug) is recovered and counted through Options.Panics, recorded
// as that member's failed delivery and reported to the lead; the other
// members get theirs and the process goes on.
func TestASendThatPanicsFailsAloneAndIsCounted(t *testing.T) {
	t.Parallel()
	clock, db, sch := dueReminder(t, 3)
	rec := &recorder{clock: clock.Now}
	rec.fail = func(to string, _ int) error {
		if to == memberKey(1) {
			panic("a bug in the send")
		}
		return nil
	}
	var mu sync.Mutex
	counted := map[string]int{}
	panics := &recovery.Panics{Count: func(where string, _ any) {
		mu.Lock()
		counted[where]++
		mu.Unlock()
	}}
	s := newSched(t, db, clock, rec, func(o *Options) { o.Panics = panics })
	ctx := context.Background()
	if err := s.RunDue(ctx); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	if counted["scheduler send"] != 1 {
		t.Errorf("panics counted %v, want one at scheduler send", counted)
	}
	mu.Unlock()
	got := rec.countTo()
	for _, k := range []string{memberKey(0), memberKey(2)} {
		if got[k] != 1 {
			t.Errorf("%s received %d messages, want 1", k, got[k])
		}
	}
	runs, _ := db.Runs(ctx, sch.ID)
	ds, err := db.Deliveries(ctx, runs[0])
	if err != nil {
		t.Fatal(err)
	}
	if d := ds[memberKey(1)]; d.Status != coursebot.DeliveryFailed || !strings.Contains(d.Err, "internal error") {
		t.Errorf("the panicking send recorded as %+v, want failed with an internal error", d)
	}
	if open, _ := db.OpenRuns(ctx); len(open) != 0 {
		t.Errorf("the run stayed open: %v", open)
	}
}
