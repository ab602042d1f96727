package store

import (
	"bytes"
	"context"
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/coursebot/coursebot"
	bolt "go.etcd.io/bbolt"
)

// fillLearner gives learner progress with an answer in two lessons, a
// thread on a platform, a cohort membership and nudge state.
func fillLearner(t *testing.T, db *DB, learner, answer string) {
	t.Helper()
	ctx := context.Background()
	for _, lesson := range []string{"4-4", "5-1"} {
		_, _, err := db.UpdateProgress(ctx, learner, lesson, func(r *coursebot.LearnerRecord, p *coursebot.Progress) error {
			r.Name = "Name of " + learner
			p.Card = "c1"
			p.Answers = map[string]coursebot.Answer{"q1": {Text: answer, At: time.Unix(1, 0)}}
			p.Ratings = map[string]int{"r1": 4}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	platform, _, _ := strings.Cut(learner, ":")
	if err := db.PutThread(ctx, coursebot.Thread{Platform: platform, Learner: learner, Lesson: "4-4", Channel: "C-" + learner, ThreadID: "T-" + learner}); err != nil {
		t.Fatal(err)
	}
	err := db.bolt.Update(func(tx *bolt.Tx) error {
		for _, name := range [][]byte{bucketCohorts, bucketCohortMembers, bucketNudgeState} {
			if _, err := tx.CreateBucketIfNotExists(name); err != nil {
				return err
			}
		}
		m, _ := json.Marshal(map[string]string{"cohort": "spring", "learner": learner})
		if err := tx.Bucket(bucketCohortMembers).Put([]byte("spring"+sep+learner), m); err != nil {
			return err
		}
		return tx.Bucket(bucketNudgeState).Put([]byte(learner), []byte(`{"learner":"`+learner+`","opt_out":true}`))
	})
	if err != nil {
		t.Fatal(err)
	}
}

func putCohort(t *testing.T, db *DB, leads []string, createdBy string) {
	t.Helper()
	v, _ := json.Marshal(map[string]any{"name": "spring", "code": "abc", "leads": leads, "created_by": createdBy})
	if err := db.bolt.Update(func(tx *bolt.Tx) error { return tx.Bucket(bucketCohorts).Put([]byte("spring"), v) }); err != nil {
		t.Fatal(err)
	}
}

// dump returns every key/value in the file as text, for "nothing about
// the learner remains" checks.
func dump(t *testing.T, db *DB) string {
	t.Helper()
	var b strings.Builder
	err := db.bolt.View(func(tx *bolt.Tx) error {
		return tx.ForEach(func(name []byte, bk *bolt.Bucket) error {
			return bk.ForEach(func(k, v []byte) error {
				b.WriteString(string(name) + " " + string(k) + " " + string(v) + "\n")
				return nil
			})
		})
	})
	if err != nil {
		t.Fatal(err)
	}
	return b.String()
}

func TestForgetLearner(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := openTemp(t, Options{})
	fillLearner(t, db, "slack:U1", "alice's secret answer")
	fillLearner(t, db, "slack:U2", "bob's answer")
	putCohort(t, db, []string{"slack:U1", "slack:U2"}, "slack:U1")
	err := db.bolt.Update(func(tx *bolt.Tx) error {
		run := "r1" + sep + "2026-01-01T09:00:00Z"
		if err := tx.Bucket(bucketRuns).Put([]byte(run), []byte(`{"schedule":"r1","recipients":["slack:U1","slack:U2"]}`)); err != nil {
			return err
		}
		for _, l := range []string{"slack:U1", "slack:U2"} {
			if err := tx.Bucket(bucketDeliveries).Put([]byte(run+sep+l), []byte(`{"recipient":"`+l+`","status":"sent"}`)); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	before := dump(t, db)

	exp, err := db.LearnerData(ctx, "slack:U1")
	if err != nil {
		t.Fatal(err)
	}
	if !exp.Found || exp.Learner.Name != "Name of slack:U1" || len(exp.Progress) != 2 || len(exp.Threads) != 1 ||
		len(exp.Memberships) != 1 || exp.NudgeState == nil || !slices.Equal(exp.Leads, []string{"spring"}) {
		t.Fatalf("export before forgetting: %+v", exp)
	}
	if exp.Progress[0].Answers["q1"].Text != "alice's secret answer" {
		t.Errorf("export lost the answer: %+v", exp.Progress[0])
	}

	n, err := db.ForgetLearner(ctx, "slack:U1")
	if err != nil {
		t.Fatal(err)
	}
	// learner + 2 progress + thread + thread_at + membership + cohort edit
	// + nudge state + delivery + run edit
	if n != 10 {
		t.Errorf("ForgetLearner deleted %d records, want 10", n)
	}
	after := dump(t, db)
	for _, gone := range []string{"slack:U1", "alice's secret answer", "C-slack:U1", "T-slack:U1"} {
		if strings.Contains(after, gone) {
			t.Errorf("%q still in the file after forgetting:\n%s", gone, after)
		}
	}
	// The other learner keeps everything, and the cohort stays with them.
	for _, line := range strings.Split(before, "\n") {
		if strings.Contains(line, "slack:U2") && !strings.Contains(line, "slack:U1") && !strings.Contains(after, line) {
			t.Errorf("the other learner lost %q", line)
		}
	}
	if !strings.Contains(after, `"recipients":["slack:U2"]`) {
		t.Errorf("the run should keep its other recipient:\n%s", after)
	}
	if !strings.Contains(after, `"leads":["slack:U2"]`) {
		t.Errorf("cohort should keep its other lead:\n%s", after)
	}
	exp, err = db.LearnerData(ctx, "slack:U1")
	if err != nil || exp.Found {
		t.Errorf("export after forgetting: found=%v err=%v %+v", exp.Found, err, exp)
	}
	if n, err := db.ForgetLearner(ctx, "slack:U1"); err != nil || n != 0 {
		t.Errorf("forgetting twice: %d, %v; want 0, nil", n, err)
	}
}

func TestForgetLearnerWithoutCohortBuckets(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := openTemp(t, Options{})
	_, _, err := db.UpdateProgress(ctx, "discord:9", "4-4", func(r *coursebot.LearnerRecord, p *coursebot.Progress) error {
		p.Card = "x"
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if n, err := db.ForgetLearner(ctx, "discord:9"); err != nil || n != 2 {
		t.Errorf("ForgetLearner: %d, %v; want 2, nil", n, err)
	}
	if _, err := db.ForgetLearner(ctx, ""); err == nil {
		t.Error("an empty learner key should be refused")
	}
}

// TestEveryBucketIsForgettable fails when a bucket is added without
// saying how to forget a learner in it (or that it holds nothing about
// learners): see learnerBuckets in forget.go.
func TestEveryBucketIsForgettable(t *testing.T) {
	t.Parallel()
	db := openTemp(t, Options{})
	known := notLearnerData()
	for _, lb := range learnerBuckets(0) {
		known = append(known, lb.name)
	}
	var names [][]byte
	names = append(names, allBuckets()...)
	if err := db.bolt.View(func(tx *bolt.Tx) error {
		return tx.ForEach(func(name []byte, _ *bolt.Bucket) error {
			names = append(names, bytes.Clone(name))
			return nil
		})
	}); err != nil {
		t.Fatal(err)
	}
	for _, name := range names {
		if !slices.ContainsFunc(known, func(k []byte) bool { return bytes.Equal(k, name) }) {
			t.Errorf("bucket %q is not in learnerBuckets() or notLearnerData() in store/forget.go", name)
		}
	}
}
