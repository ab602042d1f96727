// Package storetest makes damaged database files for tests, the same way
// every time: a valid coursebot database with one page overwritten.
package storetest

import (
	"os"
	"testing"

	bolt "go.etcd.io/bbolt"
)

// DamageBucket overwrites the header of the root page of bucket in the
// closed database at path, so that every read of that bucket meets a page
// of no known type (bbolt panics on it; tx.Check reports it). The bucket
// must hold enough to have a page of its own (not inline in its parent),
// else the test fails.
func DamageBucket(t testing.TB, path, bucket string) {
	t.Helper()
	db, err := bolt.Open(path, 0o600, &bolt.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	var root uint64
	err = db.View(func(tx *bolt.Tx) error {
		if b := tx.Bucket([]byte(bucket)); b != nil {
			root = uint64(b.Root())
		}
		return nil
	})
	size := db.Info().PageSize
	if cerr := db.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		t.Fatal(err)
	}
	if root == 0 {
		t.Fatalf("bucket %s has no page of its own in %s: put more in it", bucket, path)
	}
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	// Closed again below, checked; this one only covers the early Fatals.
	defer func() { _ = f.Close() }()
	// The page header: id (8 bytes), flags (2), count (2), overflow (4).
	// Flags 0 is no page type bbolt knows.
	if _, err := f.WriteAt([]byte{0, 0}, int64(root)*int64(size)+8); err != nil {
		t.Fatal(err)
	}
	if err := f.Sync(); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
}
