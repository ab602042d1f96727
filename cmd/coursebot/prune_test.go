package main

import (
	"context"
	"log/slog"
	"path/filepath"
	"testing"
	"time"

	"github.com/coursebot/coursebot/delivery"
	"github.com/coursebot/coursebot/internal/testwait"
	"github.com/coursebot/coursebot/store"
)

// TestServePrunesDedupRecords: the pruner serve runs drops a dedup record
// once it is older than store.DedupKeep, not before: a retry within the
// day is still recognised, the same id a day later counts as new.
func TestServePrunesDedupRecords(t *testing.T) {
	t.Parallel()
	clk := &testClock{now: time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)}
	db, err := store.Open(filepath.Join(t.TempDir(), "coursebot.db"), store.Options{Now: clk.Now})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = db.Close() })
	ctx := context.Background()
	seen := func() bool {
		t.Helper()
		_, dup, err := db.InboxPut(ctx, delivery.Item{Kind: "slack/event", Learner: "slack:U1", Dedup: "slack-event\x00Ev1"})
		if err != nil {
			t.Fatal(err)
		}
		return dup
	}
	seen() // the first delivery
	runCtx, stop := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- pruneDedup(runCtx, db, clk.Now, clk.After, slog.New(slog.DiscardHandler)) }()
	testwait.Until(t, "the first prune", clk.sleeping)
	clk.Set(clk.Now().Add(pruneEvery))
	testwait.Until(t, "the second prune", clk.sleeping)
	if !seen() {
		t.Error("a retry an hour later was taken for a new event")
	}
	clk.Set(clk.Now().Add(store.DedupKeep))
	testwait.Until(t, "the prune a day later", clk.sleeping)
	if seen() {
		t.Error("a day-old dedup record was not pruned")
	}
	stop()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}
