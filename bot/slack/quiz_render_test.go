package slack

import (
	"encoding/json"
	"path/filepath"
	"testing"

	"github.com/coursebot/coursebot/bot/bottest"
)

// TestRenderQuizGolden: quiz cards (options as buttons, choose-all ticks
// with Check answer, a short-answer question) stay within Slack's limits
// and match testdata/quiz.json.
func TestRenderQuizGolden(t *testing.T) {
	t.Parallel()
	var all []any
	for _, r := range bottest.QuizCards(t, "../..") {
		out := render(r)
		checkRendered(t, out)
		all = append(all, map[string]any{"card": r.Card, "content": out.Content, "controls": out.Controls})
	}
	got, err := json.MarshalIndent(all, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	bottest.Golden(t, filepath.Join("testdata", "quiz.json"), got, *update)
}
