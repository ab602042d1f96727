package store

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestOpenRefusesEmptyFile(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "coursebot.db")
	if err := os.WriteFile(path, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := Open(path, Options{})
	if !errors.Is(err, ErrEmpty) {
		t.Fatalf("Open(empty file) = %v, want ErrEmpty", err)
	}
	if msg := err.Error(); strings.Contains(msg, "\n") || !strings.Contains(msg, path) || !strings.Contains(msg, "--new-db") {
		t.Errorf("error is not one line naming the file and the way out: %q", msg)
	}
	if fi, err := os.Stat(path); err != nil || fi.Size() != 0 {
		t.Fatalf("the refused file was changed: %v %v", fi, err)
	}

	db, err := Open(path, Options{NewIfEmpty: true})
	if err != nil {
		t.Fatalf("Open(empty, NewIfEmpty) = %v", err)
	}
	defer func() {
		if err := db.Close(); err != nil {
			t.Error(err)
		}
	}()
	if v, err := db.Schema(); err != nil || v != len(migrations()) {
		t.Fatalf("new database schema %d, %v", v, err)
	}
}
