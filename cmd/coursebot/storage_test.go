package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// An existing 0-byte database is refused by every command with one line;
// console --new-db starts a new one on purpose.
func TestEmptyDatabaseIsRefused(t *testing.T) {
	path := filepath.Join(t.TempDir(), "coursebot.db")
	if err := os.WriteFile(path, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{
		{"console", "--db", path, "--user", "alice"},
		{"export", "--db", path, "--user", "slack:U1"},
		{"backup", "--db", path, filepath.Join(t.TempDir(), "copy.db")},
	} {
		_, errs, code := runCmd(t, "/status\n", args...)
		if code != exitError {
			t.Fatalf("%v: exit %d, want %d; stderr %q", args, code, exitError, errs)
		}
		if strings.Count(errs, "\n") != 1 || !strings.Contains(errs, "is empty (0 bytes)") || !strings.Contains(errs, "--new-db") {
			t.Errorf("%v: stderr is not one clear line: %q", args, errs)
		}
	}
	if fi, err := os.Stat(path); err != nil || fi.Size() != 0 {
		t.Fatalf("a refused command changed the file: %v %v", fi, err)
	}
	if _, errs, code := runCmd(t, "/start-4-4\n", "console", "--db", path, "--user", "alice", "--new-db"); code != exitOK {
		t.Fatalf("console --new-db: exit %d: %s", code, errs)
	}
	if out, errs, code := runCmd(t, "", "export", "--db", path, "--user", "console:alice"); code != exitOK || !strings.Contains(out, `"4-4"`) {
		t.Fatalf("export after --new-db: exit %d: %s %s", code, errs, out)
	}
}
