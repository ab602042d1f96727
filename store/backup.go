package store

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	bolt "go.etcd.io/bbolt"
)

// Backup writes a consistent copy of the whole database to w from one read
// transaction, which lasts as long as w takes: use it for a local file. A
// copy for a reader that may be slow or stop (a network client) comes from
// Snapshot, which does not make writers wait for that reader. It returns
// the bytes written.
func (db *DB) Backup(w io.Writer) (int64, error) {
	var n int64
	err := db.bolt.View(func(tx *bolt.Tx) error {
		var err error
		n, err = tx.WriteTo(w)
		return err
	})
	if err != nil {
		return n, fmt.Errorf("backup %s: %w", db.path, err)
	}
	return n, nil
}

// A Snapshot is a consistent copy of the database in a temporary file,
// open at its start: read it, then Close it.
type Snapshot struct {
	*os.File
	Size int64
	// name is the file still to remove at Close (where an open file
	// cannot be unlinked); "" once it is gone.
	name string
}

// Close closes the copy and frees its space.
func (s *Snapshot) Close() error {
	err := s.File.Close()
	if s.name != "" {
		if rerr := os.Remove(s.name); rerr != nil && err == nil {
			err = rerr
		}
	}
	return err
}

// Snapshot copies the database, consistent, to a temporary file next to
// it. The read transaction lasts only as long as that local copy takes at
// disk speed: a read transaction keeps bbolt from reusing the pages freed
// after it began, and a write that must then grow the file past its memory
// map waits for every reader, and every later write waits behind it. So
// the copy is made first, and the caller streams it at whatever speed its
// reader takes. The file is unlinked at once (on systems that allow it):
// it takes as much free space as the database until Close, and a crash
// leaves nothing behind.
func (db *DB) Snapshot() (*Snapshot, error) {
	f, err := os.CreateTemp(filepath.Dir(db.path), "."+filepath.Base(db.path)+".snapshot-*")
	if err != nil {
		return nil, fmt.Errorf("snapshot %s: %w", db.path, err)
	}
	s := &Snapshot{File: f}
	if err := os.Remove(f.Name()); err != nil {
		s.name = f.Name()
	}
	s.Size, err = db.Backup(f)
	if err == nil {
		_, err = f.Seek(0, io.SeekStart)
	}
	if err != nil {
		_ = s.Close()
		return nil, fmt.Errorf("snapshot %s: %w", db.path, err)
	}
	return s, nil
}

// BackupFile writes a consistent copy of the database to path (mode 0600):
// first to path.tmp, fsynced, then renamed over path, so path is either the
// old backup or the complete new one.
func (db *DB) BackupFile(path string) error {
	return writeAtomic(path, func(w io.Writer) error { _, err := db.Backup(w); return err }, nil)
}

// WriteBackup writes what fill writes (a copy from DB.Backup, or one
// streamed from a running bot) to path like BackupFile, and checks the
// copy (Check, waiting up to timeout for its lock) before renaming it over
// path: a copy that is not a sound coursebot database never replaces a
// good older one. It returns what Check found.
func WriteBackup(path string, fill func(io.Writer) error, timeout time.Duration) (CheckReport, error) {
	var rep CheckReport
	err := writeAtomic(path, fill, func(tmp string) error {
		var err error
		rep, err = Check(tmp, timeout)
		if err != nil {
			return err
		}
		if len(rep.Problems) > 0 {
			return fmt.Errorf("the copy fails its check (%d problem(s), first: %s); %s was left as it was", len(rep.Problems), rep.Problems[0], path)
		}
		return nil
	})
	return rep, err
}

// writeAtomic writes fill's output to path.tmp, fsyncs it, runs verify on
// it (when not nil) and renames it over path, fsyncing the directory.
func writeAtomic(path string, fill func(io.Writer) error, verify func(tmp string) error) (err error) {
	tmp := path + ".tmp"
	// A leftover tmp file may have a looser mode: start from scratch.
	if err := os.Remove(tmp); err != nil && !os.IsNotExist(err) {
		return fmt.Errorf("backup to %s: %w", path, err)
	}
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return fmt.Errorf("backup to %s: %w", path, err)
	}
	closed := false
	defer func() {
		if err != nil {
			if !closed {
				_ = f.Close()
			}
			_ = os.Remove(tmp)
		}
	}()
	if err := fill(f); err != nil {
		return err
	}
	if err := f.Sync(); err != nil {
		return fmt.Errorf("backup to %s: %w", path, err)
	}
	closed = true
	if err := f.Close(); err != nil {
		return fmt.Errorf("backup to %s: %w", path, err)
	}
	if verify != nil {
		if err := verify(tmp); err != nil {
			return err
		}
	}
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("backup to %s: %w", path, err)
	}
	// Make the rename itself durable.
	if d, err := os.Open(filepath.Dir(path)); err == nil {
		_ = d.Sync()
		_ = d.Close()
	}
	return nil
}
