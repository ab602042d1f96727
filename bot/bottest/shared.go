package bottest

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"testing/fstest"

	"github.com/coursebot/coursebot/bot"
	"github.com/coursebot/coursebot/course"
	"github.com/coursebot/coursebot/lessons"
)

// What the adapters' own tests (and cmd/coursebot's) share besides the
// suite: a log they read while the adapter writes, the cards their
// renderings are checked on, golden files, a step's calls.

// Log collects what an adapter (or a process) logs, safely across
// goroutines, for a test to read while it runs.
type Log struct {
	mu sync.Mutex
	b  bytes.Buffer
}

// Write appends p.
func (l *Log) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

// String is everything written so far.
func (l *Log) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// Lesson44 is every card of the built-in Lesson 4.4 as a fresh learner
// sees it.
func Lesson44(t testing.TB) []bot.Reply {
	t.Helper()
	loaded, err := course.LoadBuiltin()
	if err != nil {
		t.Fatal(err)
	}
	return preview(t, loaded, "4-4")
}

// QuizCards are the cards of the quiz test course's lesson (2-1) as a
// fresh learner sees them, and a quiz at the limits: a long question, the
// most options, each of 150 characters, two right, a long explanation.
// root is the module's top directory.
func QuizCards(t testing.TB, root string) []bot.Reply {
	t.Helper()
	c, err := course.LoadDir(filepath.Join(root, "testdata", "quiz", "course"))
	if err != nil {
		t.Fatal(err)
	}
	var sb strings.Builder
	sb.WriteString("# Lesson 1.1: Big\n\n## Lesson Flow\n\n### 1. Many\nQuiz: \"" + strings.Repeat("Which one? ", 40) + "\"\n")
	for i := range course.MaxQuizOptions {
		fmt.Fprintf(&sb, "%c) option %d %s\n", 'A'+i, i, strings.Repeat("long words ", 13))
	}
	sb.WriteString("Answer: A, J\nExplain: " + strings.Repeat("Because. ", 300) + "\n")
	big, err := course.LoadFS(fstest.MapFS{"commands/start-1-1.md": {Data: []byte(sb.String())}}, "big")
	if err != nil {
		t.Fatal(err)
	}
	return append(preview(t, c, "2-1"), preview(t, big, "1-1")...)
}

func preview(t testing.TB, c *course.Course, lesson string) []bot.Reply {
	t.Helper()
	rs, err := lessons.PreviewReplies(c, lesson)
	if err != nil {
		t.Fatal(err)
	}
	if len(rs) == 0 {
		t.Fatalf("lesson %s shows no cards", lesson)
	}
	return rs
}

// Golden compares got with the golden file at path, or (update) writes
// it there. Leading and trailing white space does not count.
func Golden(t testing.TB, path string, got []byte, update bool) {
	t.Helper()
	if update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, append(bytes.TrimSpace(got), '\n'), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update)", err)
	}
	if !bytes.Equal(bytes.TrimSpace(want), bytes.TrimSpace(got)) {
		t.Errorf("%s differs from what was rendered: run go test -update and review the diff", path)
	}
}

// Calls counts a step's calls to a platform by method or route.
type Calls map[string]int

// String lists the calls sorted, after their total: "3: a 1, b 2".
func (c Calls) String() string {
	var ks []string
	total := 0
	for k, v := range c {
		ks = append(ks, fmt.Sprintf("%s %d", k, v))
		total += v
	}
	slices.Sort(ks)
	return fmt.Sprintf("%d: %s", total, strings.Join(ks, ", "))
}

// Words are the words of s repeated n times, each with the space after
// it, for a Writer.
func Words(s string, n int) []string {
	words := strings.Fields(strings.Repeat(s, n))
	for i := range words {
		words[i] += " "
	}
	return words
}
