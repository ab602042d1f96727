package store

import (
	"fmt"
	"sync/atomic"

	bolt "go.etcd.io/bbolt"

	"github.com/coursebot/coursebot"
)

// ErrDamaged is wrapped by every error from a transaction that met a
// damaged page: bbolt panics when it reads a page whose header or contents
// make no sense, and the store turns that panic into this error, once per
// transaction, instead of letting it take down a worker (or the process).
// It matches coursebot.ErrFault too (errors.Is), so adapters tell the learner
// coursebot.FaultNotice.
var ErrDamaged error = damagedError{}

type damagedError struct{}

func (damagedError) Error() string {
	return "the database file is damaged (run coursebot check on a copy; restore the last good backup)"
}

func (damagedError) Is(target error) bool { return target == coursebot.ErrFault }

// guarded is the bbolt handle every store method goes through (db.bolt):
// View, Update and Batch (through Update) recover a panic inside bbolt as an ErrDamaged
// error, remember the first such fault (DB.Fault, for /readyz) and report
// it through Options.OnFault. Once a fault is seen, writes are refused:
// bbolt writing over a damaged tree or freelist can spread the damage to
// pages that are still good, while reads of good pages keep working.
type guarded struct {
	*bolt.DB
	path    string
	fault   atomic.Pointer[error]
	onFault func(error)
	group   *groupCommit // Batch's shared commits (commit.go)
	writes  writeClock   // the write transactions in progress (WriteWait)
}

func (g *guarded) View(fn func(*bolt.Tx) error) (err error) {
	defer g.recoverFault(&err)
	return g.DB.View(fn)
}

func (g *guarded) Update(fn func(*bolt.Tx) error) (err error) {
	if f := g.Fault(); f != nil {
		return f
	}
	defer g.recoverFault(&err)
	id := g.writes.begin()
	defer g.writes.end(id)
	return g.DB.Update(fn)
}

// Batch runs fn in a transaction shared with the other writers that
// arrived meanwhile (groupCommit); fn may run more than once.
func (g *guarded) Batch(fn func(*bolt.Tx) error) error {
	if f := g.Fault(); f != nil {
		return f
	}
	return g.group.do(fn)
}

// Close commits the queued writers, then closes the file.
func (g *guarded) Close() error {
	g.group.close()
	return g.DB.Close()
}

// recoverFault is deferred by the transaction methods. bbolt rolls the
// transaction back on a panic before this runs, so the file lock and the
// writer lock are free again.
func (g *guarded) recoverFault(err *error) {
	r := recover()
	if r == nil {
		return
	}
	fault := fmt.Errorf("%s: %w: %v", g.path, ErrDamaged, r)
	g.fault.CompareAndSwap(nil, &fault)
	*err = fault
	if g.onFault != nil {
		g.onFault(fault)
	}
}

// Fault returns the first storage fault seen, or nil.
func (g *guarded) Fault() error {
	if f := g.fault.Load(); f != nil {
		return *f
	}
	return nil
}

// Fault returns the first storage fault this DB met (an error wrapping
// ErrDamaged), or nil while the file has read fine. After a fault, writes
// return that error at once; /readyz reports it.
func (db *DB) Fault() error { return db.bolt.Fault() }
