// Package store keeps coursebot's state in one bbolt file: learners, their
// progress per lesson, lesson threads and the dedup records that make chat
// event retries harmless.
//
// Layout (all values JSON unless noted):
//
//	meta        "schema" -> decimal schema version
//	learners    learnerKey -> coursebot.LearnerRecord
//	progress    learnerKey "\x00" lessonID -> coursebot.Progress
//	threads     platform "\x00" learnerKey "\x00" lessonID -> Thread
//	thread_at   platform "\x00" channel "\x00" threadID -> key in threads
//	seen        learnerKey "\x00" SHA-256(kind "\x00" id)[:16] -> 8-byte big-endian unix nanoseconds (seen.go)
//	seen_time   8-byte big-endian unix nanoseconds + the seen key -> ""
//	cohorts, cohort_members, nudge_state       see cohorts.go
//	schedules, runs, deliveries                see schedule.go
//	inbox       8-byte big-endian id -> delivery.Item (see inbox.go)
//	links, link_codes                          see links.go
//
// Learner keys carry their platform ("slack:U123"); no bucket name does.
// A person's data is kept under the key of their first identity; the
// identities linked to them resolve to it (links.go).
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

// ErrLocked is returned by Open when another process (or another Open in
// this process) holds the database file.
var ErrLocked = errors.New("database is in use by another coursebot process")

// ErrNotCoursebot is wrapped by Open's error when the file is not a bbolt
// database or is someone else's bbolt database.
var ErrNotCoursebot = errors.New("not a coursebot database")

// ErrNewerSchema is wrapped by Open's error when the file was written by a
// newer coursebot than this one.
var ErrNewerSchema = errors.New("written by a newer coursebot")

// ErrEmpty is returned by Open when the file exists but holds no bytes: a
// truncated file or a failed restore, never a database. Treating it as a
// new one would silently drop every learner (Options.NewIfEmpty allows it).
var ErrEmpty = errors.New("is empty (0 bytes), not a database")

// ErrBadKey is returned when a learner key, lesson id or similar is empty or
// contains the key separator (a NUL byte).
var ErrBadKey = errors.New("invalid key")

// Options configure Open.
type Options struct {
	// LockTimeout is how long Open waits for the file lock before giving
	// up with ErrLocked. Default 1s.
	LockTimeout time.Duration
	// Now is the clock used for dedup records, thread timestamps and
	// WriteWait. Default time.Now.
	Now func() time.Time
	// NewIfEmpty lets Open start a new database in an existing empty
	// (0-byte) file. Without it such a file is refused with ErrEmpty; a
	// missing file is always created.
	NewIfEmpty bool
	// OnFault is called (from the failing caller's goroutine) each time a
	// transaction meets a damaged page; see ErrDamaged and DB.Fault.
	OnFault func(error)
}

// DB is an open coursebot database. It is safe for concurrent use.
type DB struct {
	bolt *guarded // bbolt, with panics on damaged pages turned into ErrDamaged (fault.go)
	path string
	now  func() time.Time
	// done holds inbox items finished but not yet removed on disk.
	done doneSet
	// pending holds the thread records of units not yet committed.
	pending pendingThreads
	// links resolves identities to persons without a transaction (links.go).
	links links
}

var (
	bucketMeta     = []byte("meta")
	bucketLearners = []byte("learners")
	bucketProgress = []byte("progress")
	bucketThreads  = []byte("threads")
	bucketThreadAt = []byte("thread_at")
	bucketSeen     = []byte("seen")
	bucketSeenTime = []byte("seen_time")

	keySchema = []byte("schema")
)

// allBuckets lists every bucket Open creates.
func allBuckets() [][]byte {
	return [][]byte{bucketMeta, bucketLearners, bucketProgress, bucketThreads, bucketThreadAt, bucketSeen, bucketSeenTime,
		bucketCohorts, bucketCohortMembers, bucketNudgeState, bucketSchedules, bucketRuns, bucketDeliveries, bucketInbox,
		bucketTutor, bucketLinks, bucketLinkCodes}
}

// migration upgrades the data inside tx by one schema version.
type migration func(tx *bolt.Tx) error

// migrations returns the migration table: migrations()[i] upgrades a file
// from schema i to schema i+1, so the current schema is len(migrations()).
// Append, never edit or reorder.
func migrations() []migration {
	return []migration{
		// 0 -> 1: schema 0 was a development layout with the same buckets;
		// nothing to change beyond recording the version.
		func(*bolt.Tx) error { return nil },
		// 1 -> 2: members added by a lead become pending invitations.
		migrateMembersToInvitations,
		// 2 -> 3: dedup records keyed by learner, the platform's ids hashed.
		migrateSeenByLearner,
		// 3 -> 4: linked identities (links.go). Nothing to rewrite: each
		// learner so far is a person of one identity, keyed as before; the
		// new buckets are made by createBuckets. The version is raised so
		// that an older coursebot, which knows no links, refuses the file
		// instead of treating a linked account as a stranger.
		func(*bolt.Tx) error { return nil },
	}
}

// Open opens (creating if needed) the database at path with mode 0600,
// creates the buckets and brings the schema up to date.
func Open(path string, opts Options) (*DB, error) {
	return open(path, opts, migrations())
}

