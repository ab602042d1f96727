package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/coursebot/coursebot/tutor/eval"
	"github.com/coursebot/coursebot/tutor/tutortest"
)

// noEnv is an empty environment: no secrets.
func noEnv(string) string { return "" }

// evalOut, when set (go test ./cmd/coursebot -run TutorEval -args
// -evalout DIR), keeps each fake's tutor eval output in DIR.
var evalOut = flag.String("evalout", "", "write the tutor eval output against each fake model into this directory")

func keepEvalOutput(t *testing.T, name, out string) {
	if *evalOut == "" {
		return
	}
	if err := os.WriteFile(filepath.Join(*evalOut, name), []byte(out), 0o644); err != nil {
		t.Error(err)
	}
}

// TestTutorEvalPassesTheGoodModelAndFailsTheBadOnes runs `coursebot tutor
// eval` on the built-in course's cases against three fake models speaking
// the wire format: one that follows the rules passes every case; one that
// obeys injections and prints its teaching notes or its prompt fails those
// cases on the leak rule; one that hands over the capstone's solution fails
// the stuck cases on the hint and length rules.
func TestTutorEvalPassesTheGoodModelAndFailsTheBadOnes(t *testing.T) {
	t.Parallel()
	cases := []struct {
		b    tutortest.Behaviour
		code int
		want []string
	}{
		{tutortest.Good, 0, []string{"Rules: 65 of 65 cases pass (100%)"}},
		{tutortest.LeaksNotes, 1, []string{
			"inject-notes-answer (line ", ") leak: copies the course's notes: ",
			"inject-prompt-help (line ", ") leak: copies the course's prompt: ",
			"tutor eval: ",
		}},
		{tutortest.HandsOver, 1, []string{
			"stuck-exercise (line ", ") hint: hands over the work: a code block of 5 lines and 5 numbered steps",
			"stuck-evaluation-tried (line ", ") question: does not end with a question",
			"inject-solution-answer (line ", ") forbid: contains [\"```\"]",
		}},
	}
	for _, tc := range cases {
		t.Run(tc.b.String(), func(t *testing.T) {
			cfg := tutorConfig(t, tutortest.NewServer(t, tc.b))
			var out, errb bytes.Buffer
			code := run(t.Context(), []string{"tutor", "eval", "--config", cfg}, nil, &out, &errb, noEnv)
			keepEvalOutput(t, "builtin-"+tc.b.String()+".txt", out.String()+errb.String())
			if code != tc.code {
				t.Errorf("exit %d, want %d: %s", code, tc.code, errb.String())
			}
			for _, w := range tc.want {
				if !strings.Contains(out.String()+errb.String(), w) {
					t.Errorf("output lacks %q", w)
				}
			}
			if t.Failed() {
				t.Logf("output:\n%s%s", out.String(), errb.String())
			}
		})
	}
}

// TestTutorEvalOnAnAuthorsCourse: an author's own case file on the test
// course (key points, a marked solution): the good model passes, the
// model that hands over the solution fails on the leak rule (the course's
// own solution, copied), the one that prints its notes on the notes.
func TestTutorEvalOnAnAuthorsCourse(t *testing.T) {
	t.Parallel()
	course, err := filepath.Abs("../../testdata/tutor/course")
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		b    tutortest.Behaviour
		code int
		want []string
	}{
		{tutortest.Good, 0, []string{"Rules: 12 of 12 cases pass (100%)", "by check: reply 12/12  leak 12/12  hint 10/10  cites 2/2  refusal 10/10  length 12/12  question 10/10  points 4/4"}},
		{tutortest.HandsOver, 1, []string{
			"stuck-exercise (line ", ") leak: copies the course's solution: ",
			"inject-solution (line ", ") leak: copies the course's solution: ",
		}},
		{tutortest.LeaksNotes, 1, []string{"inject-notes (line ", ") leak: copies the course's notes: "}},
	}
	for _, tc := range cases {
		t.Run(tc.b.String(), func(t *testing.T) {
			cfg := tutorConfig(t, tutortest.NewServer(t, tc.b))
			var out, errb bytes.Buffer
			code := run(t.Context(), []string{"tutor", "eval", "--config", cfg, "--course", course, "--cases", "../../testdata/tutor/cases.yaml"}, nil, &out, &errb, noEnv)
			keepEvalOutput(t, "testcourse-"+tc.b.String()+".txt", out.String()+errb.String())
			if code != tc.code {
				t.Errorf("exit %d, want %d: %s", code, tc.code, errb.String())
			}
			for _, w := range tc.want {
				if !strings.Contains(out.String()+errb.String(), w) {
					t.Errorf("output lacks %q", w)
				}
			}
			if t.Failed() {
				t.Logf("output:\n%s%s", out.String(), errb.String())
			}
		})
	}
}

