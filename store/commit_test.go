package store

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"

	bolt "go.etcd.io/bbolt"

	"github.com/coursebot/coursebot"
	"github.com/coursebot/coursebot/internal/testwait"
	"github.com/coursebot/coursebot/store/storetest"
)

// queued is how many writers wait for the next commit.
func (g *groupCommit) queued() int {
	g.mu.Lock()
	defer g.mu.Unlock()
	return len(g.waiting)
}

// heldCommit is a groupCommit over a real bbolt file whose transactions
// are counted and whose first transaction waits for release.
type heldCommit struct {
	g       *groupCommit
	db      *DB
	mu      sync.Mutex
	txs     int
	started chan struct{}
	release chan struct{}
}

func newHeldCommit(t *testing.T) *heldCommit {
	h := &heldCommit{db: openTemp(t, Options{}), started: make(chan struct{}), release: make(chan struct{})}
	h.g = newGroupCommit(func(fn func(*bolt.Tx) error) error {
		h.mu.Lock()
		h.txs++
		first := h.txs == 1
		h.mu.Unlock()
		if first {
			close(h.started)
			<-h.release
		}
		return h.db.bolt.Update(fn)
	}, maxGroup)
	t.Cleanup(h.g.close)
	return h
}

func (h *heldCommit) put(key string) func(*bolt.Tx) error {
	return func(tx *bolt.Tx) error {
		return tx.Bucket(bucketSeen).Put([]byte(key), []byte("x"))
	}
}

