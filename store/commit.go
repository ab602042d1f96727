package store

import (
	"errors"
	"fmt"
	"runtime"
	"runtime/debug"
	"strings"
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
	err := <-w.err
	var p *writerPanic
	if errors.As(err, &p) {
		panic(p) // the writer's own bug, raised where it was called
	}
	return err
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

// commit runs group in one transaction; on a failing function it runs
// that one alone and commits the rest again without it.
func (g *groupCommit) commit(group []*write) {
	for len(group) > 0 {
		failed := -1
		err := g.update(func(tx *bolt.Tx) error {
			for i, w := range group {
				if err := call(w.fn, tx); err != nil {
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
		bad.err <- g.update(func(tx *bolt.Tx) error { return call(bad.fn, tx) })
		group = append(group[:failed:failed], group[failed+1:]...)
	}
}

// writerPanic is a panic in a writer's own function (not in bbolt): that
// writer fails alone, and do raises it again in the writer's goroutine, so
// it is recovered (and counted) where the writer runs and not taken for a
// damaged file, which would stop every write.
type writerPanic struct {
	value any
	stack []byte
}

func (p *writerPanic) Error() string {
	return fmt.Sprintf("panic in a store write: %v\n%s", p.value, p.stack)
}

// call runs fn, turning a panic raised in the writer's own code into a
// *writerPanic error. A panic raised inside bbolt (a damaged page) goes on
// up to guarded's recoverFault, which takes the file for damaged.
func call(fn func(*bolt.Tx) error, tx *bolt.Tx) (err error) {
	defer func() {
		r := recover()
		if r == nil {
			return
		}
		if panickedInBbolt() {
			panic(r)
		}
		err = &writerPanic{value: r, stack: debug.Stack()}
	}()
	return fn(tx)
}

// panickedInBbolt reports whether the panic being recovered was raised in
// bbolt's code: the first frame below the runtime's panic machinery.
func panickedInBbolt() bool {
	pcs := make([]uintptr, 64)
	n := runtime.Callers(3, pcs) // skip Callers, this function, the deferred func
	frames := runtime.CallersFrames(pcs[:n])
	for {
		f, more := frames.Next()
		if !strings.HasPrefix(f.Function, "runtime.") {
			return strings.HasPrefix(f.Function, "go.etcd.io/bbolt")
		}
		if !more {
			return false
		}
	}
}
