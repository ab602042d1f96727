package store

import (
	"errors"
	"sync"

	bolt "go.etcd.io/bbolt"
)

// errClosing is returned to writers that arrive after Close began.
var errClosing = errors.New("the database is closing")

// errLead is how a committing writer hands the next commit to the oldest
// writer waiting; it never leaves this file.
var errLead = errors.New("lead the next commit")

// maxGroup bounds how many writers share one transaction.
const maxGroup = 1000

// groupCommit is the store's write path for everything that may share a
// commit. A writer that finds nobody committing commits at once, itself;
// writers that arrive while a commit runs queue, and when it ends the
// oldest of them commits the whole queue in one transaction (and one
// fsync). Nobody waits for a timer: a lone writer pays one commit, and
// under load a group grows to whatever arrived during one commit, so the
// fsyncs per second stay near the disk's limit while the writers per second
// grow with the load. No goroutine of its own either: on a busy CPU each
// hand-off to another goroutine waits for the scheduler, and the common
// case (nobody else writing) has none. (bbolt's own Batch closes a group
// after MaxBatchDelay and queues the groups on its writer lock, so under
// load it commits many small groups one after another.)
//
// A writer's function may run more than once: when one function in a group
// fails, the transaction is rolled back, that function is run alone (its
// error is its own) and the others are committed again without it, as
// bbolt's Batch does.
type groupCommit struct {
	update func(func(*bolt.Tx) error) error // a fresh read-write transaction, committed
	limit  int                              // writers per transaction at most

	mu      sync.Mutex
	idle    *sync.Cond // signalled when busy turns false
	busy    bool       // a writer is committing
	closed  bool
	waiting []*write // queued for the next commit, oldest first
}

type write struct {
	fn  func(*bolt.Tx) error
	err chan error // errLead, then the outcome
}

// newGroupCommit returns a committer over update; limit bounds a group.
func newGroupCommit(update func(func(*bolt.Tx) error) error, limit int) *groupCommit {
	g := &groupCommit{update: update, limit: limit}
	g.idle = sync.NewCond(&g.mu)
	return g
}

// do runs fn in a shared write transaction and returns once that
// transaction is committed (or fn's own error).
func (g *groupCommit) do(fn func(*bolt.Tx) error) error {
	w := &write{fn: fn, err: make(chan error, 1)}
	g.mu.Lock()
	if g.closed {
		g.mu.Unlock()
		return errClosing
	}
	g.waiting = append(g.waiting, w)
	if g.busy {
		g.mu.Unlock()
		if err := <-w.err; !errors.Is(err, errLead) {
			return err
		}
	} else {
		g.busy = true
		g.mu.Unlock()
	}
	g.lead()
	return <-w.err
}

// lead commits the oldest writers waiting (the caller among them), then
// hands the next commit to the oldest writer still waiting, if any.
func (g *groupCommit) lead() {
	g.mu.Lock()
	n := min(len(g.waiting), g.limit)
	group := g.waiting[:n:n]
	g.waiting = append([]*write(nil), g.waiting[n:]...)
	g.mu.Unlock()

	g.commit(group)

	g.mu.Lock()
	if len(g.waiting) > 0 {
		next := g.waiting[0]
		g.mu.Unlock()
		next.err <- errLead
		return
	}
	g.busy = false
	g.idle.Broadcast()
	g.mu.Unlock()
}

// close refuses new writers and returns once the queued ones are committed.
func (g *groupCommit) close() {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.closed = true
	for g.busy {
		g.idle.Wait()
	}
}

// queued is how many writers wait for the next commit.
func (g *groupCommit) queued() int {
	g.mu.Lock()
	defer g.mu.Unlock()
	return len(g.waiting)
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
