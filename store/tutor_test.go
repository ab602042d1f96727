package store

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/coursebot/coursebot"
)

func TestTutorRecordIsExportedAndForgotten(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "t.db")
	db, err := Open(path, Options{LockTimeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	ctx := t.Context()
	at := time.Date(2026, 12, 1, 14, 0, 0, 0, time.UTC)
	if _, err := db.UpdateTutor(ctx, "slack:U1", func(r *coursebot.TutorRecord) error {
		r.Day, r.Used = "2026-12-01", 2
		r.Exchanges = append(r.Exchanges, coursebot.TutorExchange{Kind: "answer", Lesson: "4-4", Question: "q1",
			Turns: []coursebot.TutorTurn{{Role: "learner", Text: "my answer", At: at}, {Role: "tutor", Text: "good", At: at}}})
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	db, err = Open(path, Options{LockTimeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		if err := db.Close(); err != nil {
			t.Error(err)
		}
	}()
	ex, err := db.LearnerData(ctx, "slack:U1")
	if err != nil {
		t.Fatal(err)
	}
	if !ex.Found || ex.Tutor == nil || ex.Tutor.Used != 2 || ex.Tutor.Exchanges[0].Turns[0].Text != "my answer" {
		t.Fatalf("export = %+v", ex)
	}
	n, err := db.ForgetLearner(ctx, "slack:U1")
	if err != nil || n != 1 {
		t.Fatalf("forget = %d, %v", n, err)
	}
	rec, err := db.TutorRecord(ctx, "slack:U1")
	if err != nil || rec.Used != 0 || len(rec.Exchanges) != 0 {
		t.Fatalf("after forget: %+v, %v", rec, err)
	}
}
