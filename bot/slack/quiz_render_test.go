package slack

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/coursebot/coursebot/bot"
	"github.com/coursebot/coursebot/course"
	"github.com/coursebot/coursebot/lessons"
)

// quizReplies are the cards of the quiz test lesson as a fresh learner
// sees them, plus a quiz at the limits: 10 options of 150 characters.
func quizReplies(t *testing.T) []bot.Reply {
	t.Helper()
	c, err := course.LoadDir(filepath.Join("..", "..", "testdata", "quiz", "course"))
	if err != nil {
		t.Fatal(err)
	}
	rs, err := lessons.PreviewReplies(c, "2-1")
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
	more, err := lessons.PreviewReplies(big, "1-1")
	if err != nil {
		t.Fatal(err)
	}
	return append(rs, more...)
}

// TestRenderQuizGolden: quiz cards (options as buttons, choose-all ticks
// with Check answer, a short-answer question) stay within Slack's limits
// and match testdata/quiz.json.
func TestRenderQuizGolden(t *testing.T) {
	t.Parallel()
	var all []any
	for _, r := range quizReplies(t) {
		out := render(r)
		checkRendered(t, out)
		all = append(all, map[string]any{"card": r.Card, "content": out.Content, "controls": out.Controls})
	}
	got, err := json.MarshalIndent(all, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join("testdata", "quiz.json")
	if *update {
		if err := os.WriteFile(path, append(got, '\n'), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update)", err)
	}
	if !bytes.Equal(bytes.TrimSpace(want), bytes.TrimSpace(got)) {
		t.Errorf("%s differs from the golden file; run go test ./bot/slack -run Golden -update and review the diff", path)
	}
}
