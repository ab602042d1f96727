package store

import (
	"bytes"
	"context"
	"errors"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/coursebot/coursebot"
	bolt "go.etcd.io/bbolt"
)

// openTemp opens a fresh database in t.TempDir and closes it at cleanup.
func openTemp(t testing.TB, opts Options) *DB {
	t.Helper()
	db, err := Open(filepath.Join(t.TempDir(), "coursebot.db"), opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := db.Close(); err != nil {
			t.Error(err)
		}
	})
	return db
}

// rawFile writes a bbolt file directly, bypassing Open, for schema tests.
func rawFile(t *testing.T, fill func(tx *bolt.Tx) error) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "raw.db")
	bdb, err := bolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := bdb.Update(fill); err != nil {
		t.Fatal(err)
	}
	if err := bdb.Close(); err != nil {
		t.Fatal(err)
	}
	return path
}

func putSchemaRaw(tx *bolt.Tx, v string) error {
	b, err := tx.CreateBucketIfNotExists(bucketMeta)
	if err != nil {
		return err
	}
	return b.Put(keySchema, []byte(v))
}

func TestOpenNewFile(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "new.db")
	db, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		if err := db.Close(); err != nil {
			t.Error(err)
		}
	}()
	if db.Path() != path {
		t.Errorf("Path() = %q, want %q", db.Path(), path)
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if mode := fi.Mode().Perm(); mode&0o077 != 0 {
		t.Errorf("file mode %v, want no group/other access", mode)
	}
	v, err := db.Schema()
	if err != nil {
		t.Fatal(err)
	}
	if want := len(migrations()); v != want {
		t.Errorf("schema %d, want %d", v, want)
	}
	size, err := db.Size()
	if err != nil {
		t.Fatal(err)
	}
	if size != fi.Size() || size == 0 {
		t.Errorf("Size() = %d, file is %d bytes", size, fi.Size())
	}
	if err := db.bolt.View(func(tx *bolt.Tx) error {
		for _, name := range allBuckets() {
			if tx.Bucket(name) == nil {
				t.Errorf("bucket %s missing", name)
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
}

func TestOpenLocked(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "locked.db")
	first, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	second, err := Open(path, Options{LockTimeout: 50 * time.Millisecond})
	if err == nil {
		if err := second.Close(); err != nil {
			t.Error(err)
		}
		t.Fatal("second Open of a locked file succeeded")
	}
	if !errors.Is(err, ErrLocked) {
		t.Errorf("error %v, want ErrLocked", err)
	}
	if !strings.Contains(err.Error(), path) {
		t.Errorf("error %q does not name the file", err)
	}
	if err := first.Close(); err != nil {
		t.Fatal(err)
	}
	again, err := Open(path, Options{LockTimeout: 50 * time.Millisecond})
	if err != nil {
		t.Fatalf("open after the first Close: %v", err)
	}
	if err := again.Close(); err != nil {
		t.Fatal(err)
	}
}

// TestOpenNotCoursebot opens files that are not coursebot databases: each
// must give an error naming the file, no panic, and leave the file as it
// was.
func TestOpenNotCoursebot(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(1, 2))
	random := func(n int) []byte {
		b := make([]byte, n)
		for i := range b {
			b[i] = byte(rng.Uint32())
		}
		return b
	}
	// A real coursebot file with data, to damage.
	valid := func(t *testing.T) []byte {
		path := filepath.Join(t.TempDir(), "valid.db")
		db, err := Open(path, Options{})
		if err != nil {
			t.Fatal(err)
		}
		for i := range 50 {
			if _, _, err := db.UpdateProgress(context.Background(), "slack:U"+string(rune('A'+i%26))+strings.Repeat("x", i), "1-1",
				func(_ *coursebot.LearnerRecord, p *coursebot.Progress) error {
					p.Card = strings.Repeat("c", 500)
					return nil
				}); err != nil {
				t.Fatal(err)
			}
		}
		if err := db.Close(); err != nil {
			t.Error(err)
		}
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		return data
	}
	pageSize := os.Getpagesize()

	tests := []struct {
		name    string
		content func(t *testing.T) []byte
		want    string
	}{
		{"random bytes", func(*testing.T) []byte { return random(64 << 10) }, "invalid database"},
		{"text file", func(*testing.T) []byte { return []byte("learners:\n  - alice\n  - bob\n") }, ""},
		{"both meta pages damaged", func(t *testing.T) []byte {
			data := valid(t)
			copy(data[64:128], random(64))
			copy(data[pageSize+64:pageSize+128], random(64))
			return data
		}, ""},
		{"garbage after the meta pages", func(t *testing.T) []byte {
			data := valid(t)
			copy(data[2*pageSize:], random(len(data)-2*pageSize))
			return data
		}, ""},
		{"someone else's bbolt file", func(t *testing.T) []byte {
			path := rawFile(t, func(tx *bolt.Tx) error {
				b, err := tx.CreateBucket([]byte("widgets"))
				if err != nil {
					return err
				}
				return b.Put([]byte("w1"), []byte("{}"))
			})
			data, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			return data
		}, `unexpected bucket "widgets"`},
		{"meta bucket without schema", func(t *testing.T) []byte {
			path := rawFile(t, func(tx *bolt.Tx) error { _, err := tx.CreateBucket(bucketMeta); return err })
			data, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			return data
		}, "without a schema version"},
		{"schema not a number", func(t *testing.T) []byte {
			path := rawFile(t, func(tx *bolt.Tx) error { return putSchemaRaw(tx, "one") })
			data, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			return data
		}, `schema version "one"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			content := tt.content(t)
			path := filepath.Join(t.TempDir(), "bad.db")
			if err := os.WriteFile(path, content, 0o600); err != nil {
				t.Fatal(err)
			}
			db, err := Open(path, Options{LockTimeout: 100 * time.Millisecond})
			if err == nil {
				if err := db.Close(); err != nil {
					t.Error(err)
				}
				t.Fatal("Open succeeded")
			}
			if !errors.Is(err, ErrNotCoursebot) {
				t.Errorf("error %v does not wrap ErrNotCoursebot", err)
			}
			if want := path + " is not a coursebot database"; !strings.Contains(err.Error(), want) {
				t.Errorf("error %q does not contain %q", err, want)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %q does not contain %q", err, tt.want)
			}
			after, rerr := os.ReadFile(path)
			if rerr != nil {
				t.Fatal(rerr)
			}
			if !bytes.Equal(after, content) {
				t.Error("failed Open changed the file")
			}
			// The failed Open released the file: a second try is refused
			// for the same reason, not with ErrLocked.
			if _, err := Open(path, Options{LockTimeout: 100 * time.Millisecond}); errors.Is(err, ErrLocked) || err == nil {
				t.Errorf("second Open: %v, want the same refusal", err)
			}
		})
	}
}

func TestOpenNewerSchema(t *testing.T) {
	t.Parallel()
	path := rawFile(t, func(tx *bolt.Tx) error { return putSchemaRaw(tx, "99") })
	before, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	db, err := Open(path, Options{})
	if err == nil {
		if err := db.Close(); err != nil {
			t.Error(err)
		}
		t.Fatal("Open of a newer schema succeeded")
	}
	if !errors.Is(err, ErrNewerSchema) {
		t.Errorf("error %v does not wrap ErrNewerSchema", err)
	}
	for _, want := range []string{path, "written by a newer coursebot (schema 99)"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not contain %q", err, want)
		}
	}
	after, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(before, after) {
		t.Error("refused Open changed the file")
	}
}

// TestOpenMigratesSchema0 opens a file written at schema 0 with the real
// migration table.
func TestOpenMigratesSchema0(t *testing.T) {
	t.Parallel()
	path := rawFile(t, func(tx *bolt.Tx) error {
		if err := putSchemaRaw(tx, "0"); err != nil {
			return err
		}
		b, err := tx.CreateBucket(bucketProgress)
		if err != nil {
			return err
		}
		return b.Put(progressKey("slack:U1", "1-1"), []byte(`{"lesson":"1-1","card":"intro"}`))
	})
	db, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		if err := db.Close(); err != nil {
			t.Error(err)
		}
	}()
	v, err := db.Schema()
	if err != nil {
		t.Fatal(err)
	}
	if v != len(migrations()) {
		t.Errorf("schema after migration %d, want %d", v, len(migrations()))
	}
	p, err := db.Progress(context.Background(), "slack:U1", "1-1")
	if err != nil {
		t.Fatal(err)
	}
	if p.Card != "intro" {
		t.Errorf("progress after migration %+v, want card intro", p)
	}
}

// TestOpenMigrationTable runs a migration table with a data-changing step:
// each step runs once, in order, in one transaction with the version bump,
// and a failing step leaves the file untouched.
func TestOpenMigrationTable(t *testing.T) {
	t.Parallel()
	var ran []int
	renameLearners := func(tx *bolt.Tx) error {
		ran = append(ran, 1)
		b := tx.Bucket(bucketLearners)
		return b.Put([]byte("slack:U1"), []byte(`{"key":"slack:U1","name":"migrated"}`))
	}
	base := migrations()
	good := append(append([]migration{}, base...), renameLearners)
	bad := append(append([]migration{}, good...), func(tx *bolt.Tx) error {
		ran = append(ran, 2)
		if err := tx.Bucket(bucketLearners).Put([]byte("slack:U1"), []byte(`{"name":"half-done"}`)); err != nil {
			return err
		}
		return errors.New("disk on fire")
	})

	path := filepath.Join(t.TempDir(), "m.db")
	db, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}

	db, err = open(path, Options{}, good)
	if err != nil {
		t.Fatal(err)
	}
	if v, _ := db.Schema(); v != len(good) {
		t.Errorf("schema %d, want %d", v, len(good))
	}
	rec, err := db.Learner(context.Background(), "slack:U1")
	if err != nil {
		t.Fatal(err)
	}
	if rec.Name != "migrated" {
		t.Errorf("learner %+v, migration did not run", rec)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}

	// Reopening at the same version runs nothing.
	db, err = open(path, Options{}, good)
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	if len(ran) != 1 {
		t.Errorf("migration steps run: %v, want [1]", ran)
	}

	if _, err := open(path, Options{}, bad); err == nil || !strings.Contains(err.Error(), "disk on fire") || !strings.Contains(err.Error(), path) {
		t.Fatalf("failing migration: %v", err)
	}
	db, err = open(path, Options{}, good)
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		if err := db.Close(); err != nil {
			t.Error(err)
		}
	}()
	if v, _ := db.Schema(); v != len(good) {
		t.Errorf("schema after failed migration %d, want %d", v, len(good))
	}
	if rec, _ := db.Learner(context.Background(), "slack:U1"); rec.Name != "migrated" {
		t.Errorf("failed migration left a partial write: %+v", rec)
	}
}

func TestReopenKeepsEverything(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "keep.db")
	at := time.Date(2025, 3, 4, 5, 6, 7, 0, time.UTC)
	db, err := Open(path, Options{Now: func() time.Time { return at }})
	if err != nil {
		t.Fatal(err)
	}
	wantRec, wantProg, err := db.UpdateProgress(ctx, "discord:42", "2-3", func(r *coursebot.LearnerRecord, p *coursebot.Progress) error {
		r.Name, r.Active, r.LastSeen = "Ada", "2-3", at
		p.Card, p.CardIndex, p.Started, p.Updated = "step-2", 4, at, at
		p.Answers = map[string]coursebot.Answer{"q1": {Text: "because", At: at}}
		p.Checks = map[string]bool{"c1": true}
		p.Ratings = map[string]int{"r1": 4}
		p.Skipped = map[string]bool{"q2": true}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	thread := coursebot.Thread{Platform: "discord", Learner: "discord:42", Lesson: "2-3", Channel: "C9", ThreadID: "T9"}
	if err := db.PutThread(ctx, thread); err != nil {
		t.Fatal(err)
	}
	if !accept(t, db, "discord:42", "interaction\x00abc") {
		t.Fatal("a new dedup id counted as seen")
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}

	db, err = Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		if err := db.Close(); err != nil {
			t.Error(err)
		}
	}()
	rec, err := db.Learner(ctx, "discord:42")
	if err != nil {
		t.Fatal(err)
	}
	if rec != wantRec {
		t.Errorf("learner after reopen %+v, want %+v", rec, wantRec)
	}
	prog, err := db.Progress(ctx, "discord:42", "2-3")
	if err != nil {
		t.Fatal(err)
	}
	assertProgress(t, prog, wantProg)
	got, ok, err := db.ThreadFor(ctx, "discord", "discord:42", "2-3")
	if err != nil || !ok {
		t.Fatalf("ThreadFor after reopen: %v %v", ok, err)
	}
	thread.Updated = at
	if got != thread {
		t.Errorf("thread after reopen %+v, want %+v", got, thread)
	}
	if accept(t, db, "discord:42", "interaction\x00abc") {
		t.Error("a dedup id was forgotten across a reopen")
	}
}

func TestBackup(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := openTemp(t, Options{})
	for i := range 20 {
		learner := "slack:U" + strings.Repeat("1", i+1)
		if _, _, err := db.UpdateProgress(ctx, learner, "1-1", func(r *coursebot.LearnerRecord, p *coursebot.Progress) error {
			r.Name = learner
			p.Card = "c"
			return nil
		}); err != nil {
			t.Fatal(err)
		}
	}

	// Writers keep going during the backup.
	stop := make(chan struct{})
	done := make(chan error)
	go func() {
		n := 0
		for {
			select {
			case <-stop:
				done <- nil
				return
			default:
			}
			n++
			if _, _, err := db.UpdateProgress(ctx, "slack:busy", "1-1", func(_ *coursebot.LearnerRecord, p *coursebot.Progress) error {
				p.CardIndex = n
				return nil
			}); err != nil {
				done <- err
				return
			}
		}
	}()

	var buf bytes.Buffer
	n, err := db.Backup(&buf)
	if err != nil {
		t.Fatal(err)
	}
	if n != int64(buf.Len()) || n == 0 {
		t.Errorf("Backup returned %d, wrote %d bytes", n, buf.Len())
	}
	dir := t.TempDir()
	backup := filepath.Join(dir, "backup.db")
	// A stale tmp file with a loose mode must not survive into the backup.
	if err := os.WriteFile(backup+".tmp", []byte("stale"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := db.BackupFile(backup); err != nil {
		t.Fatal(err)
	}
	close(stop)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(backup)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("backup mode %v, want 0600", fi.Mode().Perm())
	}
	if _, err := os.Stat(backup + ".tmp"); !os.IsNotExist(err) {
		t.Errorf("tmp file left behind: %v", err)
	}

	streamed := filepath.Join(dir, "streamed.db")
	if err := os.WriteFile(streamed, buf.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{backup, streamed} {
		b, err := Open(path, Options{})
		if err != nil {
			t.Fatalf("open backup: %v", err)
		}
		learners, err := b.Learners(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(learners) < 20 {
			t.Errorf("%s holds %d learners, want at least 20", filepath.Base(path), len(learners))
		}
		rec, err := b.Learner(ctx, "slack:U111")
		if err != nil || rec.Name != "slack:U111" {
			t.Errorf("%s: learner slack:U111 = %+v, %v", filepath.Base(path), rec, err)
		}
		if err := b.bolt.View(func(tx *bolt.Tx) error {
			var errs []error
			for err := range tx.Check() { // drain: the checker owns tx until it closes the channel
				errs = append(errs, err)
			}
			return errors.Join(errs...)
		}); err != nil {
			t.Errorf("%s fails bbolt's consistency check: %v", filepath.Base(path), err)
		}
		if err := b.Close(); err != nil {
			t.Error(err)
		}
	}
}
