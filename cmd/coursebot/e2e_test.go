package main

import (
	"bufio"
	"bytes"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/coursebot/coursebot/bot"
	"github.com/coursebot/coursebot/bot/bottest"
	"github.com/coursebot/coursebot/store"
)

var (
	buildOnce sync.Once
	binPath   string
	buildErr  error
)

// binary builds coursebot once per test run, as a user would run it.
func binary(t testing.TB) string {
	t.Helper()
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "coursebot-e2e")
		if err != nil {
			buildErr = err
			return
		}
		binPath = filepath.Join(dir, "coursebot")
		out, err := exec.Command("go", "build", "-o", binPath, ".").CombinedOutput()
		if err != nil {
			buildErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return binPath
}

// runCLI runs the coursebot binary with stdin and returns stdout, stderr and the exit code.
func runCLI(t *testing.T, stdin string, args ...string) (string, string, int) {
	t.Helper()
	cmd := exec.Command(binary(t), args...)
	cmd.Stdin = strings.NewReader(stdin)
	cmd.Env = []string{"HOME=" + t.TempDir(), "PATH=" + os.Getenv("PATH")}
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatalf("run coursebot: %v", err)
	}
	return out.String(), errb.String(), code
}

// lessonInput is what a learner types to go through cards [from, to) of
// Lesson 4.4 in the console: tick every checklist item, rate every item,
// answer every question, then next. It uses the console's numbering:
// items from 1, then buttons; a checklist's items are ticked in one line
// ("1 2 3").
func lessonInput(t *testing.T, from, to int) string {
	t.Helper()
	replies := bottest.Lesson44(t)
	var in strings.Builder
	for i := from; i < to; i++ {
		r := replies[i]
		n := 0
		for _, b := range r.Blocks {
			var ticks []string
			for j := range b.Items {
				n++
				switch b.Kind {
				case bot.BlockChecklist:
					ticks = append(ticks, fmt.Sprint(n))
				case bot.BlockRating:
					fmt.Fprintf(&in, "%d %d\n", n, 1+j%5)
				}
			}
			if len(ticks) > 0 {
				fmt.Fprintf(&in, "%s\n", strings.Join(ticks, " "))
			}
			if b.Kind == bot.BlockQuestion {
				fmt.Fprintf(&in, "My answer to %q is a thoughtful one.\n", b.Question.Prompt)
			}
		}
		if i == len(replies)-1 {
			in.WriteString("finish\n")
		} else {
			in.WriteString("next\n")
		}
	}
	return in.String()
}

func TestConsoleWholeLessonAcrossTwoRuns(t *testing.T) {
	t.Parallel()
	db := filepath.Join(t.TempDir(), "learner.db")
	// First run: start, go halfway, end of input.
	in := "/start-4-4\n" + lessonInput(t, 0, 20)
	out, errOut, code := runCLI(t, in, "console", "--db", db, "--user", "alice")
	if code != 0 {
		t.Fatalf("first run exit %d\nstderr: %s", code, errOut)
	}
	for _, want := range []string{"== Lesson 4.4: Putting It All Together (Capstone) ==", "Saved your answer.",
		"MLOps is the discipline of reliably delivering ML systems to production and keeping them healthy.",
		"[x] project/src/data.py", "card 21 of 41"} {
		if !strings.Contains(out, want) {
			t.Errorf("first run output lacks %q", want)
		}
	}
	// Second run: the bot remembers where alice was.
	in = "/start-4-4\nresume\n" + lessonInput(t, 20, 41) + "/status\n"
	out, errOut, code = runCLI(t, in, "console", "--db", db, "--user", "alice")
	if code != 0 {
		t.Fatalf("second run exit %d\nstderr: %s", code, errOut)
	}
	for _, want := range []string{"Welcome back to Lesson 4.4. You are on card 21 of 41", "●●●○○ 3  Cloud deployment",
		"You completed Lesson 4.4", "Questions answered: 3 of 3", "Checklist items ticked: 67 of 67",
		"Self-assessment items rated: 16 of 16", "✅ 4.4 Capstone: completed", "⬜ 1.1 Welcome & Setup: not started (material not installed yet)",
		"Problem framing and success metrics (rated 1): revisit with"} {
		if !strings.Contains(out, want) {
			t.Errorf("second run output lacks %q", want)
		}
	}
	if t.Failed() {
		t.Logf("output:\n%s", out)
	}
	// Another learner on the same database starts fresh.
	out, _, _ = runCLI(t, "/status\n", "console", "--db", db, "--user", "bob")
	if !strings.Contains(out, "⬜ 4.4 Capstone: not started") {
		t.Errorf("bob's status: %s", out)
	}
}

