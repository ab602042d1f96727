package store

import (
	"context"
	"errors"
	"path/filepath"
	"testing"

	"github.com/coursebot/coursebot"
	"github.com/coursebot/coursebot/delivery"
)

// TestUnitCommitsProgressThreadAndItemTogether: inside an inbox item's
// unit, the engine's progress and the adapter's thread are seen by the
// item's own reads (the thread, which exists on the platform, by everyone's),
// the progress by nobody else's until the commit, and then
// written in one transaction with the item's removal; a unit that is never
// committed (the process died) leaves no trace.
func TestUnitCommitsProgressThreadAndItemTogether(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "u.db")
	db, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		if err := db.Close(); err != nil {
			t.Error(err)
		}
	}()
	ctx := context.Background()
	id, _, err := db.InboxPut(ctx, delivery.Item{Kind: "slack/command", Learner: "slack:U1"})
	if err != nil {
		t.Fatal(err)
	}
	uctx, commit := db.Begin(ctx, id)
	if _, _, err := db.UpdateProgress(uctx, "slack:U1", "4-4", func(r *coursebot.LearnerRecord, p *coursebot.Progress) error {
		p.Card = "intro"
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	refusal := errors.New("refused")
	if _, _, err := db.UpdateProgress(uctx, "slack:U1", "4-4", func(r *coursebot.LearnerRecord, p *coursebot.Progress) error {
		p.Card = "changed by a refused step"
		return refusal
	}); !errors.Is(err, refusal) {
		t.Fatalf("fn's error: %v", err)
	}
	th := coursebot.Thread{Platform: "slack", Learner: "slack:U1", Lesson: "4-4", Channel: "D1", ThreadID: "1.1"}
	if err := db.PutThread(uctx, th); err != nil {
		t.Fatal(err)
	}
	if p, _ := db.Progress(uctx, "slack:U1", "4-4"); p.Card != "intro" {
		t.Errorf("inside the unit progress is %q, want intro", p.Card)
	}
	if ps, _ := db.LearnerProgress(uctx, "slack:U1"); len(ps) != 1 || ps[0].Card != "intro" {
		t.Errorf("inside the unit LearnerProgress = %+v", ps)
	}
	if got, ok, _ := db.ThreadAt(uctx, "slack", "D1", "1.1"); !ok || got.Learner != "slack:U1" {
		t.Errorf("inside the unit ThreadAt = %+v %v", got, ok)
	}
	if p, _ := db.Progress(ctx, "slack:U1", "4-4"); p.Card != "" {
		t.Errorf("before the commit others see progress %q", p.Card)
	}
	// The thread exists on the platform already: others see it at once
	// (a press on its first card must find whose it is).
	if got, ok, _ := db.ThreadAt(ctx, "slack", "D1", "1.1"); !ok || got.Learner != "slack:U1" {
		t.Errorf("before the commit others do not see the posted thread: %+v %v", got, ok)
	}
	if err := commit(ctx); err != nil {
		t.Fatal(err)
	}
	if p, _ := db.Progress(ctx, "slack:U1", "4-4"); p.Card != "intro" {
		t.Errorf("after the commit progress is %q", p.Card)
	}
	if got, ok, _ := db.ThreadAt(ctx, "slack", "D1", "1.1"); !ok || got.Lesson != "4-4" {
		t.Errorf("after the commit ThreadAt = %+v %v", got, ok)
	}
	if items, _ := db.InboxItems(ctx); len(items) != 0 {
		t.Errorf("the item was not removed with its work: %d left", len(items))
	}

	// A unit never committed writes nothing.
	id2, _, _ := db.InboxPut(ctx, delivery.Item{Kind: "slack/command", Learner: "slack:U2"})
	uctx2, _ := db.Begin(ctx, id2)
	if _, _, err := db.UpdateProgress(uctx2, "slack:U2", "4-4", func(r *coursebot.LearnerRecord, p *coursebot.Progress) error {
		p.Card = "intro"
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if p, _ := db.Progress(ctx, "slack:U2", "4-4"); p.Card != "" {
		t.Errorf("an uncommitted unit wrote progress %q", p.Card)
	}
	if items, _ := db.InboxItems(ctx); len(items) != 1 {
		t.Errorf("the unfinished item should stay: %d items", len(items))
	}
}
