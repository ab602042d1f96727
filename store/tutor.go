package store

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"
)

// bucketTutor holds the optional AI tutor's state per learner:
//
//	tutor  learnerKey -> TutorRecord (the day's budget and the exchanges)
//
// It is learner data: forget-me deletes it, export includes it.
var bucketTutor = []byte("tutor")

// TutorRecord is what the tutor keeps about one learner: how many tutor
// replies they used today, and their exchanges with the tutor, kept like
// their answers (exported, forgotten, never logged).
type TutorRecord struct {
	// Day is the budget's day ("2026-12-01", UTC); Used the tutor replies
	// asked for on it; Told whether the learner was told that the day's
	// budget is spent.
	Day  string `json:"day,omitempty"`
	Used int    `json:"used,omitempty"`
	Told bool   `json:"told,omitempty"`
	// Exchanges are the conversations, oldest first.
	Exchanges []TutorExchange `json:"exchanges,omitempty"`
}

// TutorExchange is one conversation with the tutor: about one question
// (Kind "answer"), a capstone card the learner is stuck on ("stuck"), or a
// /help question ("help").
type TutorExchange struct {
	Kind     string      `json:"kind"`
	Lesson   string      `json:"lesson,omitempty"`
	Card     string      `json:"card,omitempty"`
	Question string      `json:"question,omitempty"` // question id
	Turns    []TutorTurn `json:"turns"`
}

// TutorTurn is one message of an exchange.
type TutorTurn struct {
	Role string    `json:"role"` // "learner" or "tutor"
	Text string    `json:"text"`
	At   time.Time `json:"at"`
	// Fallback names why the tutor's turn is the course's fixed text
	// instead of the model's ("timeout", "budget"); "" for the model's.
	Fallback string `json:"fallback,omitempty"`
}

// TutorRecord returns the learner's tutor record (zero when none).
func (db *DB) TutorRecord(ctx context.Context, learner string) (TutorRecord, error) {
	var rec TutorRecord
	if err := firstErr(ctx.Err(), checkKey("learner", learner)); err != nil {
		return rec, fmt.Errorf("read tutor record: %w", err)
	}
	err := db.bolt.View(func(tx *bolt.Tx) error {
		var err error
		rec, err = getTutor(tx, learner)
		return err
	})
	if err != nil {
		return TutorRecord{}, fmt.Errorf("read tutor record of %s: %w", learner, err)
	}
	return rec, nil
}

// UpdateTutor changes the learner's tutor record with fn in one durable
// transaction and returns the record as written. An error from fn is
// returned as is and writes nothing.
func (db *DB) UpdateTutor(ctx context.Context, learner string, fn func(*TutorRecord) error) (TutorRecord, error) {
	var rec TutorRecord
	if err := firstErr(ctx.Err(), checkKey("learner", learner)); err != nil {
		return rec, fmt.Errorf("update tutor record: %w", err)
	}
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
		return TutorRecord{}, fnErr
	}
	if err != nil {
		return TutorRecord{}, fmt.Errorf("update tutor record of %s: %w", learner, err)
	}
	return rec, nil
}

func getTutor(tx *bolt.Tx, learner string) (TutorRecord, error) {
	var rec TutorRecord
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