func (h *heldCommit) has(t *testing.T, key string) bool {
	t.Helper()
	var ok bool
	if err := h.db.bolt.View(func(tx *bolt.Tx) error {
		ok = tx.Bucket(bucketSeen).Get([]byte(key)) != nil
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	return ok
}

func TestWritersThatArriveDuringACommitShareTheNext(t *testing.T) {
	t.Parallel()
	h := newHeldCommit(t)
	errs := make(chan error, 11)
	go func() { errs <- h.g.do(h.put("w0")) }()
	<-h.started // w0's transaction is running (held)
	for i := 1; i <= 10; i++ {
		go func() { errs <- h.g.do(h.put(fmt.Sprint("w", i))) }()
	}
	testwait.Until(t, "ten writers queued behind the running commit", func() bool { return h.g.queued() == 10 })
	close(h.release)
	for range 11 {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	h.mu.Lock()
	txs := h.txs
	h.mu.Unlock()
	if txs != 2 {
		t.Errorf("11 writers took %d transactions, want 2 (one alone, then the ten that queued meanwhile)", txs)
	}
	for i := range 11 {
		if !h.has(t, fmt.Sprint("w", i)) {
			t.Errorf("w%d not written", i)
		}
	}
}

func TestAFailingWriterFailsAloneAndTheOthersCommit(t *testing.T) {
	t.Parallel()
	h := newHeldCommit(t)
	errs := make(chan error, 4)
	go func() { errs <- h.g.do(h.put("first")) }()
	<-h.started
	bad := errors.New("not this one")
	var badRuns sync.Map
	go func() { errs <- h.g.do(h.put("a")) }()
	testwait.Until(t, "a queued", func() bool { return h.g.queued() == 1 })
	go func() {
		err := h.g.do(func(tx *bolt.Tx) error {
			n, _ := badRuns.LoadOrStore("n", new(int))
			*(n.(*int))++
			if err := tx.Bucket(bucketSeen).Put([]byte("bad"), []byte("x")); err != nil {
				return err
			}
			return bad
		})
		if !errors.Is(err, bad) {
			t.Errorf("the failing writer got %v, want its own error", err)
		}
		errs <- nil
	}()
	testwait.Until(t, "the failing writer queued", func() bool { return h.g.queued() == 2 })
	go func() { errs <- h.g.do(h.put("b")) }()
	testwait.Until(t, "b queued", func() bool { return h.g.queued() == 3 })
	close(h.release)
	for range 4 {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	for _, k := range []string{"first", "a", "b"} {
		if !h.has(t, k) {
			t.Errorf("%s not written though only another writer in its group failed", k)
		}
	}
	if h.has(t, "bad") {
		t.Error("the failing writer's write was committed")
	}
	n, _ := badRuns.Load("n")
	if got := *(n.(*int)); got != 2 {
		t.Errorf("the failing writer ran %d times, want 2 (in the group, then alone)", got)
	}
}

func TestCloseCommitsQueuedWritersAndRefusesLaterOnes(t *testing.T) {
	t.Parallel()
	h := newHeldCommit(t)
	errs := make(chan error, 2)
	go func() { errs <- h.g.do(h.put("running")) }()
	<-h.started
	go func() { errs <- h.g.do(h.put("queued")) }()
	testwait.Until(t, "a writer queued", func() bool { return h.g.queued() == 1 })
	closed := make(chan struct{})
	go func() { h.g.close(); close(closed) }()
	testwait.Until(t, "close begun", func() bool {
		h.g.mu.Lock()
		defer h.g.mu.Unlock()
		return h.g.closed
	})
	close(h.release)
	<-closed
	for range 2 {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	if !h.has(t, "queued") {
		t.Error("a writer queued before Close was not committed")
	}
	if err := h.g.do(h.put("late")); !errors.Is(err, errClosing) {
		t.Errorf("a writer after Close got %v, want errClosing", err)
	}
}

func TestManyConcurrentWritersAllCommit(t *testing.T) {
	db := openTemp(t, Options{})
	var wg sync.WaitGroup
	for g := range 50 {
		wg.Go(func() {
			for i := range 20 {
				key := fmt.Sprintf("g%02d-%02d", g, i)
				if err := db.bolt.Batch(func(tx *bolt.Tx) error {
					return tx.Bucket(bucketSeen).Put([]byte(key), []byte("x"))
				}); err != nil {
					t.Error(err)
				}
			}
		})
	}
	wg.Wait()
	n := 0
	if err := db.bolt.View(func(tx *bolt.Tx) error {
		n = tx.Bucket(bucketSeen).Stats().KeyN
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if n != 1000 {
		t.Errorf("%d of 1000 writes committed", n)
	}
	if q := db.bolt.group.queued(); q != 0 {
		t.Errorf("%d writers still queued after all returned", q)
	}
}

// TestAWritersOwnPanicIsItsOwn: a panic in a writer's own function (a bug
// in the caller) is raised again in that writer's goroutine; the other
// writers of its group commit, and the file is not taken for damaged.
func TestAWritersOwnPanicIsItsOwn(t *testing.T) {
	h := newHeldCommit(t)
	errs := make(chan error, 2)
	go func() { errs <- h.g.do(h.put("first")) }()
	<-h.started
	got := make(chan any, 1)
	go func() {
		defer func() { got <- recover() }()
		_ = h.g.do(func(*bolt.Tx) error { panic("a bug in the caller") })
	}()
	testwait.Until(t, "the panicking writer queued", func() bool { return h.g.queued() == 1 })
	go func() { errs <- h.g.do(h.put("after")) }()
	testwait.Until(t, "a writer queued behind it", func() bool { return h.g.queued() == 2 })
	close(h.release)
	for range 2 {
		if err := <-errs; err != nil {
			t.Fatalf("a writer in the panicking writer's group: %v", err)
		}
	}
	p, ok := (<-got).(*writerPanic)
	if !ok || p.value != "a bug in the caller" {
		t.Fatalf("the panicking writer recovered %v, want its own panic back", p)
	}
	if !h.has(t, "first") || !h.has(t, "after") {
		t.Error("the others' writes were not committed")
	}
	if f := h.db.Fault(); f != nil {
		t.Fatalf("a caller's panic was taken for a damaged file: %v", f)
	}
}

// TestAPanicInBboltOnAWriteIsAFault: a write that reads a damaged page
// (bbolt panics inside its own code) is a fault, as for a read.
func TestAPanicInBboltOnAWriteIsAFault(t *testing.T) {
	path := filledFile(t, 80)
	storetest.DamageBucket(t, path, "progress")
	db, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		if err := db.Close(); err != nil {
			t.Error(err)
		}
	}()
	_, _, err = db.UpdateProgress(context.Background(), "slack:U001", "4-4", func(*coursebot.LearnerRecord, *coursebot.Progress) error { return nil })
	if !errors.Is(err, ErrDamaged) || !errors.Is(db.Fault(), ErrDamaged) {
		t.Fatalf("a write over a damaged page: %v (fault %v), want ErrDamaged", err, db.Fault())
	}
}
