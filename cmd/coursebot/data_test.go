package main

import (
	"bytes"
	"context"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"github.com/coursebot/coursebot"
	"github.com/coursebot/coursebot/bot"
	"github.com/coursebot/coursebot/course"
	"github.com/coursebot/coursebot/lessons"
	"github.com/coursebot/coursebot/store"
)

// learnerDB makes a database where slack:U1 and slack:U2 started Lesson
// 4.4 through the engine.
func learnerDB(t *testing.T) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "coursebot.db")
	db, err := store.Open(path, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		if err := db.Close(); err != nil {
			t.Error(err)
		}
	}()
	c, err := course.LoadBuiltin()
	if err != nil {
		t.Fatal(err)
	}
	eng := lessons.NewEngine(c, db, lessons.EngineOptions{Log: discardLogger()})
	for _, u := range []string{"U1", "U2"} {
		who := coursebot.Learner{Platform: "slack", UserID: u}
		if _, err := eng.Handle(context.Background(), bot.Message{Learner: who, Kind: bot.KindCommand, Command: "start-4-4"}); err != nil {
			t.Fatal(err)
		}
	}
	return path
}

func runCmd(t *testing.T, stdin string, args ...string) (string, string, int) {
	t.Helper()
	var out, errb bytes.Buffer
	code := run(context.Background(), args, strings.NewReader(stdin), &out, &errb, func(string) string { return "" })
	return out.String(), errb.String(), code
}

func TestExport(t *testing.T) {
	t.Parallel()
	db := learnerDB(t)
	out, errs, code := runCmd(t, "", "export", "--db", db, "--user", "slack:U1")
	if code != exitOK {
		t.Fatalf("export: exit %d: %s", code, errs)
	}
	var got store.LearnerExport
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatalf("export is not JSON: %v\n%s", err, out)
	}
	if !got.Found || got.Learner.Key != "slack:U1" || len(got.Progress) != 1 || got.Progress[0].Lesson != "4-4" {
		t.Errorf("export: %+v", got)
	}
	if _, _, code := runCmd(t, "", "export", "--db", db, "--user", "slack:"); code != exitUsage {
		t.Errorf("export with a bad --user: exit %d, want %d", code, exitUsage)
	}
}

// TestExportAndForgetTakeTheConsoleName: the console says "you are
// learner2"; export and forget take that name as it is.
func TestExportAndForgetTakeTheConsoleName(t *testing.T) {
	t.Parallel()
	db := filepath.Join(t.TempDir(), "c.db")
	if _, errs, code := runCmd(t, "/start-4-4\n", "console", "--db", db, "--user", "learner2"); code != exitOK {
		t.Fatalf("console: exit %d: %s", code, errs)
	}
	out, errs, code := runCmd(t, "", "export", "--db", db, "--user", "learner2")
	if code != exitOK || !strings.Contains(out, `"key": "console:learner2"`) || !strings.Contains(out, `"found": true`) {
		t.Fatalf("export --user learner2: exit %d\n%s%s", code, out, errs)
	}
	out, errs, code = runCmd(t, "", "forget", "--db", db, "--user", "learner2", "--yes")
	if code != exitOK || !strings.Contains(out, "about console:learner2") {
		t.Fatalf("forget --user learner2: exit %d\n%s%s", code, out, errs)
	}
}

func TestForgetCommand(t *testing.T) {
	t.Parallel()
	db := learnerDB(t)
	out, errs, code := runCmd(t, "no\n", "forget", "--db", db, "--user", "slack:U1")
	if code != exitError || !strings.Contains(errs, "not confirmed; nothing deleted") || !strings.Contains(out, "1 lesson(s)") {
		t.Errorf("forget answered no: exit %d\n%s%s", code, out, errs)
	}
	if out, _, _ := runCmd(t, "", "export", "--db", db, "--user", "slack:U1"); !strings.Contains(out, `"found": true`) {
		t.Fatalf("declined forget deleted data:\n%s", out)
	}
	out, errs, code = runCmd(t, "yes\n", "forget", "--db", db, "--user", "slack:U1")
	if code != exitOK || !strings.Contains(out, "deleted 2 record(s) about slack:U1") {
		t.Errorf("forget answered yes: exit %d\n%s%s", code, out, errs)
	}
	if out, _, _ := runCmd(t, "", "export", "--db", db, "--user", "slack:U1"); !strings.Contains(out, `"found": false`) {
		t.Errorf("after forget, export still finds data:\n%s", out)
	}
	out, _, code = runCmd(t, "", "forget", "--db", db, "--user", "slack:U2", "--yes")
	if code != exitOK || !strings.Contains(out, "deleted 2 record(s)") {
		t.Errorf("forget --yes: exit %d: %s", code, out)
	}
	out, _, code = runCmd(t, "", "forget", "--db", db, "--user", "slack:U2", "--yes")
	if code != exitOK || !strings.Contains(out, "nothing is kept about slack:U2") {
		t.Errorf("forget twice: exit %d: %s", code, out)
	}
}

func TestCompactCommand(t *testing.T) {
	t.Parallel()
	db := learnerDB(t)
	dst := filepath.Join(t.TempDir(), "small.db")
	out, errs, code := runCmd(t, "", "compact", db, dst)
	if code != exitOK || !strings.Contains(out, "compacted") {
		t.Fatalf("compact: exit %d: %s%s", code, out, errs)
	}
	if out, _, _ := runCmd(t, "", "export", "--db", dst, "--user", "slack:U2"); !strings.Contains(out, `"found": true`) {
		t.Errorf("compacted copy lost a learner:\n%s", out)
	}
	if _, errs, code := runCmd(t, "", "compact", db, dst); code != exitError || !strings.Contains(errs, "exists") {
		t.Errorf("compact onto an existing file: exit %d: %s", code, errs)
	}
	if _, _, code := runCmd(t, "", "compact", db); code != exitUsage {
		t.Errorf("compact with one argument: exit %d", code)
	}
}
