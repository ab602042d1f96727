package main

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/coursebot/coursebot"
	"github.com/coursebot/coursebot/bot"
	"github.com/coursebot/coursebot/course"
	"github.com/coursebot/coursebot/lessons"
	"github.com/coursebot/coursebot/store"
	"github.com/coursebot/coursebot/store/storetest"
)

// An existing 0-byte database is refused by every command with one line;
// console --new-db starts a new one on purpose.
func TestEmptyDatabaseIsRefused(t *testing.T) {
	t.Parallel()
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

// damagedDB writes a coursebot database in dir where 80 Slack learners
// (slack:U000…U079) started Lesson 4.4, then overwrites the root page of
// the progress bucket: every read of anyone's progress meets a damaged page.
func damagedDB(t *testing.T, dir string) string {
	t.Helper()
	path := filepath.Join(dir, "coursebot.db")
	db, err := store.Open(path, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	c, err := course.LoadBuiltin()
	if err != nil {
		t.Fatal(err)
	}
	eng := lessons.NewEngine(c, db, lessons.EngineOptions{Log: discardLogger()})
	for i := range 80 {
		who := coursebot.Learner{Platform: "slack", UserID: fmt.Sprintf("U%03d", i)}
		if _, err := eng.Handle(context.Background(), bot.Message{Learner: who, Kind: bot.KindCommand, Command: "start-4-4"}); err != nil {
			t.Fatal(err)
		}
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	storetest.DamageBucket(t, path, "progress")
	return path
}

// export, forget and check on a damaged file: one line and exit 1, never
// a panic; check lists the problem.
func TestCommandsOnADamagedFile(t *testing.T) {
	t.Parallel()
	path := damagedDB(t, t.TempDir())
	for _, args := range [][]string{
		{"export", "--db", path, "--user", "slack:U001"},
		{"forget", "--db", path, "--user", "slack:U001", "--yes"},
		{"check", path},
	} {
		out, errs, code := runCmd(t, "", args...)
		if code != exitError {
			t.Errorf("%v: exit %d, want %d; stderr %q", args, code, exitError, errs)
		}
		if strings.Count(errs, "\n") != 1 || strings.Contains(errs, "goroutine ") {
			t.Errorf("%v: stderr is not one line: %q", args, errs)
		}
		if args[0] == "check" {
			if !strings.Contains(out, path+": ") || !strings.Contains(errs, "1 problem(s)") {
				t.Errorf("check printed %q / %q", out, errs)
			}
		} else if !strings.Contains(errs, "damaged") {
			t.Errorf("%v: stderr does not say the file is damaged: %q", args, errs)
		}
	}
}

// serve on a damaged file: the learner is told their progress is safe,
// the fault is counted as a recovered panic, /readyz turns 503, and no
// more writes happen.
func TestServeOnADamagedDatabase(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	path := damagedDB(t, dir)
	e := startServeIn(t, dir, "")
	if code, _ := e.get("/readyz"); code != 200 {
		t.Fatalf("/readyz before any fault: %d", code)
	}
	// Told in the command's answer, or through response_url when slow.
	var answers []string
	code, body := e.commandAnswer("U001", "start-4-4")
	if code != http.StatusOK {
		t.Fatalf("/start-4-4: HTTP %d", code)
	}
	answers = append(answers, body)
	e.waitMetric(`coursebot_panics_total{where="store"} 1`)
	e.waitMetric(`coursebot_messages_total{platform="slack",kind="command",name="start-4-4",outcome="error"} 1`)
	before, err := os.ReadFile(path) // bbolt writes in place: the bytes are the committed state
	if err != nil {
		t.Fatal(err)
	}
	// A new learner's first command would write: refused, also told.
	// The inbox cannot keep it either (a write), so it is answered at
	// once in the command's own response, before the engine runs.
	_, body = e.commandAnswer("U999", "start-4-4")
	answers = append(answers, body)
	// A press needs a dedup record first, a write: refused before the
	// engine runs, and the learner is told the same.
	e.press("U002", "Next", "next|4-4|"+e.cards[0].key, 1)
	eventually(t, "the press to be answered", func() bool { return countContaining(e.api, answers, "your progress so far is safe") == 3 })
	for _, base := range []string{e.base, e.admin} {
		if code, body := e.getFrom(base, "/readyz"); code != http.StatusServiceUnavailable || !strings.Contains(body, "store: ") || !strings.Contains(body, "damaged") {
			t.Errorf("%s/readyz after a storage fault: %d %q", base, code, body)
		}
	}
	e.stop()
	if told := countContaining(e.api, answers, "your progress so far is safe"); told != 3 {
		t.Errorf("learners told %d times that their progress is safe, want 3; responses: %q, answers %q", told, e.api.responses, answers)
	}
	logs := e.logs.String()
	if strings.Contains(logs, "worker panic") {
		t.Errorf("a worker panicked:\n%s", tail(logs, 20))
	}
	after, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(before, after) {
		t.Errorf("the damaged file was written to after the fault")
	}
}

// countContaining counts the response_url bodies and the inline answers
// that contain s.
func countContaining(f *fakeAPI, answers []string, s string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	n := 0
	for _, r := range append(slices.Clone(f.responses), answers...) {
		if strings.Contains(r, s) {
			n++
		}
	}
	return n
}
