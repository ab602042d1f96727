package store

import (
	"context"
	"encoding/json"
	"fmt"

	bolt "go.etcd.io/bbolt"

	"github.com/coursebot/coursebot"
)

// bucketTutor holds the optional AI tutor's state per learner:
//
//	tutor  learnerKey -> coursebot.TutorRecord (the day's budget and the exchanges)
//
// It is learner data: forget-me deletes it, export includes it.
var bucketTutor = []byte("tutor")

// TutorRecord returns the learner's tutor record (zero when none).
func (db *DB) TutorRecord(ctx context.Context, learner string) (coursebot.TutorRecord, error) {
	var rec coursebot.TutorRecord
	if err := firstErr(ctx.Err(), checkKey("learner", learner)); err != nil {
		return rec, fmt.Errorf("read tutor record: %w", err)
	}
	learner = db.personOf(learner) // a linked identity's data is its person's (links.go)
	err := db.bolt.View(func(tx *bolt.Tx) error {
		var err error
		rec, err = getTutor(tx, learner)
		return err
	})
	if err != nil {
		return coursebot.TutorRecord{}, fmt.Errorf("read tutor record: %w", err)
	}
	return rec, nil
}

// UpdateTutor changes the learner's tutor record with fn in one durable
// transaction and returns the record as written. An error from fn is
// returned as is and writes nothing.
func (db *DB) UpdateTutor(ctx context.Context, learner string, fn func(*coursebot.TutorRecord) error) (coursebot.TutorRecord, error) {
	var rec coursebot.TutorRecord
	if err := firstErr(ctx.Err(), checkKey("learner", learner)); err != nil {
		return rec, fmt.Errorf("update tutor record: %w", err)
	}
	learner = db.personOf(learner) // a linked identity's data is its person's (links.go)
	var fnErr error
	err := db.bolt.Update(func(tx *bolt.Tx) error {
		var err error
		rec, err = getTutor(tx, learner)
		if err != nil {
			return err
		}
		if fnErr = fn(&rec); fnErr != nil {
			return fnErr
		}
		v, err := json.Marshal(rec)
		if err != nil {
			return fmt.Errorf("encode: %w", err)
		}
		return tx.Bucket(bucketTutor).Put([]byte(learner), v)
	})
	if fnErr != nil {
		return coursebot.TutorRecord{}, fnErr
	}
	if err != nil {
		return coursebot.TutorRecord{}, fmt.Errorf("update tutor record: %w", err)
	}
	return rec, nil
}

func getTutor(tx *bolt.Tx, learner string) (coursebot.TutorRecord, error) {
	var rec coursebot.TutorRecord
	v := tx.Bucket(bucketTutor).Get([]byte(learner))
	if v == nil {
		return rec, nil
	}
	if err := json.Unmarshal(v, &rec); err != nil {
		return rec, fmt.Errorf("decode tutor record: %w", err)
	}
	return rec, nil
}

// exportTutor adds the learner's tutor record to out.
func exportTutor(tx *bolt.Tx, learner string, out *LearnerExport) error {
	if b := tx.Bucket(bucketTutor); b != nil && b.Get([]byte(learner)) != nil {
		rec, err := getTutor(tx, learner)
		if err != nil {
			return err
		}
		out.Tutor = &rec
	}
	return nil
}
