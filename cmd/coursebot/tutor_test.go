package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/coursebot/coursebot/store"
	"github.com/coursebot/coursebot/tutor/tutortest"
)

// fakeChat is an OpenAI-compatible server: POST /v1/chat/completions
// answered with text/event-stream chunks, a usage chunk and [DONE].
type fakeChat struct {
	mu    sync.Mutex
	users []string // the last user message of each request
	fail  bool
}

func newFakeChat(t *testing.T) (*fakeChat, string) {
	f := &fakeChat{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var req struct {
			Messages []struct{ Role, Content string } `json:"messages"`
		}
		body, _ := io.ReadAll(r.Body)
		if r.URL.Path != "/v1/chat/completions" || json.Unmarshal(body, &req) != nil {
			http.Error(w, `{"error":{"message":"bad request","type":"invalid_request_error"}}`, http.StatusBadRequest)
			return
		}
		f.mu.Lock()
		f.users = append(f.users, req.Messages[len(req.Messages)-1].Content)
		fail := f.fail
		f.mu.Unlock()
		if fail {
			w.WriteHeader(http.StatusServiceUnavailable)
			_, _ = io.WriteString(w, `{"error":{"message":"overloaded","type":"server_error"}}`)
			return
		}
		w.Header().Set("Content-Type", "text/event-stream")
		for _, p := range []string{"You said ", "it well", ": now name one thing that breaks in production."} {
			b, _ := json.Marshal(map[string]any{"id": "c1", "object": "chat.completion.chunk", "created": 1, "model": "fake",
				"choices": []any{map[string]any{"index": 0, "delta": map[string]any{"content": p}}}})
			_, _ = fmt.Fprintf(w, "data: %s\n\n", b)
		}
		_, _ = fmt.Fprint(w, `data: {"id":"c1","object":"chat.completion.chunk","created":1,"model":"fake","choices":[],"usage":{"prompt_tokens":900,"completion_tokens":14,"total_tokens":914}}`+"\n\n")
		_, _ = fmt.Fprint(w, "data: [DONE]\n\n")
	}))
	t.Cleanup(srv.Close)
	return f, srv.URL + "/v1"
}

