package store

import (
	"context"
	"errors"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/coursebot/coursebot"
)

func TestCohortsAndMembers(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "c.db")
	db, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)
	if err := db.CreateCohort(ctx, coursebot.Cohort{Name: "alpha", Code: "aaa", Timezone: "UTC", Created: now}); err != nil {
		t.Fatal(err)
	}
	if err := db.CreateCohort(ctx, coursebot.Cohort{Name: "alpha", Code: "zzz"}); !errors.Is(err, coursebot.ErrExists) {
		t.Errorf("same name again: %v, want ErrExists", err)
	}
	if err := db.CreateCohort(ctx, coursebot.Cohort{Name: "beta", Code: "aaa"}); !errors.Is(err, coursebot.ErrExists) {
		t.Errorf("same code again: %v, want ErrExists", err)
	}
	if err := db.CreateCohort(ctx, coursebot.Cohort{Name: "bad\x00name", Code: "c"}); !errors.Is(err, ErrBadKey) {
		t.Errorf("NUL in name: %v, want ErrBadKey", err)
	}
	if err := db.CreateCohort(ctx, coursebot.Cohort{Name: "beta", Code: "bbb"}); err != nil {
		t.Fatal(err)
	}
	if _, err := db.UpdateCohort(ctx, "gamma", func(*coursebot.Cohort) error { return nil }); !errors.Is(err, coursebot.ErrNotFound) {
		t.Errorf("update of a missing cohort: %v", err)
	}
	boom := errors.New("boom")
	if _, err := db.UpdateCohort(ctx, "alpha", func(c *coursebot.Cohort) error { c.Channel = "x"; return boom }); !errors.Is(err, boom) {
		t.Errorf("fn's error: %v", err)
	}
	if _, err := db.UpdateCohort(ctx, "alpha", func(c *coursebot.Cohort) error { c.Leads = append(c.Leads, "test:lead"); return nil }); err != nil {
		t.Fatal(err)
	}
	for _, m := range []coursebot.Member{{Cohort: "alpha", Learner: "test:a"}, {Cohort: "alpha", Learner: "test:b"}, {Cohort: "beta", Learner: "test:a"}} {
		if added, err := db.AddMember(ctx, m); err != nil || !added {
			t.Fatalf("add %+v: %v %v", m, added, err)
		}
	}
	if added, err := db.AddMember(ctx, coursebot.Member{Cohort: "alpha", Learner: "test:a"}); err != nil || added {
		t.Errorf("second add: %v %v, want false nil", added, err)
	}
	if _, err := db.AddMember(ctx, coursebot.Member{Cohort: "gamma", Learner: "test:a"}); !errors.Is(err, coursebot.ErrNotFound) {
		t.Errorf("add to a missing cohort: %v", err)
	}
	if removed, err := db.RemoveMember(ctx, "alpha", "test:b"); err != nil || !removed {
		t.Errorf("remove: %v %v", removed, err)
	}
	if removed, _ := db.RemoveMember(ctx, "alpha", "test:b"); removed {
		t.Errorf("removed twice")
	}
	if _, err := db.UpdateNudgeState(ctx, "test:a", func(st *coursebot.NudgeState) { st.OptOut = true }); err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}

	// Everything is in the file.
	db, err = Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		if err := db.Close(); err != nil {
			t.Error(err)
		}
	}()
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
	t.Parallel()
	ctx := context.Background()
	db := openTemp(t, Options{})
	created := time.Date(2026, 11, 23, 8, 0, 0, 0, time.UTC)
	s, err := db.PutSchedule(ctx, coursebot.Schedule{Kind: coursebot.KindReminder, Cohort: "alpha", Spec: "0 9 * * 1", Timezone: "UTC", Created: created})
	if err != nil || s.ID != "r1" {
		t.Fatalf("first schedule id %q, %v", s.ID, err)
	}
	if s2, _ := db.PutSchedule(ctx, coursebot.Schedule{Kind: coursebot.KindReminder, Created: created}); s2.ID != "r2" {
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
	if err := db.RecordDelivery(ctx, run, coursebot.Delivery{Recipient: "test:a", Status: coursebot.DeliverySent, Attempts: 1, At: at}); err != nil {
		t.Fatal(err)
	}
	open, _ := db.OpenRuns(ctx)
	if len(open) != 1 || open[0].Key() != run.Key() || !reflect.DeepEqual(open[0].Recipients, []string{"test:a", "test:b"}) {
		t.Fatalf("open runs %+v", open)
	}
	ds, _ := db.Deliveries(ctx, open[0])
	if len(ds) != 1 || ds["test:a"].Status != coursebot.DeliverySent {
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

// TestInvitations: an invitation is not a membership until accepted; the
// lead's lists (Members, LearnerCohorts) never show it.
func TestInvitations(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := openTemp(t, Options{})
	now := time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)
	if err := db.CreateCohort(ctx, coursebot.Cohort{Name: "alpha", Code: "aaa", Timezone: "UTC"}); err != nil {
		t.Fatal(err)
	}
	inv := coursebot.Member{Cohort: "alpha", Learner: "test:bob", AddedBy: "test:lead", Pending: true, Invited: now, Answers: true}
	if added, err := db.AddMember(ctx, inv); err != nil || !added {
		t.Fatalf("invite: %v %v", added, err)
	}
	if added, _ := db.AddMember(ctx, inv); added {
		t.Errorf("invited twice")
	}
	if ms, _ := db.Members(ctx, "alpha"); len(ms) != 0 {
		t.Errorf("an invitation is listed as a member: %+v", ms)
	}
	if cs, _ := db.LearnerCohorts(ctx, "test:bob"); len(cs) != 0 {
		t.Errorf("an invitation counts as a cohort of the learner: %v", cs)
	}
	if is, _ := db.Invitations(ctx, "test:bob"); len(is) != 1 || is[0].Cohort != "alpha" || !is[0].Pending {
		t.Errorf("invitations %+v", is)
	}
	m, ok, err := db.AcceptInvitation(ctx, "alpha", "test:bob", now.Add(time.Hour))
	if err != nil || !ok || m.Pending || !m.Joined.Equal(now.Add(time.Hour)) || !m.Answers {
		t.Fatalf("accept: %+v %v %v", m, ok, err)
	}
	if _, ok, _ := db.AcceptInvitation(ctx, "alpha", "test:bob", now); ok {
		t.Errorf("accepted twice")
	}
	if ms, _ := db.Members(ctx, "alpha"); len(ms) != 1 || ms[0].Learner != "test:bob" {
		t.Errorf("members after accept %+v", ms)
	}
	if is, _ := db.Invitations(ctx, "test:bob"); len(is) != 0 {
		t.Errorf("invitations after accept %+v", is)
	}
	// An invitation does not demote a member.
	if added, _ := db.AddMember(ctx, inv); added {
		t.Errorf("an invitation replaced a membership")
	}
	// Joining with the code replaces a pending invitation.
	inv.Learner = "test:carol"
	if _, err := db.AddMember(ctx, inv); err != nil {
		t.Fatal(err)
	}
	if added, _ := db.AddMember(ctx, coursebot.Member{Cohort: "alpha", Learner: "test:carol", Joined: now}); !added {
		t.Errorf("joining did not replace the invitation")
	}
	if m, ok, _ := db.Membership(ctx, "alpha", "test:carol"); !ok || m.Pending {
		t.Errorf("carol after joining: %+v", m)
	}
}

// TestMigrateMembersToInvitations opens a schema-1 file: members a lead
// added (nobody asked them) become invitations; members who joined with
// the code stay.
func TestMigrateMembersToInvitations(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	path := rawFile(t, func(tx *bolt.Tx) error {
		if err := putSchemaRaw(tx, "1"); err != nil {
			return err
		}
		c, err := tx.CreateBucket(bucketCohorts)
		if err != nil {
			return err
		}
		if err := c.Put([]byte("alpha"), []byte(`{"name":"alpha","code":"aaa","timezone":"UTC","leads":["test:lead"]}`)); err != nil {
			return err
		}
		b, err := tx.CreateBucket(bucketCohortMembers)
		if err != nil {
			return err
		}
		if err := b.Put(memberKey("alpha", "test:bob"), []byte(`{"cohort":"alpha","learner":"test:bob","joined":"2026-11-01T10:00:00Z","added_by":"test:lead"}`)); err != nil {
			return err
		}
		return b.Put(memberKey("alpha", "test:self"), []byte(`{"cohort":"alpha","learner":"test:self","joined":"2026-11-02T10:00:00Z"}`))
	})
	db, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		if err := db.Close(); err != nil {
			t.Error(err)
		}
	}()
	if v, _ := db.Schema(); v != len(migrations()) {
		t.Errorf("schema %d, want %d", v, len(migrations()))
	}
	if ms, _ := db.Members(ctx, "alpha"); len(ms) != 1 || ms[0].Learner != "test:self" {
		t.Errorf("members after migration %+v, want only test:self", ms)
	}
	is, _ := db.Invitations(ctx, "test:bob")
	if len(is) != 1 || !is[0].Pending || is[0].AddedBy != "test:lead" || !is[0].Invited.Equal(time.Date(2026, 11, 1, 10, 0, 0, 0, time.UTC)) || !is[0].Joined.IsZero() {
		t.Errorf("bob after migration %+v, want a pending invitation from test:lead", is)
	}
}

// TestForgetLeadWhoInvited: forgetting a lead leaves the invitations they
// made to their invitees, without the lead's id.
func TestForgetLeadWhoInvited(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := openTemp(t, Options{})
	if err := db.CreateCohort(ctx, coursebot.Cohort{Name: "alpha", Code: "aaa", Timezone: "UTC", Leads: []string{"test:lead"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := db.AddMember(ctx, coursebot.Member{Cohort: "alpha", Learner: "test:bob", AddedBy: "test:lead", Pending: true}); err != nil {
		t.Fatal(err)
	}
	if _, err := db.ForgetLearner(ctx, "test:lead"); err != nil {
		t.Fatal(err)
	}
	if after := dump(t, db); strings.Contains(after, "test:lead") {
		t.Errorf("the forgotten lead is still in the file:\n%s", after)
	}
	if is, _ := db.Invitations(ctx, "test:bob"); len(is) != 1 || is[0].AddedBy != "" {
		t.Errorf("bob's invitation after forgetting the lead: %+v", is)
	}
}
