package main

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/creack/pty"

	"github.com/coursebot/coursebot/bot"
	"github.com/coursebot/coursebot/bot/bottest"
	"github.com/coursebot/coursebot/internal/testwait"
)

// The console as a learner sees it in a real terminal: the coursebot
// binary runs on a pseudo-terminal (github.com/creack/pty: pure Go, no cgo
// and no tmux or script(1) needed on the machine, so it runs the same on a
// fresh CI box; kept by its maintainers and used by Docker and kubectl), so
// the console styles Markdown with glamour, sizes it to the terminal and
// prompts as it does for `make run`.

// ptySession is the binary on a pseudo-terminal of 100 columns.
type ptySession struct {
	t    *testing.T
	tty  *os.File
	cmd  *exec.Cmd
	mu   sync.Mutex
	out  []byte // everything the terminal showed, escape codes included
	eof  bool
	mark int // where the latest answer starts in out
}

// startPTY runs coursebot with args on a new pseudo-terminal and waits for
// its first prompt.
func startPTY(t *testing.T, args ...string) *ptySession {
	t.Helper()
	cmd := exec.Command(binary(t), args...)
	cmd.Env = []string{"HOME=" + t.TempDir(), "PATH=" + os.Getenv("PATH"), "TERM=xterm-256color"}
	tty, err := pty.StartWithSize(cmd, &pty.Winsize{Rows: 50, Cols: 100})
	if err != nil {
		t.Fatalf("start on a pty: %v", err)
	}
	s := &ptySession{t: t, tty: tty, cmd: cmd}
	go func() {
		buf := make([]byte, 32*1024)
		for {
			n, err := tty.Read(buf)
			s.mu.Lock()
			s.out = append(s.out, buf[:n]...)
			if err != nil {
				s.eof = true
			}
			s.mu.Unlock()
			if err != nil {
				return
			}
		}
	}()
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		_ = tty.Close()
	})
	s.waitPrompt()
	return s
}

// prompt is what the console prints when it waits for the next line.
var prompt = []byte("\r\n> ")

// waitPrompt waits until the console prompts again: it has answered.
func (s *ptySession) waitPrompt() {
	s.t.Helper()
	testwait.Until(s.t, "the console's prompt", func() bool {
		s.mu.Lock()
		defer s.mu.Unlock()
		if s.eof {
			s.t.Fatalf("the console exited:\n%s", stripANSI(string(s.out)))
		}
		return bytes.HasSuffix(s.out[s.mark:], prompt) && len(s.out) > s.mark+len(prompt)
	})
}

// send types line and Enter, and returns what the terminal showed until
// the next prompt (the echoed line included), without escape codes.
func (s *ptySession) send(line string) string {
	s.t.Helper()
	s.mu.Lock()
	s.mark = len(s.out)
	s.mu.Unlock()
	if _, err := s.tty.Write([]byte(line + "\r")); err != nil {
		s.t.Fatalf("type %q: %v", line, err)
	}
	s.waitPrompt()
	s.mu.Lock()
	defer s.mu.Unlock()
	return stripANSI(string(s.out[s.mark:]))
}

// end types Ctrl-D at the prompt (end of input) and waits for the exit.
func (s *ptySession) end() {
	s.t.Helper()
	if _, err := s.tty.Write([]byte{4}); err != nil {
		s.t.Fatalf("Ctrl-D: %v", err)
	}
	if err := s.cmd.Wait(); err != nil {
		var ee *exec.ExitError
		if !errors.As(err, &ee) || ee.ExitCode() != 0 {
			s.t.Errorf("console exit: %v", err)
		}
	}
}

// transcript is everything the terminal showed, as text: what a person
// reads (colours dropped, lines ending in "\n").
func (s *ptySession) transcript() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return stripANSI(string(s.out))
}

var ansiCodes = regexp.MustCompile(`\x1b\[[0-9;?]*[A-Za-z]|\x1b\][^\x07]*\x07`)

// stripANSI drops escape codes and carriage returns.
func stripANSI(s string) string {
	s = ansiCodes.ReplaceAllString(s, "")
	return strings.ReplaceAll(s, "\r", "")
}

