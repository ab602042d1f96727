package store

import (
	"context"
	"encoding/binary"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"
)

// FirstSeen records that the event (kind, id) has been seen and reports
// whether this is the first time: true once, false for every later call,
// also after a restart (the record is fsynced before FirstSeen returns).
// Use it to drop chat platforms' retried deliveries: FirstSeen(ctx,
// "slack-event", eventID).
func (db *DB) FirstSeen(ctx context.Context, kind, id string) (bool, error) {
	if err := firstErr(ctx.Err(), checkKey("kind", kind), checkKey("id", id)); err != nil {
		return false, fmt.Errorf("dedup: %w", err)
	}
	key := []byte(kind + sep + id)
	now := db.now()
	var first bool
	err := db.bolt.Batch(func(tx *bolt.Tx) error {
		first = false // Batch may run this more than once
		seen := tx.Bucket(bucketSeen)
		if seen.Get(key) != nil {
			return nil
		}
		ts := timeKey(now)
		if err := seen.Put(key, ts); err != nil {
			return fmt.Errorf("write dedup record: %w", err)
		}
		byTime := make([]byte, 0, len(ts)+len(key))
		byTime = append(append(byTime, ts...), key...)
		if err := tx.Bucket(bucketSeenTime).Put(byTime, nil); err != nil {
			return fmt.Errorf("write dedup index: %w", err)
		}
		first = true
		return nil
	})
	if err != nil {
		return false, fmt.Errorf("dedup %s %s: %w", kind, id, err)
	}
	return first, nil
}

// PruneSeen drops dedup records first seen before olderThan and returns
// how many it dropped. Such an event, delivered again, counts as new.
func (db *DB) PruneSeen(ctx context.Context, olderThan time.Time) (int, error) {
	if err := ctx.Err(); err != nil {
		return 0, fmt.Errorf("prune dedup records: %w", err)
	}
	limit := timeKey(olderThan)
	n := 0
	err := db.bolt.Update(func(tx *bolt.Tx) error {
		n = 0
		seen, byTime := tx.Bucket(bucketSeen), tx.Bucket(bucketSeenTime)
		c := byTime.Cursor()
		// Deleting at the cursor moves it to the next item, so read the
		// first key again each round.
		for k, _ := c.First(); k != nil && string(k[:8]) < string(limit); k, _ = c.First() {
			if err := seen.Delete(k[8:]); err != nil {
				return fmt.Errorf("delete dedup record: %w", err)
			}
			if err := c.Delete(); err != nil {
				return fmt.Errorf("delete dedup index: %w", err)
			}
			n++
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("prune dedup records: %w", err)
	}
	return n, nil
}

// timeKey encodes t as 8 bytes that sort bytewise in time order (for times
// after 1970; earlier ones clamp to 0).
func timeKey(t time.Time) []byte {
	ns := t.UnixNano()
	if ns < 0 {
		ns = 0
	}
	return binary.BigEndian.AppendUint64(make([]byte, 0, 8), uint64(ns))
}
