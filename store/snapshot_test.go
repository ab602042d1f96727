package store

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/coursebot/coursebot"
	"github.com/coursebot/coursebot/internal/testwait"
)

// bigAnswer gives learner an answer of size bytes in lesson 4-4: a write
// that makes the file grow past its memory map when size is larger than
// the file.
func bigAnswer(db *DB, learner string, size int) error {
	return bigAnswerText(db, learner, strings.Repeat("x", size))
}

func bigAnswerText(db *DB, learner, text string) error {
	_, _, err := db.UpdateProgress(context.Background(), learner, "4-4", func(_ *coursebot.LearnerRecord, p *coursebot.Progress) error {
		p.Answers = map[string]coursebot.Answer{"q1": {Text: text}}
		return nil
	})
	return err
}

// TestSnapshotHoldsNoTransactionWhileItIsRead: a snapshot's read
// transaction ends before the copy is handed over, so a reader that takes
// its time (or none) holds back no writer, even one that must grow the
// file past its memory map; the copy is the database as it was, and it
// leaves no file behind.
func TestSnapshotHoldsNoTransactionWhileItIsRead(t *testing.T) {
	t.Parallel()
	db := openTemp(t, Options{})
	fillLearner(t, db, "slack:U1", "kept in the copy")
	snap, err := db.Snapshot()
	if err != nil {
		t.Fatal(err)
	}
	if n := db.bolt.Stats().OpenTxN; n != 0 {
		t.Fatalf("%d read transactions open while the snapshot waits to be read, want 0", n)
	}
	entries, _ := os.ReadDir(filepath.Dir(db.Path()))
	if len(entries) != 1 {
		t.Errorf("the directory holds %d entries while the snapshot is open, want only the database (the copy is unlinked)", len(entries))
	}
	size, _ := db.Size()
	if err := bigAnswer(db, "slack:U2", int(size)*2); err != nil { // would wait for an open reader
		t.Fatal(err)
	}
	copyPath := filepath.Join(t.TempDir(), "copy.db")
	out, err := os.Create(copyPath)
	if err != nil {
		t.Fatal(err)
	}
	if n, err := io.Copy(out, snap); err != nil || n != snap.Size {
		t.Fatalf("read %d of %d bytes: %v", n, snap.Size, err)
	}
	if err := out.Close(); err != nil {
		t.Fatal(err)
	}
	if err := snap.Close(); err != nil {
		t.Fatal(err)
	}
	cp, err := Open(copyPath, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = cp.Close() }()
	ctx := context.Background()
	if d, err := cp.LearnerData(ctx, "slack:U1"); err != nil || !d.Found {
		t.Errorf("the copy lost slack:U1: %+v %v", d, err)
	}
	if d, err := cp.LearnerData(ctx, "slack:U2"); err != nil || d.Found {
		t.Errorf("the copy holds a write made after it: %v %v", d.Found, err)
	}
	if entries, _ := os.ReadDir(filepath.Dir(db.Path())); len(entries) != 1 {
		t.Errorf("%d entries left in the database's directory, want 1", len(entries))
	}
}

type stepClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *stepClock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *stepClock) add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// TestWriteWaitSeesAWriteStalledBehindAReader: a write that must grow the
// file's memory map waits for every open read transaction; WriteWait says
// how long it has waited, and 0 once it is through.
func TestWriteWaitSeesAWriteStalledBehindAReader(t *testing.T) {
	t.Parallel()
	clock := &stepClock{t: time.Unix(1_750_000_000, 0)}
	db := openTemp(t, Options{Now: clock.now})
	if w := db.WriteWait(); w != 0 {
		t.Fatalf("WriteWait with no write: %v", w)
	}
	entered, release, readerDone := make(chan struct{}), make(chan struct{}), make(chan error, 1)
	go func() {
		readerDone <- db.bolt.View(func(*bolt.Tx) error { close(entered); <-release; return nil })
	}()
	<-entered
	size, _ := db.Size()
	written := make(chan error, 1)
	go func() { written <- bigAnswer(db, "slack:U1", int(size)*4) }()
	testwait.Until(t, "the write to start", func() bool {
		db.bolt.writes.mu.Lock()
		defer db.bolt.writes.mu.Unlock()
		return len(db.bolt.writes.running) == 1
	})
	clock.add(5 * time.Second)
	if w := db.WriteWait(); w != 5*time.Second {
		t.Errorf("WriteWait = %v while a write waits for the reader, want 5s", w)
	}
	select {
	case err := <-written:
		t.Fatalf("the write that grows the map finished while a reader was open (err %v)", err)
	default:
	}
	close(release)
	if err := <-written; err != nil {
		t.Fatal(err)
	}
	if err := <-readerDone; err != nil {
		t.Fatal(err)
	}
	if w := db.WriteWait(); w != 0 {
		t.Errorf("WriteWait = %v once the write is through, want 0", w)
	}
}

// BenchmarkSnapshot32MiB is how long a backup's read transaction lasts on
// a 32 MiB database: the copy to a local file (Snapshot). Writes that must
// grow the file's map wait at most this long for a backup.
func BenchmarkSnapshot32MiB(b *testing.B) {
	db := openTemp(b, Options{})
	answer := strings.Repeat("filler ", 100<<10/7)
	for i := 0; ; i++ {
		if n, err := db.Backup(io.Discard); err != nil || n >= 32<<20 {
			if err != nil {
				b.Fatal(err)
			}
			break
		}
		for j := range 16 {
			if err := bigAnswerText(db, fmt.Sprintf("slack:U%04d-%d", i, j), answer); err != nil {
				b.Fatal(err)
			}
		}
	}
	for b.Loop() {
		s, err := db.Snapshot()
		if err != nil {
			b.Fatal(err)
		}
		if err := s.Close(); err != nil {
			b.Fatal(err)
		}
	}
}
