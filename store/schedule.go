package store

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/coursebot/coursebot"
)

// Schedule buckets:
//
//	schedules   id -> Schedule
//	runs        id "\x00" RFC3339 UTC fire time -> Run
//	deliveries  run key "\x00" recipient -> Delivery
//
// The scheduler's exactly-once protocol: ClaimRun records a run (with its
// recipients) and moves the schedule's Last forward in one transaction
// before anything is sent; RecordDelivery records each recipient after the
// send; FinishRun closes the run. After a crash, OpenRuns lists the runs to
// resume and Deliveries says whom they already reached.
var (
	bucketSchedules  = []byte("schedules")
	bucketRuns       = []byte("runs")
	bucketDeliveries = []byte("deliveries")
)

// PutSchedule stores s, assigning an ID ("r1", "r2", ...) when it has none.
func (db *DB) PutSchedule(ctx context.Context, s coursebot.Schedule) (coursebot.Schedule, error) {
	if err := ctx.Err(); err != nil {
		return s, fmt.Errorf("put schedule: %w", err)
	}
	err := db.bolt.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketSchedules)
		if s.ID == "" {
			n, err := b.NextSequence()
			if err != nil {
				return err
			}
			s.ID = "r" + strconv.FormatUint(n, 10)
		}
		if err := checkKey("schedule", s.ID); err != nil {
			return err
		}
		return putJSON(b, []byte(s.ID), s)
	})
	if err != nil {
		return s, fmt.Errorf("put schedule %s: %w", s.ID, err)
	}
	return s, nil
}

// Schedule returns the schedule id and whether it exists.
func (db *DB) Schedule(ctx context.Context, id string) (coursebot.Schedule, bool, error) {
	var s coursebot.Schedule
	var ok bool
	if err := firstErr(ctx.Err(), checkKey("schedule", id)); err != nil {
		return s, false, fmt.Errorf("read schedule: %w", err)
	}
	err := db.bolt.View(func(tx *bolt.Tx) error {
		v := tx.Bucket(bucketSchedules).Get([]byte(id))
		if v == nil {
			return nil
		}
		ok = true
		return json.Unmarshal(v, &s)
	})
	if err != nil {
		return coursebot.Schedule{}, false, fmt.Errorf("read schedule %s: %w", id, err)
	}
	return s, ok, nil
}

// Schedules returns every schedule, by id.
func (db *DB) Schedules(ctx context.Context) ([]coursebot.Schedule, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("list schedules: %w", err)
	}
	var out []coursebot.Schedule
	err := db.bolt.View(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketSchedules).ForEach(func(k, v []byte) error {
			var s coursebot.Schedule
			if err := json.Unmarshal(v, &s); err != nil {
				return fmt.Errorf("decode schedule %q: %w", k, err)
			}
			out = append(out, s)
			return nil
		})
	})
	if err != nil {
		return nil, fmt.Errorf("list schedules: %w", err)
	}
	return out, nil
}

// DeleteSchedule removes a schedule; its open runs stop at their next
// recipient. deleted is false if there was none.
func (db *DB) DeleteSchedule(ctx context.Context, id string) (deleted bool, err error) {
	if err := firstErr(ctx.Err(), checkKey("schedule", id)); err != nil {
		return false, fmt.Errorf("delete schedule: %w", err)
	}
	err = db.bolt.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketSchedules)
		deleted = b.Get([]byte(id)) != nil
		return b.Delete([]byte(id))
	})
	if err != nil {
		return false, fmt.Errorf("delete schedule %s: %w", id, err)
	}
	return deleted, nil
}

// ClaimRun records the run of schedule id at fire time at, with its
// recipients, and moves the schedule's Last to at, in one transaction.
// claimed is false (and nothing is written) when the schedule is gone or
// Last is already at or after at: that time was run or skipped before.
func (db *DB) ClaimRun(ctx context.Context, id string, at time.Time, recipients []string, catchUp bool) (run coursebot.Run, claimed bool, err error) {
	if err := firstErr(ctx.Err(), checkKey("schedule", id)); err != nil {
		return coursebot.Run{}, false, fmt.Errorf("claim run: %w", err)
	}
	now := db.now()
	err = db.bolt.Update(func(tx *bolt.Tx) error {
		s, ok, err := getSchedule(tx, id)
		if err != nil || !ok || !s.Last.Before(at) {
			return err
		}
		s.Last = at
		if err := putJSON(tx.Bucket(bucketSchedules), []byte(id), s); err != nil {
			return err
		}
		run = coursebot.Run{Schedule: id, At: at.UTC(), Claimed: now, CatchUp: catchUp, Recipients: recipients}
		if run.Recipients == nil {
			run.Recipients = []string{}
		}
		claimed = true
		return putJSON(tx.Bucket(bucketRuns), []byte(run.Key()), run)
	})
	if err != nil {
		return coursebot.Run{}, false, fmt.Errorf("claim run of %s at %s: %w", id, at.UTC().Format(time.RFC3339), err)
	}
	return run, claimed, nil
}

