package store

import (
	"context"
	"errors"
	"path/filepath"
	"reflect"
	"testing"
	"time"
)

func TestCohortsAndMembers(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "c.db")
	db, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)
	if err := db.CreateCohort(ctx, Cohort{Name: "alpha", Code: "aaa", Timezone: "UTC", Created: now}); err != nil {
		t.Fatal(err)
	}
	if err := db.CreateCohort(ctx, Cohort{Name: "alpha", Code: "zzz"}); !errors.Is(err, ErrExists) {
		t.Errorf("same name again: %v, want ErrExists", err)
	}
	if err := db.CreateCohort(ctx, Cohort{Name: "beta", Code: "aaa"}); !errors.Is(err, ErrExists) {
		t.Errorf("same code again: %v, want ErrExists", err)
	}
	if err := db.CreateCohort(ctx, Cohort{Name: "bad\x00name", Code: "c"}); !errors.Is(err, ErrBadKey) {
		t.Errorf("NUL in name: %v, want ErrBadKey", err)
	}
	if err := db.CreateCohort(ctx, Cohort{Name: "beta", Code: "bbb"}); err != nil {
		t.Fatal(err)
	}
	if _, err := db.UpdateCohort(ctx, "gamma", func(*Cohort) error { return nil }); !errors.Is(err, ErrNotFound) {
		t.Errorf("update of a missing cohort: %v", err)
	}
	boom := errors.New("boom")
	if _, err := db.UpdateCohort(ctx, "alpha", func(c *Cohort) error { c.Channel = "x"; return boom }); !errors.Is(err, boom) {
		t.Errorf("fn's error: %v", err)
	}
	if _, err := db.UpdateCohort(ctx, "alpha", func(c *Cohort) error { c.Leads = append(c.Leads, "test:lead"); return nil }); err != nil {
		t.Fatal(err)
	}
	for _, m := range []Member{{Cohort: "alpha", Learner: "test:a"}, {Cohort: "alpha", Learner: "test:b"}, {Cohort: "beta", Learner: "test:a"}} {
		if added, err := db.AddMember(ctx, m); err != nil || !added {
			t.Fatalf("add %+v: %v %v", m, added, err)
		}
	}
	if added, err := db.AddMember(ctx, Member{Cohort: "alpha", Learner: "test:a"}); err != nil || added {
		t.Errorf("second add: %v %v, want false nil", added, err)
	}
	if _, err := db.AddMember(ctx, Member{Cohort: "gamma", Learner: "test:a"}); !errors.Is(err, ErrNotFound) {
		t.Errorf("add to a missing cohort: %v", err)
	}
	if removed, err := db.RemoveMember(ctx, "alpha", "test:b"); err != nil || !removed {
		t.Errorf("remove: %v %v", removed, err)
	}
	if removed, _ := db.RemoveMember(ctx, "alpha", "test:b"); removed {
		t.Errorf("removed twice")
	}
	if _, err := db.UpdateNudgeState(ctx, "test:a", func(st *NudgeState) { st.OptOut = true }); err != nil {
		t.Fatal(err)
	}
	db.Close()

	// Everything is in the file.
	db, err = Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	c, ok, err := db.Cohort(ctx, "alpha")
	if err != nil || !ok || c.Channel != "" || !reflect.DeepEqual(c.Leads, []string{"test:lead"}) || !c.IsLead("test:lead") {
		t.Errorf("alpha after reopen: %+v %v %v", c, ok, err)
	}
	if cs, _ := db.LearnerCohorts(ctx, "test:a"); !reflect.DeepEqual(cs, []string{"alpha", "beta"}) {
		t.Errorf("test:a's cohorts %v", cs)
	}
	if ms, _ := db.Members(ctx, "alpha"); len(ms) != 1 || ms[0].Learner != "test:a" {
		t.Errorf("alpha's members %+v", ms)
	}
	if st, _ := db.NudgeState(ctx, "test:a"); !st.OptOut {
		t.Errorf("nudge state lost")
	}
}

func TestClaimRunOnce(t *testing.T) {
	ctx := context.Background()
	db := openTemp(t, Options{})
	created := time.Date(2026, 11, 23, 8, 0, 0, 0, time.UTC)
	s, err := db.PutSchedule(ctx, Schedule{Kind: KindReminder, Cohort: "alpha", Spec: "0 9 * * 1", Timezone: "UTC", Created: created})
	if err != nil || s.ID != "r1" {
		t.Fatalf("first schedule id %q, %v", s.ID, err)
	}
	if s2, _ := db.PutSchedule(ctx, Schedule{Kind: KindReminder, Created: created}); s2.ID != "r2" {
		t.Errorf("second schedule id %q", s2.ID)
	}
	at := time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)
	run, claimed, err := db.ClaimRun(ctx, "r1", at, []string{"test:a", "test:b"}, false)
	if err != nil || !claimed {
		t.Fatalf("first claim: %v %v", claimed, err)
	}
	for _, again := range []time.Time{at, at.Add(-time.Hour)} {
		if _, claimed, err := db.ClaimRun(ctx, "r1", again, nil, false); err != nil || claimed {
			t.Errorf("claim of %s after %s: %v %v, want not claimed", again, at, claimed, err)
		}
	}
	if _, claimed, _ := db.ClaimRun(ctx, "nosuch", at, nil, false); claimed {
		t.Errorf("claimed a missing schedule")
	}
	if got, _, _ := db.Schedule(ctx, "r1"); !got.Last.Equal(at) {
		t.Errorf("Last = %v, want %v", got.Last, at)
	}
	if err := db.RecordDelivery(ctx, run, Delivery{Recipient: "test:a", Status: DeliverySent, Attempts: 1, At: at}); err != nil {
		t.Fatal(err)
	}
	open, _ := db.OpenRuns(ctx)
	if len(open) != 1 || open[0].Key() != run.Key() || !reflect.DeepEqual(open[0].Recipients, []string{"test:a", "test:b"}) {
		t.Fatalf("open runs %+v", open)
	}
	ds, _ := db.Deliveries(ctx, open[0])
	if len(ds) != 1 || ds["test:a"].Status != DeliverySent {
		t.Errorf("deliveries %+v", ds)
	}
	if err := db.FinishRun(ctx, run); err != nil {
		t.Fatal(err)
	}
	if open, _ := db.OpenRuns(ctx); len(open) != 0 {
		t.Errorf("open after finish: %+v", open)
	}
	later := at.AddDate(0, 0, 7)
	if moved, err := db.SkipRuns(ctx, "r1", later); err != nil || !moved {
		t.Errorf("skip: %v %v", moved, err)
	}
	if _, claimed, _ := db.ClaimRun(ctx, "r1", later, nil, true); claimed {
		t.Errorf("claimed a skipped time")
	}
	if runs, _ := db.Runs(ctx, "r1"); len(runs) != 1 || !runs[0].Done {
		t.Errorf("runs %+v", runs)
	}
	if deleted, _ := db.DeleteSchedule(ctx, "r1"); !deleted {
		t.Errorf("delete")
	}
	if _, claimed, _ := db.ClaimRun(ctx, "r1", later.AddDate(0, 0, 7), nil, false); claimed {
		t.Errorf("claimed a deleted schedule")
	}
}