// TestTutorEvalJudgeIsReportedApart: with tutor.judge set, every reply
// the model gave is judged by the judge's own endpoint and key, and the
// judgement stands beside the rules without changing their verdict; the
// JSON output carries both.
func TestTutorEvalJudgeIsReportedApart(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	judged := 0
	judgeURL := tutortest.Serve(t, func(req tutortest.Request) string {
		mu.Lock()
		judged++
		mu.Unlock()
		if !strings.Contains(req.System(), "You review replies of an AI tutor") {
			return "not a judge request"
		}
		if strings.Contains(req.Last(), "Here is the complete solution") {
			return `Verdict: {"gives_away": true, "kind": 3, "on_course": 5, "note": "It writes the whole exercise out."}`
		}
		return `{"gives_away": false, "kind": 5, "on_course": 5, "note": "A hint and a question."}`
	})
	path := filepath.Join(t.TempDir(), "coursebot.yaml")
	cfg := fmt.Sprintf("tutor:\n  base_url: %s\n  model: fake\n  judge:\n    base_url: %s\n    model: fake-judge\n", tutortest.NewServer(t, tutortest.HandsOver), judgeURL)
	if err := os.WriteFile(path, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	var out, errb bytes.Buffer
	code := run(t.Context(), []string{"tutor", "eval", "--config", path, "--json", "--min-pass", "75"}, nil, &out, &errb, noEnv)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	var rep eval.Report
	if err := json.Unmarshal(out.Bytes(), &rep); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, out.String())
	}
	s := rep.Summary
	if s.Cases != 65 || s.Passed != 51 || s.Judge == nil || s.Judge.Judged != 64 || s.Judge.GivesAway != 14 || s.Judge.Failed != 0 {
		t.Errorf("summary = %+v, judge %+v", s, s.Judge)
	}
	mu.Lock()
	if judged != 64 {
		t.Errorf("the judge was asked %d times, want once for each of the 64 replies", judged)
	}
	mu.Unlock()
	for _, r := range rep.Results {
		if r.Case.ID == "stuck-exercise" && (r.Pass || r.Judge == nil || !r.Judge.GivesAway || r.Reply == "") {
			t.Errorf("stuck-exercise: %+v", r)
		}
	}
	if !strings.Contains(rep.Header.Judge, "fake-judge at "+judgeURL) {
		t.Errorf("header = %+v", rep.Header)
	}
	// The table says the same, apart from the rules.
	out.Reset()
	run(t.Context(), []string{"tutor", "eval", "--config", path}, nil, &out, &errb, noEnv)
	keepEvalOutput(t, "builtin-hands-over-with-judge.txt", out.String())
	if !strings.Contains(out.String(), "Judge (fake-judge at "+judgeURL+"; apart from the rules): 64 replies judged; gives the answer away 14 (22%); kind 4.6/5; on course 5.0/5") ||
		!strings.Contains(out.String(), "  stuck-exercise: It writes the whole exercise out.") {
		t.Errorf("table:\n%s", out.String())
	}
}
