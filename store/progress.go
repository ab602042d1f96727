package store

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"strings"

	"github.com/coursebot/coursebot"
	bolt "go.etcd.io/bbolt"
)

const sep = "\x00"

// checkKey rejects key parts that would make composite keys ambiguous.
func checkKey(what, s string) error {
	if s == "" || strings.Contains(s, sep) {
		return fmt.Errorf("%w: %s %q", ErrBadKey, what, s)
	}
	return nil
}

func progressKey(learner, lesson string) []byte {
	return []byte(learner + sep + lesson)
}

// Progress returns the learner's progress in lesson, or a zero Progress with
// Lesson set if there is none.
func (db *DB) Progress(ctx context.Context, learner, lesson string) (coursebot.Progress, error) {
	p := coursebot.Progress{Lesson: lesson}
	if err := firstErr(ctx.Err(), checkKey("learner", learner), checkKey("lesson", lesson)); err != nil {
		return p, fmt.Errorf("read progress: %w", err)
	}
	learner = db.personOf(learner) // a linked identity's data is its person's (links.go)
	if u := unitOf(ctx); u != nil {
		if up, ok, err := u.progressOf(learner, lesson); ok || err != nil {
			return up, err
		}
	}
	err := db.bolt.View(func(tx *bolt.Tx) error {
		var err error
		p, err = getProgress(tx, learner, lesson)
		return err
	})
	if err != nil {
		return coursebot.Progress{Lesson: lesson}, fmt.Errorf("read progress in %s: %w", lesson, err)
	}
	return p, nil
}

// LearnerProgress returns every lesson the learner has a record for, sorted
// by lesson id.
func (db *DB) LearnerProgress(ctx context.Context, learner string) ([]coursebot.Progress, error) {
	if err := firstErr(ctx.Err(), checkKey("learner", learner)); err != nil {
		return nil, fmt.Errorf("read progress: %w", err)
	}
	learner = db.personOf(learner) // a linked identity's data is its person's (links.go)
	var out []coursebot.Progress
	prefix := []byte(learner + sep)
	err := db.bolt.View(func(tx *bolt.Tx) error {
		c := tx.Bucket(bucketProgress).Cursor()
		for k, v := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, v = c.Next() {
			var p coursebot.Progress
			if err := json.Unmarshal(v, &p); err != nil {
				return fmt.Errorf("decode progress in %s: %w", k[len(prefix):], err)
			}
			p.Lesson = string(k[len(prefix):])
			out = append(out, p)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("read progress: %w", err)
	}
	if u := unitOf(ctx); u != nil {
		own, err := u.learnerProgress(learner)
		if err != nil {
			return nil, fmt.Errorf("read progress: %w", err)
		}
		for i, p := range out {
			if up, ok := own[p.Lesson]; ok {
				out[i] = up
				delete(own, p.Lesson)
			}
		}
		for _, up := range own {
			out = append(out, up)
		}
	}
	// Keys sort bytewise, which is lesson-id order already; sort anyway so
	// the contract does not hang on the key layout.
	sort.Slice(out, func(i, j int) bool { return out[i].Lesson < out[j].Lesson })
	return out, nil
}

// Learner returns the learner's record, or a zero record with Key set.
func (db *DB) Learner(ctx context.Context, learner string) (coursebot.LearnerRecord, error) {
	rec := coursebot.LearnerRecord{Key: learner}
	if err := firstErr(ctx.Err(), checkKey("learner", learner)); err != nil {
		return rec, fmt.Errorf("read learner: %w", err)
	}
	learner = db.personOf(learner) // a linked identity's data is its person's (links.go)
	if u := unitOf(ctx); u != nil {
		if r, ok, err := u.learner(learner); ok || err != nil {
			return r, err
		}
	}
	err := db.bolt.View(func(tx *bolt.Tx) error {
		var err error
		rec, err = getLearner(tx, learner)
		return err
	})
	if err != nil {
		return coursebot.LearnerRecord{Key: learner}, fmt.Errorf("read learner record: %w", err)
	}
	return rec, nil
}

// Learners returns every learner key, sorted.
func (db *DB) Learners(ctx context.Context) ([]string, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("list learners: %w", err)
	}
	var out []string
	err := db.bolt.View(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketLearners).ForEach(func(k, _ []byte) error {
			out = append(out, string(k)) // string() copies
			return nil
		})
	})
	if err != nil {
		return nil, fmt.Errorf("list learners: %w", err)
	}
	return out, nil
}

