package store

import (
	"errors"
	"fmt"
	"os"
	"time"

	bolt "go.etcd.io/bbolt"
)

// CompactTo writes a compacted copy of the database to path, which must not
// exist: bbolt files never shrink, so after many learners are forgotten (or
// dedup records pruned) the copy is smaller. The copy is written to
// path.tmp, fsynced and renamed; it returns the new file's size.
func (db *DB) CompactTo(path string) (int64, error) {
	if _, err := os.Stat(path); err == nil {
		return 0, fmt.Errorf("compact to %s: %w", path, os.ErrExist)
	} else if !errors.Is(err, os.ErrNotExist) {
		return 0, fmt.Errorf("compact to %s: %w", path, err)
	}
	tmp := path + ".tmp"
	if err := os.Remove(tmp); err != nil && !errors.Is(err, os.ErrNotExist) {
		return 0, fmt.Errorf("compact to %s: %w", path, err)
	}
	dst, err := bolt.Open(tmp, 0o600, &bolt.Options{Timeout: time.Second, FreelistType: bolt.FreelistMapType})
	if err != nil {
		return 0, fmt.Errorf("compact to %s: %w", path, err)
	}
	// 64 MiB per transaction bounds memory on big files.
	if err := compact(dst, db.bolt, 64<<20); err != nil {
		_ = dst.Close()
		_ = os.Remove(tmp)
		return 0, fmt.Errorf("compact %s to %s: %w", db.path, path, err)
	}
	if err := dst.Close(); err != nil {
		_ = os.Remove(tmp)
		return 0, fmt.Errorf("compact to %s: %w", path, err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return 0, fmt.Errorf("compact to %s: %w", path, err)
	}
	fi, err := os.Stat(path)
	if err != nil {
		return 0, fmt.Errorf("compact to %s: %w", path, err)
	}
	return fi.Size(), nil
}

// compact is bolt.Compact with a panic on a damaged page turned into
// ErrDamaged, as the store's own transactions do.
func compact(dst *bolt.DB, src *guarded, txMaxSize int64) (err error) {
	defer src.recoverFault(&err)
	return bolt.Compact(dst, src.DB, txMaxSize)
}
