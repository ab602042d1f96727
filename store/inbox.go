package store

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"sync"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/coursebot/coursebot/delivery"
)

// The inbox bucket holds every acknowledged inbound item whose work is not
// finished: 8-byte big-endian id -> JSON delivery.Item. An item's dedup id
// goes into the seen buckets (seen.go) in the same transaction, so a
// platform's retry of an accepted item is recognised even after the item
// is gone.

var bucketInbox = []byte("inbox")

var _ delivery.Store = (*DB)(nil)

func inboxKey(id uint64) []byte {
	k := make([]byte, 8)
	binary.BigEndian.PutUint64(k, id)
	return k
}

// doneFlush is how long a finished item's removal may wait to share a
// commit with other writes.
const doneFlush = 5 * time.Millisecond

// doneSet is the inbox items whose work is done but whose removal is not
// committed yet. Removal rides along with the next InboxPut's commit, or is
// committed on its own within doneFlush: under load a finished item costs
// no fsync of its own. If the process dies first, the item is still in the
// file and is done again at the next start, where its idempotency key
// keeps its messages from being posted twice (docs/delivery.md).
type doneSet struct {
	mu        sync.Mutex
	ids       []uint64
	scheduled bool
}

func (d *doneSet) take() []uint64 {
	d.mu.Lock()
	defer d.mu.Unlock()
	ids := d.ids
	d.ids = nil
	return ids
}

func (d *doneSet) giveBack(ids []uint64) {
	d.mu.Lock()
	d.ids = append(d.ids, ids...)
	d.mu.Unlock()
}

func deleteItems(tx *bolt.Tx, ids []uint64) error {
	b := tx.Bucket(bucketInbox)
	for _, id := range ids {
		if err := b.Delete(inboxKey(id)); err != nil {
			return err
		}
	}
	return nil
}

// flushDone commits the pending removals now.
func (db *DB) flushDone() {
	db.done.mu.Lock()
	db.done.scheduled = false
	db.done.mu.Unlock()
	ids := db.done.take()
	if len(ids) == 0 {
		return
	}
	if err := db.bolt.Batch(func(tx *bolt.Tx) error { return deleteItems(tx, ids) }); err != nil {
		db.done.giveBack(ids) // tried again with the next write
	}
}

// InboxPut commits it and returns its id (see delivery.Store). Concurrent
// calls share a commit and its fsync (bbolt's Batch), which also carries
// the removal of items finished since the last commit.
func (db *DB) InboxPut(ctx context.Context, it delivery.Item) (uint64, bool, error) {
	if err := ctx.Err(); err != nil {
		return 0, false, fmt.Errorf("inbox put: %w", err)
	}
	val, err := json.Marshal(it)
	if err != nil {
		return 0, false, fmt.Errorf("inbox put: encode: %w", err)
	}
	var dedup []byte
	if it.Dedup != "" {
		dedup = seenKey(it.Learner, it.Dedup)
	}
	now := db.now()
	var (
		id  uint64
		dup bool
	)
	finished := db.done.take()
	err = db.bolt.Batch(func(tx *bolt.Tx) error {
		id, dup = 0, false // Batch may run this more than once
		if err := deleteItems(tx, finished); err != nil {
			return err
		}
		if dedup != nil {
			var err error
			if dup, err = putSeen(tx, dedup, now); err != nil || dup {
				return err
			}
		}
		b := tx.Bucket(bucketInbox)
		seq, err := b.NextSequence()
		if err != nil {
			return err
		}
		id = seq
		return b.Put(inboxKey(id), val)
	})
	if err != nil {
		db.done.giveBack(finished)
		return 0, false, fmt.Errorf("inbox put %s: %w", it.Kind, err)
	}
	return id, dup, nil
}

// InboxDone removes item id: with the next InboxPut's commit or within
// doneFlush (see doneSet), and at Close.
func (db *DB) InboxDone(_ context.Context, id uint64) error {
	db.done.mu.Lock()
	defer db.done.mu.Unlock()
	db.done.ids = append(db.done.ids, id)
	if !db.done.scheduled {
		db.done.scheduled = true
		time.AfterFunc(doneFlush, db.flushDone)
	}
	return nil
}

// InboxItems returns every item in the inbox, oldest first.
func (db *DB) InboxItems(ctx context.Context) ([]delivery.Item, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("inbox items: %w", err)
	}
	var out []delivery.Item
	err := db.bolt.View(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketInbox).ForEach(func(k, v []byte) error {
			var it delivery.Item
			if err := json.Unmarshal(v, &it); err != nil {
				return fmt.Errorf("decode inbox item %x: %w", k, err)
			}
			it.ID = binary.BigEndian.Uint64(k)
			out = append(out, it)
			return nil
		})
	})
	if err != nil {
		return nil, fmt.Errorf("inbox items: %w", err)
	}
	return out, nil
}