func open(path string, opts Options, migs []migration) (db *DB, err error) {
	if opts.LockTimeout <= 0 {
		opts.LockTimeout = time.Second
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if fi, err := os.Stat(path); err == nil && fi.Mode().IsRegular() && fi.Size() == 0 && !opts.NewIfEmpty {
		return nil, fmt.Errorf("%s %w: refusing to start over with no learners; restore a backup over it, or start a new database on purpose (coursebot serve/console --new-db)", path, ErrEmpty)
	}
	var (
		bdb  *bolt.DB
		file *os.File // kept to release the lock if bolt.Open panics
	)
	// bbolt panics on some kinds of corruption (valid meta pages over
	// garbage). Turn that into an error naming the file.
	defer func() {
		if r := recover(); r != nil {
			if bdb != nil {
				_ = bdb.Close()
			} else if file != nil {
				// bolt.Open panicked after locking and mapping the
				// file. The mapping keeps the file description, and
				// with it the flock, alive after Close: unlock first.
				// (The mapping itself leaks; this is a dying open.)
				unlock(file)
				_ = file.Close()
			}
			db, err = nil, fmt.Errorf("%s is %w: %v", path, ErrNotCoursebot, r)
		}
	}()
	bdb, err = bolt.Open(path, 0o600, &bolt.Options{
		Timeout:      opts.LockTimeout,
		FreelistType: bolt.FreelistMapType,
		OpenFile: func(name string, flag int, mode os.FileMode) (*os.File, error) {
			f, err := os.OpenFile(name, flag, mode)
			file = f
			return f, err
		},
	})
	switch {
	case errors.Is(err, berrors.ErrTimeout):
		return nil, fmt.Errorf("open %s: %w", path, ErrLocked)
	case errors.Is(err, berrors.ErrInvalid), errors.Is(err, berrors.ErrVersionMismatch),
		errors.Is(err, berrors.ErrChecksum), errors.Is(err, berrors.ErrInvalidMapping):
		return nil, fmt.Errorf("%s is %w: %w", path, ErrNotCoursebot, err)
	case err != nil:
		return nil, fmt.Errorf("open database %s: %w", path, err)
	}
	if err := bdb.Update(func(tx *bolt.Tx) error { return initSchema(tx, migs) }); err != nil {
		_ = bdb.Close()
		if errors.Is(err, ErrNotCoursebot) {
			return nil, fmt.Errorf("%s is %w", path, err)
		}
		return nil, fmt.Errorf("open database %s: %w", path, err)
	}
	g := &guarded{DB: bdb, path: path, onFault: opts.OnFault, writes: writeClock{now: opts.Now}}
	g.group = newGroupCommit(g.Update, maxGroup)
	d := &DB{bolt: g, path: path, now: opts.Now}
	if err := d.refreshLinks(); err != nil {
		_ = bdb.Close()
		return nil, fmt.Errorf("open database %s: read links: %w", path, err)
	}
	return d, nil
}

// initSchema creates the buckets and runs the migrations, all in one
// transaction: a failed migration leaves the file as it was.
func initSchema(tx *bolt.Tx, migs []migration) error {
	current := len(migs)
	meta := tx.Bucket(bucketMeta)
	if meta == nil {
		// A fresh file has no buckets at all; any other bbolt file is
		// someone else's.
		if err := tx.ForEach(func(name []byte, _ *bolt.Bucket) error {
			return fmt.Errorf("%w: unexpected bucket %q", ErrNotCoursebot, name)
		}); err != nil {
			return err
		}
		if err := createBuckets(tx); err != nil {
			return err
		}
		return putSchema(tx, current)
	}
	raw := meta.Get(keySchema)
	if raw == nil {
		return fmt.Errorf("%w: meta bucket without a schema version", ErrNotCoursebot)
	}
	version, err := strconv.Atoi(string(raw))
	if err != nil || version < 0 {
		return fmt.Errorf("%w: schema version %q", ErrNotCoursebot, raw)
	}
	if version > current {
		return fmt.Errorf("%w (schema %d); this one reads up to schema %d", ErrNewerSchema, version, current)
	}
	if err := createBuckets(tx); err != nil {
		return err
	}
	for v := version; v < current; v++ {
		if err := migs[v](tx); err != nil {
			return fmt.Errorf("migrate schema %d to %d: %w", v, v+1, err)
		}
	}
	if version == current {
		return nil
	}
	return putSchema(tx, current)
}

func createBuckets(tx *bolt.Tx) error {
	for _, name := range allBuckets() {
		if _, err := tx.CreateBucketIfNotExists(name); err != nil {
			return fmt.Errorf("create bucket %s: %w", name, err)
		}
	}
	return nil
}

func putSchema(tx *bolt.Tx, version int) error {
	if err := tx.Bucket(bucketMeta).Put(keySchema, []byte(strconv.Itoa(version))); err != nil {
		return fmt.Errorf("write schema version: %w", err)
	}
	return nil
}

// Schema returns the schema version recorded in the file.
func (db *DB) Schema() (int, error) {
	var v int
	err := db.bolt.View(func(tx *bolt.Tx) error {
		var err error
		v, err = strconv.Atoi(string(tx.Bucket(bucketMeta).Get(keySchema)))
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("read schema: %w", err)
	}
	return v, nil
}

// Close closes the database, waiting for running transactions.
func (db *DB) Close() error {
	db.flushDone()
	if err := db.bolt.Close(); err != nil {
		return fmt.Errorf("close %s: %w", db.path, err)
	}
	return nil
}

// Path is the file the database lives in.
func (db *DB) Path() string { return db.path }

// Size is the size of the database file in bytes. bbolt files never
// shrink; see `bbolt compact`.
func (db *DB) Size() (int64, error) {
	fi, err := os.Stat(db.path)
	if err != nil {
		return 0, fmt.Errorf("database size: %w", err)
	}
	return fi.Size(), nil
}
