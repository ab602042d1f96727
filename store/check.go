package store

import (
	"errors"
	"fmt"
	"os"
	"strconv"
	"time"

	bolt "go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"
)

// CheckReport is what Check found in a file.
type CheckReport struct {
	// Problems has one line per problem; none for a sound file.
	Problems []string
	Schema   int   // the schema version recorded in the file
	Learners int   // learner records
	Bytes    int64 // the file's size
}

// Check opens the file at path read-only (waiting up to timeout for the
// file lock) and runs bbolt's consistency check (tx.Check: every page
// reachable exactly once, none freed twice, page types and key order
// valid) and coursebot's own (a schema version this coursebot reads, every
// bucket Open creates). It never writes to the file. The error is for a file
// that cannot be checked at all: missing, empty, in use, not bbolt.
func Check(path string, timeout time.Duration) (rep CheckReport, err error) {
	fi, err := os.Stat(path)
	if err != nil {
		return rep, fmt.Errorf("check %s: %w", path, err)
	}
	rep.Bytes = fi.Size()
	if fi.Size() == 0 {
		return rep, fmt.Errorf("%s %w", path, ErrEmpty)
	}
	if timeout <= 0 {
		timeout = time.Second
	}
	var bdb *bolt.DB
	defer func() {
		if r := recover(); r != nil {
			if bdb != nil {
				_ = bdb.Close()
			}
			err = fmt.Errorf("%s is %w: %v", path, ErrNotCoursebot, r)
		}
	}()
	bdb, err = bolt.Open(path, 0o600, &bolt.Options{ReadOnly: true, Timeout: timeout})
	switch {
	case errors.Is(err, berrors.ErrTimeout):
		return rep, fmt.Errorf("check %s: %w (check a backup of a running bot instead)", path, ErrLocked)
	case err != nil:
		return rep, fmt.Errorf("%s is %w: %w", path, ErrNotCoursebot, err)
	}
	defer func() {
		if cerr := bdb.Close(); cerr != nil && err == nil {
			err = fmt.Errorf("check %s: close: %w", path, cerr)
		}
	}()
	err = bdb.View(func(tx *bolt.Tx) error {
		for e := range tx.Check() {
			rep.Problems = append(rep.Problems, e.Error())
		}
		rep.Problems = append(rep.Problems, checkLayout(tx, &rep)...)
		return nil
	})
	return rep, err
}

// checkLayout checks what makes a bbolt file coursebot's, and counts the
// learners. A damaged page met on the way is one more problem.
func checkLayout(tx *bolt.Tx, rep *CheckReport) (problems []string) {
	defer func() {
		if r := recover(); r != nil {
			problems = append(problems, fmt.Sprintf("reading the data: %v", r))
		}
	}()
	meta := tx.Bucket(bucketMeta)
	if meta == nil {
		return []string{"no meta bucket: " + ErrNotCoursebot.Error()}
	}
	v, err := strconv.Atoi(string(meta.Get(keySchema)))
	switch {
	case err != nil:
		problems = append(problems, fmt.Sprintf("schema version %q is not a number", meta.Get(keySchema)))
	case v > len(migrations()):
		problems = append(problems, fmt.Sprintf("schema %d is %s; this one reads up to %d", v, ErrNewerSchema, len(migrations())))
	}
	rep.Schema = v
	for _, name := range allBuckets() {
		if tx.Bucket(name) == nil && v == len(migrations()) {
			problems = append(problems, fmt.Sprintf("bucket %s is missing", name))
		}
	}
	if b := tx.Bucket(bucketLearners); b != nil {
		rep.Learners = b.Stats().KeyN
	}
	return problems
}
