package scheduler

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/coursebot/coursebot"
	"github.com/coursebot/coursebot/bot"
)

// TestLeadSummaryGoesToEachLeadOnce: a reminder with the digest posts to
// the cohort's channel and sends the leads' weekly summary to each lead by
// direct message, as recipients of the same run: recorded, so a restart
// sends neither again. A reminder without the digest sends no summary.
func TestLeadSummaryGoesToEachLeadOnce(t *testing.T) {
	t.Parallel()
	start := mustTime(t, "2026-11-02T08:00:00Z")
	clock := newClock(start)
	path := t.TempDir() + "/summary.db"
	db := openDB(t, path, clock)
	c := addCohort(t, db, "c1", true, 3, start)
	if _, err := db.UpdateCohort(context.Background(), "c1", func(c *coursebot.Cohort) error {
		c.Leads = append(c.Leads, "test:lead-two")
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	digest := addReminder(t, db, "c1", "every monday 09:00", "UTC", start)
	digest.Digest = true
	if _, err := db.PutSchedule(context.Background(), digest); err != nil {
		t.Fatal(err)
	}
	addReminder(t, db, "c1", "every monday 09:30", "UTC", start) // no digest
	var asked []string
	summary := func(_ context.Context, cohort string, now time.Time) ([]bot.Reply, error) {
		asked = append(asked, cohort+" "+now.Format(time.RFC3339))
		return []bot.Reply{{Title: "Cohort " + cohort + ": the week, for its leads"}}, nil
	}
	withSummary := func(o *Options) { o.LeadSummary = summary; o.Workers = 1 }
	clock.Set(mustTime(t, "2026-11-02T09:45:00Z"))
	rec := &recorder{clock: clock.Now}
	if err := newSched(t, db, clock, rec, withSummary).RunDue(context.Background()); err != nil {
		t.Fatal(err)
	}
	got := rec.countTo()
	want := map[string]int{"#test:C1": 2, c.Leads[0]: 1, "test:lead-two": 1}
	if len(got) != len(want) {
		t.Errorf("sent to %v, want %v", got, want)
	}
	for to, n := range want {
		if got[to] != n {
			t.Errorf("%s got %d messages, want %d (all: %v)", to, got[to], n, got)
		}
	}
	for _, p := range rec.got() {
		if strings.HasPrefix(p.to, "test:lead") && (len(p.replies) != 1 || p.replies[0].Title != "Cohort c1: the week, for its leads") {
			t.Errorf("%s got %+v, want the summary", p.to, p.replies)
		}
	}
	if len(asked) != 2 || asked[0] != "c1 2026-11-02T09:00:00Z" {
		t.Errorf("summary asked %v, want once per lead for the 09:00 run", asked)
	}
	mustClose(t, db)

	db2 := openDB(t, path, clock)
	defer mustClose(t, db2)
	rec2 := &recorder{clock: clock.Now}
	if err := newSched(t, db2, clock, rec2, withSummary).Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	if n := len(rec2.got()); n != 0 {
		t.Errorf("after a restart %d more messages: %v", n, rec2.countTo())
	}
}