// UpdateProgress reads the learner's record and progress in lesson, lets fn
// change them, and writes both back in one transaction; it returns the
// records as written. Concurrent callers share a commit (db.Batch), and the
// write is fsynced before UpdateProgress returns.
//
// fn may run more than once, each time on fresh copies of the stored
// records. If fn returns an error nothing is written and UpdateProgress
// returns that error (wrapped). fn must not change Key or Lesson; the store
// resets them.
func (db *DB) UpdateProgress(ctx context.Context, learner, lesson string, fn func(*coursebot.LearnerRecord, *coursebot.Progress) error) (coursebot.LearnerRecord, coursebot.Progress, error) {
	if err := firstErr(ctx.Err(), checkKey("learner", learner), checkKey("lesson", lesson)); err != nil {
		return coursebot.LearnerRecord{}, coursebot.Progress{}, fmt.Errorf("update progress: %w", err)
	}
	identity := learner
	if u := unitOf(ctx); u != nil {
		// Inside an inbox item's work: committed with the item (unit.go).
		return db.updateInUnit(u, identity, db.personOf(identity), lesson, fn)
	}
	var (
		rec    coursebot.LearnerRecord
		prog   coursebot.Progress
		outErr error // fn's or ctx's error, reported without failing the batch
	)
	// Shared with the other writers of the moment: one commit, one fsync.
	err := db.bolt.Batch(func(tx *bolt.Tx) error {
		// Batch may run this more than once (when another call in the
		// same batch fails, the whole batch is retried): start afresh.
		rec, prog, outErr = coursebot.LearnerRecord{}, coursebot.Progress{}, nil
		if err := ctx.Err(); err != nil {
			outErr = err
			return nil
		}
		learner := resolveTx(tx, identity) // a linked identity's data is its person's (links.go)
		r, err := getLearner(tx, learner)
		if err != nil {
			return err
		}
		p, err := getProgress(tx, learner, lesson)
		if err != nil {
			return err
		}
		// An error from fn is the caller's business, not a failed
		// transaction: returning it to Batch would roll back every other
		// learner's update in this batch and run them all again, then run
		// fn once more on its own (bbolt's trySolo). Return nil having
		// written nothing, and hand the error back out of band.
		if err := fn(&r, &p); err != nil {
			outErr = err
			return nil
		}
		r.Key, p.Lesson = learner, lesson
		noteVia(&r, identity)
		if err := putJSON(tx.Bucket(bucketLearners), []byte(learner), r); err != nil {
			return err
		}
		if err := putJSON(tx.Bucket(bucketProgress), progressKey(learner, lesson), p); err != nil {
			return err
		}
		rec, prog = r, p
		return nil
	})
	if err != nil {
		return coursebot.LearnerRecord{}, coursebot.Progress{}, fmt.Errorf("update progress in %s: %w", lesson, err)
	}
	if outErr != nil {
		return coursebot.LearnerRecord{}, coursebot.Progress{}, fmt.Errorf("update progress in %s: %w", lesson, outErr)
	}
	return rec, prog, nil
}

func getLearner(tx *bolt.Tx, learner string) (coursebot.LearnerRecord, error) {
	rec := coursebot.LearnerRecord{Key: learner}
	if v := tx.Bucket(bucketLearners).Get([]byte(learner)); v != nil {
		if err := json.Unmarshal(v, &rec); err != nil { // Unmarshal copies out of the mmap
			return coursebot.LearnerRecord{Key: learner}, fmt.Errorf("decode learner record: %w", err)
		}
		rec.Key = learner
	}
	return rec, nil
}

func getProgress(tx *bolt.Tx, learner, lesson string) (coursebot.Progress, error) {
	p := coursebot.Progress{Lesson: lesson}
	if v := tx.Bucket(bucketProgress).Get(progressKey(learner, lesson)); v != nil {
		if err := json.Unmarshal(v, &p); err != nil {
			return coursebot.Progress{Lesson: lesson}, fmt.Errorf("decode progress in %s: %w", lesson, err)
		}
		p.Lesson = lesson
	}
	return p, nil
}

func putJSON(b *bolt.Bucket, key []byte, v any) error {
	data, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("encode %q: %w", key, err)
	}
	if err := b.Put(key, data); err != nil {
		return fmt.Errorf("write %q: %w", key, err)
	}
	return nil
}

// noteVia records that the learner came through identity, once they have
// linked accounts (a record without Via is a learner of one identity).
func noteVia(r *coursebot.LearnerRecord, identity string) {
	if identity != r.Key || r.Via != "" {
		r.Via = identity
	}
}

func firstErr(errs ...error) error {
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}
