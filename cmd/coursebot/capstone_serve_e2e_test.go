package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/coursebot/coursebot/capstone/githubtest"
	"github.com/coursebot/coursebot/store"
)

// slackButtonValue is the value of the last Slack button labelled label
// that the bot posted (its action, with the owner's tag).
func (e *linkEnv) slackButtonValue(label string) string {
	e.t.Helper()
	e.api.mu.Lock()
	defer e.api.mu.Unlock()
	for i := len(e.api.slackBodies) - 1; i >= 0; i-- {
		for _, b := range slackBlocks(e.api.slackBodies[i]) {
			els, _ := b["elements"].([]any)
			for _, el := range els {
				em, _ := el.(map[string]any)
				if t, _ := em["text"].(map[string]any); t != nil && t["text"] == label {
					if v, ok := em["value"].(string); ok {
						return v
					}
				}
			}
		}
	}
	return ""
}

// slackBlocks are the blocks of a Web API call's body (JSON or a form).
func slackBlocks(body string) []map[string]any {
	var m struct {
		Blocks []map[string]any `json:"blocks"`
	}
	if json.Unmarshal([]byte(body), &m) != nil {
		form, _ := url.ParseQuery(body)
		_ = json.Unmarshal([]byte(form.Get("blocks")), &m.Blocks)
	}
	return m.Blocks
}

// lastView is the last modal the bot opened on Slack (views.open's view).
func (e *linkEnv) lastView() map[string]any {
	e.t.Helper()
	e.api.mu.Lock()
	defer e.api.mu.Unlock()
	for i := len(e.api.slackBodies) - 1; i >= 0; i-- {
		b := e.api.slackBodies[i]
		raw := ""
		var m map[string]any
		if json.Unmarshal([]byte(b), &m) == nil {
			if v, ok := m["view"].(map[string]any); ok && m["trigger_id"] != nil {
				return v
			}
			continue
		}
		form, _ := url.ParseQuery(b)
		if form.Get("trigger_id") != "" {
			raw = form.Get("view")
		}
		if raw != "" && json.Unmarshal([]byte(raw), &m) == nil {
			return m
		}
	}
	return nil
}

