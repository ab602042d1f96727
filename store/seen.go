package store

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"strings"
	"time"

	bolt "go.etcd.io/bbolt"
)

// Dedup records let InboxPut recognise a platform's retried delivery of an
// item it accepted before (delivery.Item.Dedup: "kind\x00id", ids that name
// the presser, the channel, the card and the value pressed, such as a quiz
// option). They are kept by learner, the platform's identity only hashed:
//
//	seen       learnerKey "\x00" SHA-256(dedup)[:16] -> 8-byte time first seen
//	seen_time  8-byte time + the seen key -> "" (for pruning, oldest first)
//
// so that ForgetLearner finds every record of a learner by prefix, the
// file never holds which card a learner pressed or which option they chose,
// and PruneSeen (run hourly by `coursebot serve`) drops what is older than
// a platform's retries.

// DedupKeep is how long a dedup record is kept: far longer than any
// platform retries a delivery (Slack: minutes; a Discord interaction's
// token lives 15 minutes). A press on an old card after that is not a
// retry, and the engine answers it as stale.
const DedupKeep = 24 * time.Hour

// seenKey is the seen bucket's key of learner's event dedup.
func seenKey(learner, dedup string) []byte {
	sum := sha256.Sum256([]byte(dedup))
	return append(append([]byte(learner), sep...), sum[:16]...)
}

// putSeen records key as seen at now in tx; dup reports it was already.
func putSeen(tx *bolt.Tx, key []byte, now time.Time) (dup bool, err error) {
	seen := tx.Bucket(bucketSeen)
	if seen.Get(key) != nil {
		return true, nil
	}
	ts := timeKey(now)
	if err := seen.Put(key, ts); err != nil {
		return false, fmt.Errorf("write dedup record: %w", err)
	}
	if err := tx.Bucket(bucketSeenTime).Put(append(ts, key...), nil); err != nil {
		return false, fmt.Errorf("write dedup index: %w", err)
	}
	return false, nil
}

// forgetSeen deletes learner's dedup records and their index entries.
func forgetSeen(tx *bolt.Tx, learner string) (int, error) {
	seen, byTime := tx.Bucket(bucketSeen), tx.Bucket(bucketSeenTime)
	prefix := []byte(learner + sep)
	var keys, stamps [][]byte
	c := seen.Cursor()
	for k, v := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, v = c.Next() {
		keys, stamps = append(keys, bytes.Clone(k)), append(stamps, bytes.Clone(v))
	}
	for i, k := range keys {
		if err := byTime.Delete(append(stamps[i], k...)); err != nil {
			return 0, fmt.Errorf("delete dedup index: %w", err)
		}
		if err := seen.Delete(k); err != nil {
			return 0, fmt.Errorf("delete dedup record: %w", err)
		}
	}
	return 2 * len(keys), nil
}

// pruneBatch bounds the records one pruning transaction deletes, so the
// writer lock is never held long.
const pruneBatch = 5000

// PruneSeen drops dedup records first seen before olderThan and returns
// how many it dropped, a few thousand a transaction. Such an event,
// delivered again, counts as new.
func (db *DB) PruneSeen(ctx context.Context, olderThan time.Time) (int, error) {
	limit := timeKey(olderThan)
	total := 0
	for {
		if err := ctx.Err(); err != nil {
			return total, fmt.Errorf("prune dedup records: %w", err)
		}
		n := 0
		err := db.bolt.Update(func(tx *bolt.Tx) error {
			n = 0
			seen, byTime := tx.Bucket(bucketSeen), tx.Bucket(bucketSeenTime)
			c := byTime.Cursor()
			// Deleting at the cursor moves it to the next item, so read the
			// first key again each round.
			for k, _ := c.First(); k != nil && n < pruneBatch && bytes.Compare(k[:8], limit) < 0; k, _ = c.First() {
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
		total += n
		if err != nil {
			return total, fmt.Errorf("prune dedup records: %w", err)
		}
		if n < pruneBatch {
			return total, nil
		}
	}
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

// migrateSeenByLearner (schema 2 to 3) re-keys the dedup records of
// schema 2 ("kind\x00id", in clear) by learner and hash. The learner is
// the id's first part where the id starts with a learner key (Slack
// presses and forms, Discord interactions and messages: "slack:U1/…");
// records that name none (Slack event ids) are dropped: Slack retries only
// an event it got no acknowledgement for, within minutes, so at worst an
// event acknowledged in the moment before the upgrade is taken again.
func migrateSeenByLearner(tx *bolt.Tx) error {
	seen, byTime := tx.Bucket(bucketSeen), tx.Bucket(bucketSeenTime)
	type rec struct{ old, ts []byte }
	var recs []rec
	if err := seen.ForEach(func(k, v []byte) error {
		recs = append(recs, rec{bytes.Clone(k), bytes.Clone(v)})
		return nil
	}); err != nil {
		return err
	}
	var stamps [][]byte
	if err := byTime.ForEach(func(k, _ []byte) error { stamps = append(stamps, bytes.Clone(k)); return nil }); err != nil {
		return err
	}
	for _, k := range stamps {
		if err := byTime.Delete(k); err != nil {
			return err
		}
	}
	for _, r := range recs {
		if err := seen.Delete(r.old); err != nil {
			return err
		}
		_, id, _ := strings.Cut(string(r.old), sep)
		who, _, found := strings.Cut(id, "/")
		if !found || !strings.Contains(who, ":") || len(r.ts) != 8 {
			continue
		}
		key := seenKey(who, string(r.old))
		if err := seen.Put(key, r.ts); err != nil {
			return err
		}
		if err := byTime.Put(append(bytes.Clone(r.ts), key...), nil); err != nil {
			return err
		}
	}
	return nil
}
