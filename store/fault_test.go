package store

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/coursebot/coursebot"
	"github.com/coursebot/coursebot/store/storetest"
)

// filledFile writes n learners' progress in 4-4 to a closed database file,
// enough that the learners and progress buckets have pages of their own.
func filledFile(t *testing.T, n int) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "coursebot.db")
	db, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	for i := range n {
		if _, _, err := db.UpdateProgress(context.Background(), fmt.Sprintf("slack:U%03d", i), "4-4", func(_ *coursebot.LearnerRecord, p *coursebot.Progress) error {
			p.Card = "opener-1"
			return nil
		}); err != nil {
			t.Fatal(err)
		}
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestDamagedPageIsAFaultNotAPanic(t *testing.T) {
	t.Parallel()
	path := filledFile(t, 80)
	storetest.DamageBucket(t, path, "progress")

	var faults atomic.Int64
	db, err := Open(path, Options{OnFault: func(error) { faults.Add(1) }})
	if err != nil {
		t.Fatalf("Open reads only the meta pages and should succeed: %v", err)
	}
	defer func() {
		if err := db.Close(); err != nil {
			t.Error(err)
		}
	}()
	if db.Fault() != nil {
		t.Fatalf("fault before any read: %v", db.Fault())
	}
	ctx := context.Background()
	_, err = db.Progress(ctx, "slack:U001", "4-4")
	if !errors.Is(err, ErrDamaged) || !errors.Is(err, coursebot.ErrFault) {
		t.Fatalf("reading a damaged page: %v, want ErrDamaged (a coursebot.ErrFault)", err)
	}
	if faults.Load() != 1 || !errors.Is(db.Fault(), ErrDamaged) {
		t.Fatalf("faults reported %d, Fault() = %v", faults.Load(), db.Fault())
	}
	// Writes stop, even for a learner whose pages are fine.
	_, _, err = db.UpdateProgress(ctx, "slack:NEW", "4-4", func(*coursebot.LearnerRecord, *coursebot.Progress) error { return nil })
	if !errors.Is(err, ErrDamaged) {
		t.Fatalf("write after a fault: %v, want ErrDamaged", err)
	}
	// Reads of good pages still work.
	if _, err := db.Learner(ctx, "slack:U001"); err != nil {
		t.Fatalf("reading a good page after a fault: %v", err)
	}
}

func TestCheck(t *testing.T) {
	t.Parallel()
	path := filledFile(t, 80)
	rep, err := Check(path, 0)
	if err != nil || len(rep.Problems) != 0 || rep.Learners != 80 || rep.Schema != len(migrations()) {
		t.Fatalf("sound file: %+v, %v", rep, err)
	}
	storetest.DamageBucket(t, path, "progress")
	rep, err = Check(path, 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Problems) == 0 {
		t.Fatalf("damaged file reported sound: %+v", rep)
	}
	for _, p := range rep.Problems {
		if strings.Contains(p, "\n") {
			t.Errorf("problem is not one line: %q", p)
		}
	}
	t.Logf("problems: %q", rep.Problems)
}