// TestServeCapstoneCheckTranscript: the capstone check through serve, on
// Slack and Discord over their wire fakes, against the fake GitHub API
// (as GitHub Enterprise Server, GITHUB_TOKEN set). Ada, on Slack, presses
// Check my repository on the card with the checklist, types her
// repository's URL in the modal and gets the report in her lesson
// thread, the card following it ticked. Bo, on Discord, submits a private
// repository (the token lets the bot see it; the check refuses it in one
// sentence), then his project with /capstone submit URL; he pushes the
// missing files and presses Check again. Their lead's /cohort progress on
// Slack shows both repositories and results. The transcript is kept in
// $COURSEBOT_TRANSCRIPTS when set.
func TestServeCapstoneCheckTranscript(t *testing.T) {
	now := time.Now().UTC() // serve's clock: the CI run's age is read against it
	gh := githubtest.New("/api/v3", time.Now, spamRepo(now),
		githubtest.Repo{Owner: "bo", Name: "churn", Files: []string{"README.md", "Dockerfile", "requirements.txt", "src/data.py", "src/train.py"},
			Runs: []githubtest.Run{{Name: "tests", Status: "in_progress", At: now.Add(-3 * time.Minute)}}})
	t.Cleanup(gh.Close)
	gh.Token = testGitHubToken // GITHUB_TOKEN: the only token the fake takes, and the one that sees private repositories
	gh.Put(githubtest.Repo{Owner: "bo", Name: "secret", Private: true, Files: []string{"README.md"}})
	host := strings.Split(strings.TrimPrefix(gh.URL, "http://"), ":")[0]
	dir := t.TempDir()
	e := &linkEnv{serveEnv: startServeIn(t, dir, fmt.Sprintf("admins: [slack:U1]\ncapstone:\n  github_url: %s\n  recheck_after: 1ns\n", gh.APIURL())), t: t, discordName: "Bo"}

	// Slack: Ada creates a cohort and joins it; Bo joins on Discord.
	e.slackCommand("cohort", "create spring")
	join := ""
	for _, r := range e.api.responses {
		if m := regexp.MustCompile("Join code: `([a-z0-9]+)`").FindStringSubmatch(slackText(r)); m != nil {
			join = m[1]
		}
	}
	if join == "" {
		t.Fatalf("no join code:\n%s", e.transcript.String())
	}
	e.slackCommand("cohort", "join "+join)
	e.discordCommand("cohort", "join "+join)

	// Slack: the lesson, step 4, to the card with the checklist.
	e.slackCommand("start-4-4", "step 4")
	for range 2 {
		next := e.slackButtonValue("Next")
		if next == "" {
			t.Fatalf("no Next on Slack:\n%s", e.transcript.String())
		}
		e.slackPress("Next", next)
	}
	check := e.slackButtonValue("Check my repository")
	if check == "" {
		t.Fatalf("no Check my repository on Slack:\n%s", e.transcript.String())
	}
	e.slackPress("Check my repository", check)
	view := e.lastView()
	if view == nil {
		t.Fatalf("no modal opened:\n%s", e.transcript.String())
	}
	vb, _ := json.Marshal(view)
	fmt.Fprintf(&e.transcript, "  [slack modal] %s\n", indent(modalText(view)))
	if !strings.Contains(string(vb), "Your repository's URL") {
		t.Errorf("the modal: %s", vb)
	}
	ada := "https://" + host + "/alice/spam-classifier"
	meta, _ := view["private_metadata"].(string)
	e.say("slack U1", "[types in the modal] "+ada)
	sub, _ := json.Marshal(map[string]any{"type": "view_submission", "user": map[string]any{"id": "U1"},
		"view": map[string]any{"id": "VCAP1", "hash": "h1", "private_metadata": meta,
			"state": map[string]any{"values": map[string]any{"form": map[string]any{"text": map[string]any{"type": "plain_text_input", "value": ada}}}}}})
	if code, body := e.slackPost("/slack/interactions", url.Values{"payload": {string(sub)}}.Encode()); code != 200 || body != "" {
		t.Fatalf("modal submission: HTTP %d %s", code, body)
	}
	e.settle()

	slackTranscript := e.transcript.String()
	for _, want := range []string{
		"[slack modal] Check my repository\n    Your repository's URL: ____",
		"Your repository shows *19 of the 22 items* I can check; I ticked 19 items just now.",
		"• .pre-commit-config.yaml\n",
		"*CI pipeline runs on push*: last run passed 2 h ago (workflow CI, on push)",
		// The card follows the report, ticked.
		"[x] project/src/data.py\n",
		"[ ] .pre-commit-config.yaml\n",
		"[x] CI pipeline runs on push\n",
		"[ ] Dockerfile builds successfully\n",
	} {
		if !strings.Contains(slackTranscript, want) {
			t.Errorf("Slack's check lacks %q", want)
		}
	}

	// Discord: Bo goes to the same card and submits his repository by
	// command; CI is still running.
	slackPosts := e.api.count("slack ")
	e.discordCommand("start-4-4", "step 4")
	for range 2 {
		ch, next := e.lastCustomID("Next")
		if next == "" {
			t.Fatalf("no Next on Discord:\n%s", e.transcript.String())
		}
		e.discordPress("Next", ch, next)
	}
	// His private repository first: one sentence, nothing changed.
	mark := e.transcript.Len()
	e.discordCommand("capstone", "submit https://"+host+"/bo/secret")
	if got := e.transcript.String()[mark:]; !strings.Contains(got, "bo/secret is a private repository: I check public repositories only") ||
		strings.Contains(got, "Capstone check:") {
		t.Errorf("a private repository (seen through GITHUB_TOKEN):\n%s", got)
	}
	bo := "https://" + host + "/bo/churn"
	mark = e.transcript.Len()
	e.discordCommand("capstone", "submit "+bo)
	first := e.transcript.String()[mark:]
	// He pushes the rest; CI passes; he presses Check again.
	gh.Put(githubtest.Repo{Owner: "bo", Name: "churn", Files: append(spamRepo(now).Files, "tests/test_model.py", ".pre-commit-config.yaml"),
		Runs: []githubtest.Run{{Name: "tests", Conclusion: "success", At: now.Add(-time.Minute)}}})
	ch, again := e.lastCustomID("Check again")
	if again == "" {
		t.Fatalf("no Check again on Discord:\n%s", e.transcript.String())
	}
	mark = e.transcript.Len()
	e.discordPress("Check again", ch, again)
	second := e.transcript.String()[mark:]
	for _, tt := range []struct{ text, want string }{
		{first, "Your repository shows **7 of the 22 items** I can check; I ticked 7 items just now."},
		{first, "- project/src/features.py (looked for `src/features.py` or `project/src/features.py`)"},
		{first, "**CI pipeline runs on push**: a run is in progress (since 3 min ago) (workflow tests, on push)"},
		{second, "Your repository shows **22 of the 22 items** I can check; I ticked 15 items just now."},
		{second, "**CI pipeline runs on push**: last run passed 1 min ago (workflow tests, on push)"},
	} {
		if !strings.Contains(tt.text, tt.want) {
			t.Errorf("Discord's check lacks %q", tt.want)
		}
	}
	if strings.Contains(second, "Missing") {
		t.Errorf("Discord's re-check still lists something missing:\n%s", second)
	}
	if n := e.api.count("slack "); n != slackPosts {
		t.Errorf("Bo's checks on Discord made %d Slack calls", n-slackPosts)
	}

	// The lead's table.
	e.slackCommand("cohort", "progress spring")
	table := lastResponse(e.api.responses)
	for _, want := range []string{"127.0.0.1/alice/spam-classifier 19/22 CI passed", "127.0.0.1/bo/churn 22/22 CI passed"} {
		if !strings.Contains(table, strings.ReplaceAll(want, "127.0.0.1", host)) {
			t.Errorf("the lead's table lacks %q:\n%s", want, table)
		}
	}
	e.stop()
	if strings.Contains(e.logs.String(), testGitHubToken) {
		t.Error("GITHUB_TOKEN is in the log")
	}

	st, err := store.Open(filepath.Join(dir, "coursebot.db"), store.Options{LockTimeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = st.Close() }()
	ctx := context.Background()
	for who, want := range map[string]int{"slack:U1": 19, "discord:777": 22} {
		p, err := st.Progress(ctx, who, "4-4")
		if err != nil || p.Repo == nil || len(p.Repo.Found) != want || len(p.Repo.Ticked) != want {
			t.Errorf("%s: %+v (%v), want %d items found and ticked", who, p.Repo, err, want)
		}
	}
	if d := os.Getenv("COURSEBOT_TRANSCRIPTS"); d != "" {
		if err := os.WriteFile(filepath.Join(d, "capstone-check-slack-discord.txt"), []byte(e.transcript.String()), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if t.Failed() {
		t.Log(e.transcript.String())
	}
}

// modalText is a Slack modal's title and its field's label.
func modalText(view map[string]any) string {
	var out []string
	if t, ok := view["title"].(map[string]any); ok {
		out = append(out, fmt.Sprint(t["text"]))
	}
	blocks, _ := view["blocks"].([]any)
	for _, b := range blocks {
		bm, _ := b.(map[string]any)
		if l, ok := bm["label"].(map[string]any); ok {
			out = append(out, fmt.Sprint(l["text"])+": ____")
		}
	}
	if s, ok := view["submit"].(map[string]any); ok {
		out = append(out, "["+fmt.Sprint(s["text"])+"]")
	}
	return strings.Join(out, "\n")
}
