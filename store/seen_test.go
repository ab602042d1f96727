package store

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/coursebot/coursebot/delivery"
)

// accept puts an inbox item of learner with the dedup id (as an adapter
// does for every request) and reports whether it was new.
func accept(t testing.TB, db *DB, learner, dedup string) bool {
	t.Helper()
	_, dup, err := db.InboxPut(context.Background(), delivery.Item{Kind: "test/x", Learner: learner, Dedup: dedup})
	if err != nil {
		t.Fatal(err)
	}
	return !dup
}

func TestDedupRecords(t *testing.T) {
	t.Parallel()
	now := time.Date(2025, 5, 1, 12, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	path := filepath.Join(t.TempDir(), "seen.db")
	db, err := Open(path, Options{Now: clock})
	if err != nil {
		t.Fatal(err)
	}

	steps := []struct {
		learner, dedup string
		want           bool
	}{
		{"slack:U1", "slack-event\x00Ev1", true},
		{"slack:U1", "slack-event\x00Ev1", false},
		{"slack:U1", "slack-event\x00Ev2", true},
		{"slack:U1", "discord-interaction\x00Ev1", true}, // same id, other kind
		{"slack:U1", "discord-interaction\x00Ev1", false},
		{"slack:U2", "slack-event\x00Ev1", true}, // another learner's
	}
	for _, s := range steps {
		if got := accept(t, db, s.learner, s.dedup); got != s.want {
			t.Errorf("%s %q new = %v, want %v", s.learner, s.dedup, got, s.want)
		}
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	// The file keeps the learner's key (to forget them) but not the
	// platform's ids, which can name what they pressed.
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(raw, []byte("slack-event\x00Ev1")) || bytes.Contains(raw, []byte("discord-interaction")) {
		t.Error("a dedup id is in the file in clear")
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
	if accept(t, db, "slack:U1", "slack-event\x00Ev1") {
		t.Error("after reopen a seen dedup id counted as new")
	}

	// Concurrent deliveries of one event: exactly one wins.
	var (
		wg   sync.WaitGroup
		wins atomic.Int32
	)
	for range 32 {
		wg.Go(func() {
			_, dup, err := db.InboxPut(context.Background(), delivery.Item{Kind: "test/x", Learner: "slack:U1", Dedup: "slack-event\x00Ev3"})
			if err != nil {
				t.Error(err)
			}
			if !dup {
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
		accept(t, db, "slack:U1", fmt.Sprint("ev\x00", i))
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
	if !accept(t, db, "slack:U1", "ev\x000") {
		t.Error("a pruned dedup id still counts as seen")
	}
}

func TestPruneSeenKeepsRecent(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	start := time.Date(2025, 5, 1, 0, 0, 0, 0, time.UTC)
	now := start
	db := openTemp(t, Options{Now: func() time.Time { return now }})
	accept(t, db, "slack:U1", "ev\x00old")
	now = start.Add(time.Hour)
	accept(t, db, "slack:U1", "ev\x00new")
	if n, err := db.PruneSeen(ctx, start.Add(30*time.Minute)); err != nil || n != 1 {
		t.Fatalf("PruneSeen = %d, %v; want 1", n, err)
	}
	for id, want := range map[string]bool{"ev\x00old": true, "ev\x00new": false} {
		if got := accept(t, db, "slack:U1", id); got != want {
			t.Errorf("%q new after prune = %v, want %v", id, got, want)
		}
	}
}

// TestPruneSeenInBatches: more records than one pruning transaction takes
// are all pruned, in several transactions.
func TestPruneSeenInBatches(t *testing.T) {
	t.Parallel()
	start := time.Date(2025, 5, 1, 0, 0, 0, 0, time.UTC)
	db := openTemp(t, Options{})
	const n = 2*pruneBatch + 17
	err := db.bolt.Update(func(tx *bolt.Tx) error {
		for i := range n {
			if _, err := putSeen(tx, seenKey("slack:U1", fmt.Sprint("ev\x00", i)), start.Add(time.Duration(i)*time.Second)); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	writes := func() uint64 { db.bolt.writes.mu.Lock(); defer db.bolt.writes.mu.Unlock(); return db.bolt.writes.next }
	before := writes()
	got, err := db.PruneSeen(context.Background(), start.Add(time.Duration(n)*time.Second))
	if err != nil || got != n {
		t.Fatalf("PruneSeen = %d, %v; want %d", got, err, n)
	}
	if txs := writes() - before; txs != 3 {
		t.Errorf("pruned %d records in %d write transaction(s), want 3 of at most %d", n, txs, pruneBatch)
	}
}

// TestMigrateSeenByLearner opens a schema-2 file whose dedup records are
// "kind\x00id" in clear: those that name a learner are kept under the
// learner (a retry is still recognised), the rest dropped, and none is
// left in clear.
func TestMigrateSeenByLearner(t *testing.T) {
	t.Parallel()
	at := timeKey(time.Date(2026, 11, 1, 10, 0, 0, 0, time.UTC))
	old := []string{
		"slack-action\x00slack:U1/D1/1.000001/quiz|2-1|q|A",
		"discord-interaction\x00discord:42/1234",
		"slack-event\x00Ev9",
	}
	path := rawFile(t, func(tx *bolt.Tx) error {
		if err := putSchemaRaw(tx, "2"); err != nil {
			return err
		}
		seen, err := tx.CreateBucket(bucketSeen)
		if err != nil {
			return err
		}
		byTime, err := tx.CreateBucket(bucketSeenTime)
		if err != nil {
			return err
		}
		for _, k := range old {
			if err := seen.Put([]byte(k), at); err != nil {
				return err
			}
			if err := byTime.Put(append(bytes.Clone(at), k...), nil); err != nil {
				return err
			}
		}
		return nil
	})
	db, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if accept(t, db, "slack:U1", old[0]) || accept(t, db, "discord:42", old[1]) {
		t.Error("a dedup record that names its learner was lost in the migration")
	}
	if d := dump(t, db); bytes.Contains([]byte(d), []byte("quiz|2-1")) || bytes.Contains([]byte(d), []byte("Ev9")) {
		t.Errorf("a dedup id is still in clear after the migration:\n%q", d)
	}
	if n, err := db.ForgetLearner(context.Background(), "slack:U1"); err != nil || n == 0 {
		t.Errorf("forget after the migration: %d, %v", n, err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
}