// TestConsoleOnATerminal: in a real terminal the console keeps the line
// breaks of a paragraph (/status lists one lesson a line; the tutor's
// sources one a line), never cuts a command at its hyphen, renders the
// tutor's reply instead of showing raw **bold**, keeps log lines out of
// the conversation, and numbers buttons so that no number means two
// things.
func TestConsoleOnATerminal(t *testing.T) {
	t.Parallel()
	model := bottest.Model(t, "**Drift** is when the data a model sees in production moves away from what it was trained on [1].\n\nWatch *both* inputs and predictions [2].")
	dir := t.TempDir()
	cfg := tutorConfig(t, model)
	s := startPTY(t, "console", "--config", cfg, "--db", dir+"/c.db", "--user", "ada")

	status := s.send("/status")
	lessonLines := regexp.MustCompile(`(?m)^\s*(⬜|▶️|✅) \d\.\d `).FindAllString(status, -1)
	if len(lessonLines) != 16 {
		t.Errorf("/status shows %d lessons on lines of their own, want 16:\n%s", len(lessonLines), status)
	}

	unknown := s.send("/nonesuch")
	for _, cut := range regexp.MustCompile(`/start-\d?-?\s*\n`).FindAllString(unknown, -1) {
		t.Errorf("a command cut at its hyphen: %q in\n%s", cut, unknown)
	}
	for _, whole := range []string{"/start-2-2", "/start-3-4", "/start-4-4"} {
		if !strings.Contains(unknown, whole) {
			t.Errorf("%s not whole in\n%s", whole, unknown)
		}
	}

	help := s.send("/help-mlops what is drift detection")
	if strings.Contains(help, "**") || !strings.Contains(help, "Drift is when") {
		t.Errorf("the tutor's reply is not rendered:\n%s", help)
	}
	if !regexp.MustCompile(`(?m)^\s*Read more:\s*\n\s*\[1\] .+\n\s*\[2\] `).MatchString(help) {
		t.Errorf("the sources do not stand one a line:\n%s", help)
	}
	cites := 0
	for _, m := range regexp.MustCompile(`(?m)^\s*\[(\d+)\] Lesson`).FindAllStringSubmatch(help, -1) {
		cites = max(cites, atoi(m[1]))
	}
	open := regexp.MustCompile(`\[(\d+)\] Open Lesson 4\.4`).FindStringSubmatch(help)
	if open == nil || atoi(open[1]) <= cites {
		t.Errorf("the Open Lesson button's number is among the %d sources' (%v):\n%s", cites, open, help)
	}

	s.send("/start-4-4")
	steps := s.send("steps")
	if !strings.Contains(steps, "[1] 1. Opener") || !strings.Contains(steps, "[7] 7. Course Wrap Up") {
		t.Errorf("the Steps list's buttons do not match its numbers:\n%s", steps)
	}
	s.send("2")
	reply := s.send("Shipping ML that keeps working")
	if strings.Contains(reply, "**") || strings.Contains(reply, "*both*") || !strings.Contains(reply, "Drift is when") {
		t.Errorf("the tutor's reply to an answer is not rendered:\n%s", reply)
	}
	s.end()
	t.Logf("the terminal showed:\n%s", s.transcript())
	if dir := os.Getenv("COURSEBOT_TRANSCRIPTS"); dir != "" {
		if err := os.WriteFile(filepath.Join(dir, "terminal-with-tutor.txt"), []byte(s.transcript()), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if all := s.transcript(); strings.Contains(all, "level=") {
		t.Errorf("a log line in the conversation:\n%s", all)
	}
}

func atoi(s string) int {
	n := 0
	for _, r := range s {
		n = n*10 + int(r-'0')
	}
	return n
}

// builtinInput is what a learner types through the whole of Lesson 4.4:
// every checklist ticked in one line, every rating in one line ("1 1, 2 2,
// …", so some are low), "next" typed once on the first question (it is not
// saved) and then every question answered, the first background chosen on
// the card that offers them (the plan), Next on every card, Finish lesson
// on the last.
func builtinInput(t *testing.T) []string {
	t.Helper()
	replies := bottest.Lesson44(t)
	in := []string{"/help", "/start-4-4"}
	typedNext := false
	answers := []string{
		"MLOps is shipping models that keep working: versioned, tested, deployed and watched.",
		"Git and DVC version code and data, MLflow tracks experiments, CI tests and builds the container, Cloud Run serves it, and monitoring catches drift that triggers retraining.",
		"A privacy review of the training data and a cost budget for inference.",
	}
	for i, r := range replies {
		n := 0
		for _, b := range r.Blocks {
			var line []string
			for j := range b.Items {
				n++
				switch b.Kind {
				case bot.BlockChecklist:
					line = append(line, fmt.Sprint(n))
				case bot.BlockRating:
					line = append(line, fmt.Sprintf("%d %d", n, 1+j%5))
				}
			}
			switch b.Kind {
			case bot.BlockChecklist:
				in = append(in, strings.Join(line, " "))
			case bot.BlockRating:
				in = append(in, strings.Join(line, ", "))
			case bot.BlockQuestion:
				if !typedNext {
					in, typedNext = append(in, "next"), true
				}
				in = append(in, answers[0])
				answers = answers[1:]
			}
		}
		for k, b := range r.Buttons {
			if strings.HasPrefix(b.Label, "I come from ") {
				in = append(in, fmt.Sprint(n+k+1))
				break
			}
		}
		if i == len(replies)-1 {
			in = append(in, "finish")
		} else {
			in = append(in, "next")
		}
	}
	return append(in, "/status")
}

// quizInput is what a learner types through the quiz course's Lesson 2.1:
// the first quiz answered wrong (then retried), "next" typed on the short
// answer (not graded), a choose-all quiz ticked by letters and checked, an
// option chosen by its number, another by its letter.
var quizInput = []string{"/start-2-1", "next", "a", "next", "next", "next", "dvc.yaml", "next", "a c", "check", "next", "next",
	"1", "next", "b", "next", "finish", "retry", "b", "next", "your progress"}

// TestConsoleTranscriptsOnATerminal takes the whole of Lesson 4.4 (with
// the plan) and the quiz lesson on a terminal, as `make run` does, and
// keeps the transcripts (in $COURSEBOT_TRANSCRIPTS when set, for the
// record; else in the test's temporary directory).
func TestConsoleTranscriptsOnATerminal(t *testing.T) {
	t.Parallel()
	dir := os.Getenv("COURSEBOT_TRANSCRIPTS")
	if dir == "" {
		dir = t.TempDir()
	}
	for _, tc := range []struct {
		name  string
		args  []string
		input []string
		want  []string
	}{
		{"builtin-lesson-4-4", nil, builtinInput(t), []string{"“next” is not saved as your answer", "== Your plan ==", "Press Next to go on",
			"You completed Lesson 4.4", "Questions answered: 3 of 3", "Checklist items ticked: 67 of 67", "Self-assessment items rated: 16 of 16",
			"[1] Your progress", "✅ 4.4 Capstone: completed", "Your plan (from your self-assessment and your Data Science background)"}},
		{"quiz-lesson-2-1", []string{"--course", "../../testdata/quiz/course"}, quizInput, []string{"❌ Not quite.", "“next” is not saved as your answer",
			"☑ A) the .dvc pointer files", "☑ C) dvc.lock", "You missed 1 of 5 quiz questions", "That was the last missed question",
			"✅ 2.1 Data Versioning with DVC: completed"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := startPTY(t, append([]string{"console", "--db", t.TempDir() + "/c.db", "--user", "ada"}, tc.args...)...)
			for _, line := range tc.input {
				s.send(line)
			}
			s.end()
			got := s.transcript()
			if err := os.WriteFile(filepath.Join(dir, tc.name+".txt"), []byte(got), 0o644); err != nil {
				t.Fatal(err)
			}
			// And as the terminal got it, colours and all (cat it).
			s.mu.Lock()
			raw := append([]byte(nil), s.out...)
			s.mu.Unlock()
			if err := os.WriteFile(filepath.Join(dir, tc.name+".ansi"), raw, 0o644); err != nil {
				t.Fatal(err)
			}
			for _, w := range tc.want {
				if !strings.Contains(got, w) {
					t.Errorf("the transcript lacks %q", w)
				}
			}
			for _, bad := range []string{"level=", "**", "There is no choice", "Sorry"} {
				if strings.Contains(got, bad) {
					t.Errorf("the transcript shows %q", bad)
				}
			}
		})
	}
}