func tutorConfig(t *testing.T, baseURL string) string {
	path := filepath.Join(t.TempDir(), "coursebot.yaml")
	cfg := fmt.Sprintf("tutor:\n  enabled: true\n  base_url: %s\n  model: fake\n", baseURL)
	if err := os.WriteFile(path, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestConsoleTutorStreamsAReplyAndFallsBack(t *testing.T) {
	t.Parallel()
	f, url := newFakeChat(t)
	cfg := tutorConfig(t, url)
	db := filepath.Join(t.TempDir(), "c.db")
	in := "/start-4-4\nnext\nnext\nShipping ML that keeps working\n"
	var out, errb bytes.Buffer
	if code := run(t.Context(), []string{"console", "--config", cfg, "--db", db, "--user", "ada"}, strings.NewReader(in), &out, &errb, func(string) string { return "" }); code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	got := out.String()
	for _, want := range []string{"Saved your answer.", "(thinking…)\nYou said it well: now name one thing that breaks in production.\n", "[1] Back  [2] Next"} {
		if !strings.Contains(got, want) {
			t.Errorf("console output lacks %q:\n%s", want, got)
		}
	}
	if len(f.users) != 1 || f.users[0] != "Shipping ML that keeps working" {
		t.Errorf("model got %q", f.users)
	}
	// The model is down: the course's follow-up, and the lesson goes on.
	f.mu.Lock()
	f.fail = true
	f.mu.Unlock()
	out.Reset()
	in = "/start-4-4\nnext\nnext\nDelivering models reliably\nnext\n"
	if code := run(t.Context(), []string{"console", "--config", cfg, "--db", db, "--user", "bob"}, strings.NewReader(in), &out, &errb, func(string) string { return "" }); code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	if got := out.String(); !strings.Contains(got, "(thinking…)\n\n"+"MLOps is the discipline of reliably delivering ML systems to production and keeping them healthy.") || !strings.Contains(got, "== Architecture Review ==") {
		t.Errorf("fallback console output:\n%s", got)
	}
}

func TestTutorTryPrintsQuestionsAnswersRepliesAndMetrics(t *testing.T) {
	t.Parallel()
	_, url := newFakeChat(t)
	cfg := tutorConfig(t, url)
	answers := filepath.Join(t.TempDir(), "answers.txt")
	if err := os.WriteFile(answers, []byte("# Lesson 4.4\nShipping ML reliably\nGit, DVC, MLflow, CI, Docker, monitoring\nA privacy review\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	var out, errb bytes.Buffer
	if code := run(t.Context(), []string{"tutor", "try", "--config", cfg, "--lesson", "4-4", "--answers", answers, "--metrics"}, nil, &out, &errb, func(string) string { return "" }); code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	got := out.String()
	for _, want := range []string{
		"Question: If you had to explain MLOps to a colleague in one sentence, what would you say?\nAnswer: Shipping ML reliably\nTutor: You said it well",
		"Question: Explain each component and connection.\nAnswer: Git, DVC, MLflow, CI, Docker, monitoring",
		"Question: What would you add to this checklist for your specific use case?\nAnswer: A privacy review",
		`coursebot_tutor_requests_total{kind="answer",outcome="ok"} 3`,
		`coursebot_tutor_tokens_total{direction="in",model="fake"} 2700`,
	} {
		if !strings.Contains(got, want) {
			t.Errorf("output lacks %q:\n%s", want, got)
		}
	}
}

// TestTutorExchangesAreExportedAndForgotten: a learner's exchange with the
// tutor, made in the console against the fake model, is in
// `coursebot export --user` (their answer, the tutor's reply) and gone
// after `coursebot forget --user`, with the rest of their data.
func TestTutorExchangesAreExportedAndForgotten(t *testing.T) {
	t.Parallel()
	_, url := newFakeChat(t)
	cfg := tutorConfig(t, url)
	db := filepath.Join(t.TempDir(), "c.db")
	if _, errs, code := runCmd(t, "/start-4-4\nnext\nnext\nShipping ML that keeps working\n", "console", "--config", cfg, "--db", db, "--user", "ada"); code != exitOK {
		t.Fatalf("console: exit %d: %s", code, errs)
	}
	exported, errs, code := runCmd(t, "", "export", "--db", db, "--user", "console:ada")
	if code != exitOK {
		t.Fatalf("export: exit %d: %s", code, errs)
	}
	var got store.LearnerExport
	if err := json.Unmarshal([]byte(exported), &got); err != nil {
		t.Fatalf("export is not JSON: %v\n%s", err, exported)
	}
	if got.Tutor == nil || len(got.Tutor.Exchanges) != 1 {
		t.Fatalf("export has no tutor exchange:\n%s", exported)
	}
	turns := got.Tutor.Exchanges[0].Turns
	if len(turns) != 2 || turns[0].Text != "Shipping ML that keeps working" || turns[1].Text != "You said it well: now name one thing that breaks in production." {
		t.Errorf("exported exchange: %+v", got.Tutor.Exchanges[0])
	}
	if out, errs, code := runCmd(t, "", "forget", "--db", db, "--user", "console:ada", "--yes"); code != exitOK {
		t.Fatalf("forget: exit %d: %s%s", code, out, errs)
	}
	if out, _, _ := runCmd(t, "", "export", "--db", db, "--user", "console:ada"); !strings.Contains(out, `"found": false`) || strings.Contains(out, "You said it well") {
		t.Errorf("after forget, export still finds data:\n%s", out)
	}
}

// TestConsoleLogLinesStayOutOfTheChat: a tutor that falls back logs a
// warning; in the console it goes to the log file beside the database, not
// to the learner's terminal (stdout or stderr), unless --verbose.
func TestConsoleLogLinesStayOutOfTheChat(t *testing.T) {
	t.Parallel()
	f, url := newFakeChat(t)
	f.mu.Lock()
	f.fail = true
	f.mu.Unlock()
	cfg := tutorConfig(t, url)
	dir := t.TempDir()
	db := filepath.Join(dir, "c.db")
	in := "/start-4-4\nnext\nnext\nDelivering models reliably\n"
	for _, verbose := range []bool{false, true} {
		args := []string{"console", "--config", cfg, "--db", db, "--user", fmt.Sprintf("v%v", verbose)}
		if verbose {
			args = append(args, "--verbose")
		}
		var out, errb bytes.Buffer
		if code := run(t.Context(), args, strings.NewReader(in), &out, &errb, func(string) string { return "" }); code != 0 {
			t.Fatalf("exit %d: %s", code, errb.String())
		}
		if strings.Contains(out.String(), "level=") {
			t.Errorf("verbose %v: a log line in the chat:\n%s", verbose, out.String())
		}
		logged, _ := os.ReadFile(filepath.Join(dir, "c.log"))
		if verbose {
			if !strings.Contains(errb.String(), "tutor: fell back") {
				t.Errorf("--verbose: the warning is not on stderr: %q", errb.String())
			}
			continue
		}
		if errb.Len() != 0 {
			t.Errorf("a log line on the terminal's stderr: %q", errb.String())
		}
		if !strings.Contains(string(logged), "tutor: fell back") {
			t.Errorf("the log file lacks the warning: %q", logged)
		}
	}
}

// TestTutorTryCoversStuckAndHelp: `tutor try --stuck` presses I'm stuck on
// every capstone card and replies to the tutor; `--ask` puts /help
// questions, the one the course cannot answer getting the course's own
// answer without the model.
func TestTutorTryCoversStuckAndHelp(t *testing.T) {
	t.Parallel()
	cfg := tutorConfig(t, tutortest.NewServer(t, tutortest.Good))
	var out, errb bytes.Buffer
	args := []string{"tutor", "try", "--config", cfg, "--stuck", "I changed the hyperparameters; now what?", "--ask", "how do I detect data drift?", "--ask", "how do I bake sourdough bread?", "--metrics"}
	if code := run(t.Context(), args, nil, &out, &errb, func(string) string { return "" }); code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	got := out.String()
	for _, want := range []string{
		"Card 8: Capstone Exercise: End-to-End\nI'm stuck\nTutor: Let's take it one part at a time.",
		"Card 11: Evaluation Criteria\nI'm stuck\nTutor: ",
		"Reply: I changed the hyperparameters; now what?\nTutor: ",
		"/help-mlops how do I detect data drift?\nTutor: The course puts it this way: ",
		"/help-mlops how do I bake sourdough bread?\nTutor: (no tutor reply) ",
		`coursebot_tutor_requests_total{kind="stuck",outcome="ok"} 8`,
		`coursebot_tutor_requests_total{kind="help",outcome="ok"} 1`,
	} {
		if !strings.Contains(got, want) {
			t.Errorf("output lacks %q:\n%s", want, got)
		}
	}
	if strings.Contains(got, "Question: ") {
		t.Errorf("answered questions without --answers:\n%s", got)
	}
}