// SkipRuns moves the schedule's Last to at without running anything (a
// missed time when catch-up is off). It reports whether it moved.
func (db *DB) SkipRuns(ctx context.Context, id string, at time.Time) (bool, error) {
	if err := firstErr(ctx.Err(), checkKey("schedule", id)); err != nil {
		return false, fmt.Errorf("skip runs: %w", err)
	}
	moved := false
	err := db.bolt.Update(func(tx *bolt.Tx) error {
		s, ok, err := getSchedule(tx, id)
		if err != nil || !ok || !s.Last.Before(at) {
			return err
		}
		s.Last = at
		moved = true
		return putJSON(tx.Bucket(bucketSchedules), []byte(id), s)
	})
	if err != nil {
		return false, fmt.Errorf("skip runs of %s: %w", id, err)
	}
	return moved, nil
}

func getSchedule(tx *bolt.Tx, id string) (coursebot.Schedule, bool, error) {
	var s coursebot.Schedule
	v := tx.Bucket(bucketSchedules).Get([]byte(id))
	if v == nil {
		return s, false, nil
	}
	if err := json.Unmarshal(v, &s); err != nil {
		return s, false, fmt.Errorf("decode schedule %s: %w", id, err)
	}
	return s, true, nil
}

// OpenRuns returns the runs not finished yet, oldest key first.
func (db *DB) OpenRuns(ctx context.Context) ([]coursebot.Run, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("list open runs: %w", err)
	}
	var out []coursebot.Run
	err := db.bolt.View(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketRuns).ForEach(func(k, v []byte) error {
			var r coursebot.Run
			if err := json.Unmarshal(v, &r); err != nil {
				return fmt.Errorf("decode run %q: %w", k, err)
			}
			if !r.Done {
				out = append(out, r)
			}
			return nil
		})
	})
	if err != nil {
		return nil, fmt.Errorf("list open runs: %w", err)
	}
	return out, nil
}

// Runs returns every run of schedule id, oldest first.
func (db *DB) Runs(ctx context.Context, id string) ([]coursebot.Run, error) {
	if err := firstErr(ctx.Err(), checkKey("schedule", id)); err != nil {
		return nil, fmt.Errorf("list runs: %w", err)
	}
	var out []coursebot.Run
	prefix := []byte(id + sep)
	err := db.bolt.View(func(tx *bolt.Tx) error {
		c := tx.Bucket(bucketRuns).Cursor()
		for k, v := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, v = c.Next() {
			var r coursebot.Run
			if err := json.Unmarshal(v, &r); err != nil {
				return fmt.Errorf("decode run %q: %w", k, err)
			}
			out = append(out, r)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("list runs of %s: %w", id, err)
	}
	return out, nil
}

// FinishRun marks the run done.
func (db *DB) FinishRun(ctx context.Context, run coursebot.Run) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("finish run: %w", err)
	}
	now := db.now()
	err := db.bolt.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketRuns)
		v := b.Get([]byte(run.Key()))
		if v == nil {
			return fmt.Errorf("run %q: %w", run.Key(), coursebot.ErrNotFound)
		}
		var r coursebot.Run
		if err := json.Unmarshal(v, &r); err != nil {
			return err
		}
		r.Done, r.Finished = true, now
		return putJSON(b, []byte(run.Key()), r)
	})
	if err != nil {
		return fmt.Errorf("finish run %s: %w", run.Key(), err)
	}
	return nil
}

func deliveryPrefix(run coursebot.Run) []byte { return []byte(run.Key() + sep) }

// RecordDelivery records the outcome for one recipient of run. Concurrent
// callers share a commit; it is durable when it returns.
func (db *DB) RecordDelivery(ctx context.Context, run coursebot.Run, d coursebot.Delivery) error {
	if err := firstErr(ctx.Err(), checkKey("recipient", d.Recipient)); err != nil {
		return fmt.Errorf("record delivery: %w", err)
	}
	key := append(deliveryPrefix(run), d.Recipient...)
	err := db.bolt.Batch(func(tx *bolt.Tx) error {
		return putJSON(tx.Bucket(bucketDeliveries), key, d)
	})
	if err != nil {
		return fmt.Errorf("record delivery of %s to %s: %w", run.Key(), d.Recipient, err)
	}
	return nil
}

// Deliveries returns the recorded outcomes of run by recipient.
func (db *DB) Deliveries(ctx context.Context, run coursebot.Run) (map[string]coursebot.Delivery, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("list deliveries: %w", err)
	}
	out := map[string]coursebot.Delivery{}
	prefix := deliveryPrefix(run)
	err := db.bolt.View(func(tx *bolt.Tx) error {
		c := tx.Bucket(bucketDeliveries).Cursor()
		for k, v := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, v = c.Next() {
			var d coursebot.Delivery
			if err := json.Unmarshal(v, &d); err != nil {
				return fmt.Errorf("decode delivery %q: %w", k, err)
			}
			out[d.Recipient] = d
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("list deliveries of %s: %w", run.Key(), err)
	}
	return out, nil
}
