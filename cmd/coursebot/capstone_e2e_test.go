package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/coursebot/coursebot/capstone/githubtest"
	"github.com/coursebot/coursebot/course"
	"github.com/coursebot/coursebot/store"
)

// spamRepo is a learner's capstone repository for Lesson 4.4 as the fake
// GitHub API serves it: the project at the top, without the behavioural
// tests and the pre-commit hooks, its CI passed two hours before now.
func spamRepo(now time.Time) githubtest.Repo {
	return githubtest.Repo{Owner: "alice", Name: "spam-classifier", Files: []string{
		"README.md", "Dockerfile", "requirements.txt", "pyproject.toml", "dvc.yaml", "dvc.lock", "data/emails.csv.dvc",
		".dvc/config", ".github/workflows/ci.yml", "src/__init__.py", "src/data.py", "src/features.py", "src/train.py",
		"src/predict.py", "tests/test_data.py", "models/.gitignore",
	}, Runs: []githubtest.Run{{Name: "CI", Conclusion: "success", At: now.Add(-2 * time.Hour)}}}
}

// TestConsoleCapstoneCheckTranscript runs the real binary's console on
// the built-in course with the capstone check pointed at a fake GitHub
// API (as GitHub Enterprise Server, capstone.github_url): alice submits
// her repository through the Check my repository form and its items are
// ticked; she pushes the missing files, CI fails, and a re-check ticks
// them and takes back only the bot's CI tick; her lead sees the
// repository in the cohort's progress table. The transcript is kept in
// $COURSEBOT_TRANSCRIPTS when set.
func TestConsoleCapstoneCheckTranscript(t *testing.T) {
	t.Parallel()
	now := time.Now().UTC() // the binary's clock: the CI run's age is read against it
	api := githubtest.New("/api/v3", time.Now, spamRepo(now))
	t.Cleanup(api.Close)
	dir := t.TempDir()
	db := filepath.Join(dir, "capstone.db")
	cfgFile := filepath.Join(dir, "coursebot.yaml")
	host := strings.Split(strings.TrimPrefix(api.URL, "http://"), ":")[0]
	if err := os.WriteFile(cfgFile, []byte(fmt.Sprintf("admins: [console:lea]\nstore:\n  path: %s\ncapstone:\n  github_url: %s\n  recheck_after: 1ns\n", db, api.APIURL())), 0o644); err != nil {
		t.Fatal(err)
	}
	url := "https://" + host + "/alice/spam-classifier"
	var transcript strings.Builder
	run := func(user string, lines ...string) string {
		t.Helper()
		out, errOut, code := runCLI(t, strings.Join(lines, "\n")+"\n", "console", "--config", cfgFile, "--user", user)
		if code != 0 {
			t.Fatalf("console exit %d: %s", code, errOut)
		}
		fmt.Fprintf(&transcript, "==== coursebot console --user %s (typed: %q)\n%s\n", user, lines, out)
		return out
	}
	out := run("lea", "/cohort create spring console:general UTC")
	code := regexp.MustCompile("Join code: `([a-z0-9-]+)`").FindStringSubmatch(out)
	if code == nil {
		t.Fatalf("no join code in %s", out)
	}
	// Step 4 is the capstone exercise; its third card holds the
	// Requirements Checklist and the button.
	out = run("alice", "/cohort join "+code[1], "/start-4-4", "/start-4-4 step 4", "next", "next", "Check my repository", url)
	for _, want := range []string{
		"[36] Check my repository",
		"Your repository's URL (for example https://github.com/you/project), or a command to leave it:",
		"== Capstone check: " + host + "/alice/spam-classifier ==",
		"Lesson 4.4 · branch main · checked just now",
		"Your repository shows **19 of the 22 items** I can check; I ticked 19 items just now",
		"**Missing (3)**",
		"- project/tests/test\\_model.py (behavioral tests) (looked for `tests/test_model.py` or `project/tests/test_model.py`)\n- .pre-commit-config.yaml\n- Pre-commit hooks configured",
		"**CI pipeline runs on push**: last run passed 2 h ago (workflow CI, on push)",
		"The other 10 items of the checklist are yours to tick",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("the first check lacks %q", want)
		}
	}
	calls := len(api.Requests())
	if calls != 3 {
		t.Errorf("%d API calls for one check, want 3: %v", calls, api.Requests())
	}
	// She pushes the behavioural tests and the hooks; the push breaks CI.
	repo := spamRepo(now)
	repo.Files = append(repo.Files, "tests/test_model.py", ".pre-commit-config.yaml")
	repo.Runs = append([]githubtest.Run{{Name: "CI", Conclusion: "failure", At: now.Add(-5 * time.Minute)}}, repo.Runs...)
	api.Put(repo)
	out = run("alice", "/capstone check") // the card follows the report, ticked
	for _, want := range []string{
		"Your repository shows **21 of the 22 items** I can check; I ticked 3 items just now: project/tests/test\\_model.py (behavioral tests), .pre-commit-config.yaml, Pre-commit hooks configured",
		"**CI pipeline runs on push**: last run failed 5 min ago",
		"I unticked 1 item I had ticked before and the repository no longer shows: CI pipeline runs on push.",
		"[x] project/tests/test_model.py (behavioral tests)",
		"[ ] CI pipeline runs on push",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("the re-check lacks %q", want)
		}
	}
	out = run("lea", "/cohort progress spring")
	if !strings.Contains(out, host+"/alice/spam-classifier 21/22 CI failed") {
		t.Errorf("the lead's table lacks the repository:\n%s", out)
	}
	// What the database holds: 21 ticks, all the bot's.
	st, err := store.Open(db, store.Options{LockTimeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = st.Close() }()
	p, err := st.Progress(context.Background(), "console:alice", "4-4")
	if err != nil {
		t.Fatal(err)
	}
	builtin, err := course.LoadBuiltin()
	if err != nil {
		t.Fatal(err)
	}
	ticked := 0
	for _, r := range builtin.RepoRules("4-4") {
		if p.Checks[r.Item] {
			ticked++
		}
	}
	if p.Repo == nil {
		t.Fatal("no repository check stored")
	}
	if ticked != 21 || len(p.Repo.Ticked) != 21 || p.Repo.URL != url {
		t.Errorf("ticked %d items with rules, the bot's %d, url %q", ticked, len(p.Repo.Ticked), p.Repo.URL)
	}
	if d := os.Getenv("COURSEBOT_TRANSCRIPTS"); d != "" {
		if err := os.WriteFile(filepath.Join(d, "capstone-check-console.txt"), []byte(transcript.String()), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if t.Failed() {
		t.Log(transcript.String())
	}
}
