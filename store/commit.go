package store

import (
	"errors"
	"sync"

	bolt "go.etcd.io/bbolt"
)

// errClosing is returned to writers that arrive after Close began.
var errClosing = errors.New("the database is closing")

// maxGroup bounds how many writers share one transaction.
const maxGroup = 1000

// groupCommit is the store's write path for everything that may share a
// commit: one goroutine takes the writers that queued while the previous
// commit (and its fsyncs) ran and commits them all in one transaction.
// Nobody waits for a timer: a lone writer commits at once, and under load a
// group grows to whatever arrived during one commit, so the number of
// fsyncs per second stays near the disk's limit while the writers per
// second grow with the load. (bbolt's own Batch closes a group after
// MaxBatchDelay and queues the groups on its writer lock, so under load it
// commits many small groups one after another.)
//
// A writer's function may run more than once: when one function in a group
// fails, the transaction is rolled back, that function is run alone (its
// error is its own) and the others are committed again without it, as
// bbolt's Batch does.
type groupCommit struct {
	update func(func(*bolt.Tx) error) error // a fresh read-write transaction, committed
	limit  int                              // writers per transaction at most

	mu     sync.RWMutex // held for reading while sending; Close takes it to close in
	closed bool
	in     chan *write
	done   chan struct{}
}

type write struct {
	fn  func(*bolt.Tx) error
	err chan error
}

// newGroupCommit starts the loop; limit bounds a group (maxGroup).
func newGroupCommit(update func(func(*bolt.Tx) error) error, limit int) *groupCommit {
	g := &groupCommit{update: update, limit: limit, in: make(chan *write, limit), done: make(chan struct{})}
	go g.loop()
	return g
}

// do runs fn in a shared write transaction and returns once that
// transaction is committed (or fn's own error).
func (g *groupCommit) do(fn func(*bolt.Tx) error) error {
	w := &write{fn: fn, err: make(chan error, 1)}
	g.mu.RLock()
	if g.closed {
		g.mu.RUnlock()
		return errClosing
	}
	g.in <- w
	g.mu.RUnlock()
	return <-w.err
}

// close commits what is queued and stops the loop.
func (g *groupCommit) close() {
	g.mu.Lock()
	if !g.closed {
		g.closed = true
		close(g.in)
	}
	g.mu.Unlock()
	<-g.done
}

func (g *groupCommit) loop() {
	defer close(g.done)
	group := make([]*write, 0, g.limit)
	for w := range g.in {
		group = append(group[:0], w)
	more:
		for len(group) < g.limit {
			select {
			case w, ok := <-g.in:
				if !ok {
					break more
				}
				group = append(group, w)
			default:
				break more
			}
		}
		g.commit(group)
		clear(group)
	}
}

// commit runs group in one transaction; on a failing function it runs
// that one alone and commits the rest again without it.
func (g *groupCommit) commit(group []*write) {
	for len(group) > 0 {
		failed := -1
		err := g.update(func(tx *bolt.Tx) error {
			for i, w := range group {
				if err := w.fn(tx); err != nil {
					failed = i
					return err
				}
			}
			return nil
		})
		if failed < 0 {
			for _, w := range group {
				w.err <- err // nil, or the commit's own failure for all
			}
			return
		}
		bad := group[failed]
		bad.err <- g.update(bad.fn)
		group = append(group[:failed:failed], group[failed+1:]...)
	}
}
