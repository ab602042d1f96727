package store

import (
	"context"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

func TestFirstSeen(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	now := time.Date(2025, 5, 1, 12, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	path := filepath.Join(t.TempDir(), "seen.db")
	db, err := Open(path, Options{Now: clock})
	if err != nil {
		t.Fatal(err)
	}

	steps := []struct {
		kind, id string
		want     bool
	}{
		{"slack-event", "Ev1", true},
		{"slack-event", "Ev1", false},
		{"slack-event", "Ev2", true},
		{"discord-interaction", "Ev1", true}, // same id, other kind
		{"discord-interaction", "Ev1", false},
	}
	for _, s := range steps {
		got, err := db.FirstSeen(ctx, s.kind, s.id)
		if err != nil {
			t.Fatal(err)
		}
		if got != s.want {
			t.Errorf("FirstSeen(%s, %s) = %v, want %v", s.kind, s.id, got, s.want)
		}
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}

	// Durable across a restart.
	db, err = Open(path, Options{Now: clock})
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		if err := db.Close(); err != nil {
			t.Error(err)
		}
	}()
	if got, err := db.FirstSeen(ctx, "slack-event", "Ev1"); err != nil || got {
		t.Errorf("after reopen FirstSeen = %v, %v; want false", got, err)
	}

	// Concurrent deliveries of one event: exactly one wins.
	var (
		wg   sync.WaitGroup
		wins atomic.Int32
	)
	for range 32 {
		wg.Go(func() {
			first, err := db.FirstSeen(ctx, "slack-event", "Ev3")
			if err != nil {
				t.Error(err)
			}
			if first {
				wins.Add(1)
			}
		})
	}
	wg.Wait()
	if wins.Load() != 1 {
		t.Errorf("%d concurrent deliveries counted as first, want 1", wins.Load())
	}
}

func TestPruneSeen(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	start := time.Date(2025, 5, 1, 0, 0, 0, 0, time.UTC)
	now := start
	db := openTemp(t, Options{Now: func() time.Time { return now }})
	// Events an hour apart: e0 at start, e1 at +1h, ... e9 at +9h.
	for i := range 10 {
		now = start.Add(time.Duration(i) * time.Hour)
		if _, err := db.FirstSeen(ctx, "ev", string(rune('0'+i))); err != nil {
			t.Fatal(err)
		}
	}
	tests := []struct {
		olderThan time.Time
		want      int
	}{
		{start, 0}, // nothing before the first
		{start.Add(3*time.Hour + time.Minute), 4}, // e0..e3
		{start.Add(3*time.Hour + time.Minute), 0}, // already gone
		{start.Add(24 * time.Hour), 6},            // the rest
		{start.Add(48 * time.Hour), 0},
	}
	for _, tt := range tests {
		n, err := db.PruneSeen(ctx, tt.olderThan)
		if err != nil {
			t.Fatal(err)
		}
		if n != tt.want {
			t.Errorf("PruneSeen(%v) = %d, want %d", tt.olderThan, n, tt.want)
		}
	}
	// Pruned events count as new again.
	if first, err := db.FirstSeen(ctx, "ev", "0"); err != nil || !first {
		t.Errorf("FirstSeen after prune = %v, %v; want true", first, err)
	}
}

func TestPruneSeenKeepsRecent(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	start := time.Date(2025, 5, 1, 0, 0, 0, 0, time.UTC)
	now := start
	db := openTemp(t, Options{Now: func() time.Time { return now }})
	if _, err := db.FirstSeen(ctx, "ev", "old"); err != nil {
		t.Fatal(err)
	}
	now = start.Add(time.Hour)
	if _, err := db.FirstSeen(ctx, "ev", "new"); err != nil {
		t.Fatal(err)
	}
	if n, err := db.PruneSeen(ctx, start.Add(30*time.Minute)); err != nil || n != 1 {
		t.Fatalf("PruneSeen = %d, %v; want 1", n, err)
	}
	for id, want := range map[string]bool{"old": true, "new": false} {
		if got, err := db.FirstSeen(ctx, "ev", id); err != nil || got != want {
			t.Errorf("FirstSeen(%s) after prune = %v, %v; want %v", id, got, err, want)
		}
	}
}