func TestConsoleBadInputGetsClearAnswers(t *testing.T) {
	t.Parallel()
	db := filepath.Join(t.TempDir(), "x.db")
	out, _, code := runCLI(t, "/start-9-9\n/nope\n42\n/start-4-4\n99\n", "console", "--db", db)
	if code != 0 {
		t.Fatalf("exit %d", code)
	}
	for _, want := range []string{"There is no lesson 9.9", "There is no /nope command. Commands:", "No question is waiting", "There is no choice 99 here: pick 1 to 2."} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
}

func TestCommandLineFailuresExitNonZeroWithOneClearLine(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	locked := filepath.Join(dir, "locked.db")
	held, err := store.Open(locked, store.Options{LockTimeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		if err := held.Close(); err != nil {
			t.Error(err)
		}
	}()
	corrupt := filepath.Join(dir, "corrupt.db")
	if err := os.WriteFile(corrupt, bytes.Repeat([]byte("not a database "), 1000), 0o600); err != nil {
		t.Fatal(err)
	}
	badConfig := filepath.Join(dir, "bad.yaml")
	if err := os.WriteFile(badConfig, []byte("store:\n  paht: x.db\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	badCourse := filepath.Join(dir, "course")
	if err := os.MkdirAll(filepath.Join(badCourse, "commands"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(badCourse, "commands", "start-1-1.md"), []byte("# Lesson 1.1: X\n\nRead the lesson content from `gone.md`.\n\n## Lesson Flow\n\n### One\nHi.\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		args []string
		code int
		want string
	}{
		{"locked database", []string{"console", "--db", locked}, 1, "in use by another coursebot process"},
		{"corrupt database", []string{"console", "--db", corrupt}, 1, "corrupt.db"},
		{"bad config", []string{"console", "--config", badConfig}, 1, `unknown key "store.paht"`},
		{"bad course", []string{"console", "--course", badCourse, "--db", filepath.Join(dir, "c.db")}, 1, `start-1-1.md:3: lesson module "gone.md" not found`},
		{"check bad course", []string{"lessons", "check", badCourse}, 1, "commands/start-1-1.md:7: step heading \"One\" should read"},
		{"outline unknown lesson", []string{"lessons", "outline", "9-9"}, 1, `lesson "9-9" has no material`},
		{"unknown command", []string{"fly"}, 2, `unknown command "fly"`},
		{"console extra argument", []string{"console", "oops"}, 2, `unexpected argument "oops"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, errOut, code := runCLI(t, "", tt.args...)
			if code != tt.code || !strings.Contains(out+errOut, tt.want) {
				t.Errorf("exit %d, want %d; output %q + %q, want %q", code, tt.code, out, errOut, tt.want)
			}
			if strings.Contains(errOut, "panic") || strings.Contains(errOut, "goroutine ") {
				t.Errorf("panicked: %s", errOut)
			}
		})
	}
}

func TestLessonsCheckAndOutlineOnTheBuiltInCourse(t *testing.T) {
	t.Parallel()
	out, errOut, code := runCLI(t, "", "lessons", "outline", "4-4")
	if code != 0 || !strings.Contains(out, "Step 3. Architecture Review (15 min)") || !strings.Contains(out, "rating    16 items") {
		t.Errorf("outline: exit %d %s %s", code, out, errOut)
	}
	out, _, code = runCLI(t, "", "lessons", "check", filepath.Join("..", "..", "course", "builtin", "course"))
	if code != 0 || !strings.Contains(out, "ok: 1 lesson(s) with material ([4-4]), 16 in the catalogue, 41 cards") {
		t.Errorf("check: exit %d %s", code, out)
	}
}

func TestBackupWritesAUsableCopy(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	db := filepath.Join(dir, "live.db")
	runCLI(t, "/start-4-4\nnext\n", "console", "--db", db, "--user", "cy")
	copyPath := filepath.Join(dir, "copy.db")
	if out, errOut, code := runCLI(t, "", "backup", "--db", db, copyPath); code != 0 {
		t.Fatalf("backup: %d %s %s", code, out, errOut)
	}
	out, _, _ := runCLI(t, "/status\n", "console", "--db", copyPath, "--user", "cy")
	if !strings.Contains(out, "▶️ 4.4 Capstone: in progress: step 1 of 7 (Opener), card 2 of 41") {
		t.Errorf("status from the copy: %s", out)
	}
}

func TestServeAnswersHealthRefusesForgedRequestsAndStopsOnSIGTERM(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	cfg := filepath.Join(dir, "serve.yaml")
	body := "store:\n  path: " + filepath.Join(dir, "serve.db") + "\nhttp:\n  listen: 127.0.0.1:0\nadmin:\n  listen: 127.0.0.1:0\nslack:\n  enabled: true\n  mode: http\n  api_url: http://127.0.0.1:1/api/\n"
	if err := os.WriteFile(cfg, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	// A missing secret is named, and nothing starts.
	_, errOut, code := runCLI(t, "", "serve", "--config", cfg)
	if code != 1 || !strings.Contains(errOut, "SLACK_SIGNING_SECRET") {
		t.Fatalf("serve without secrets: exit %d, %q", code, errOut)
	}
	cmd := exec.Command(binary(t), "serve", "--config", cfg)
	cmd.Env = []string{"SLACK_BOT_TOKEN=xoxb-test-token", "SLACK_SIGNING_SECRET=test-signing-secret"}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var errb bytes.Buffer
	cmd.Stderr = &errb
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = cmd.Process.Kill() }() // it may have exited already
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil {
		t.Fatalf("read address: %v (stderr %s)", err, errb.String())
	}
	addr := strings.TrimSpace(strings.TrimPrefix(line, "coursebot serving on "))
	resp, err := http.Get("http://" + addr + "/healthz")
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("healthz: %v %v", resp, err)
	}
	_ = resp.Body.Close()
	forged, err := http.Post("http://"+addr+"/slack/commands", "application/x-www-form-urlencoded", strings.NewReader("command=/start-4-4&user_id=U1"))
	if err != nil {
		t.Fatal(err)
	}
	_ = forged.Body.Close()
	if forged.StatusCode != http.StatusUnauthorized {
		t.Errorf("unsigned slash command got %d, want 401", forged.StatusCode)
	}
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if err := cmd.Wait(); err != nil {
		t.Errorf("serve did not exit cleanly on SIGTERM: %v\n%s", err, errb.String())
	}
	if strings.Contains(errb.String(), "test-signing-secret") || strings.Contains(errb.String(), "xoxb-test-token") {
		t.Errorf("a secret reached the log:\n%s", errb.String())
	}
}

func TestSlackManifestListsTheCourseCommands(t *testing.T) {
	t.Parallel()
	out, errOut, code := runCLI(t, "", "slack", "manifest", "--url", "https://bot.example.com")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	for _, want := range []string{"/start-1-1", "/start-4-4", "/status", "/help-mlops", "/stuck", "/cohort", "/nudges", "/forget-me", "https://bot.example.com/slack/commands"} {
		if !strings.Contains(out, want) {
			t.Errorf("manifest lacks %q", want)
		}
	}
}
