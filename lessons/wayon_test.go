package lessons_test

import (
	"strings"
	"testing"

	"github.com/coursebot/coursebot/bot"
)

// TestNavWordsAreNeverAnswers: "next" (twice, or "Skip.") typed on a
// question card is not saved as the answer; the reply says what to press
// and carries that button. Text typed where no question waits names the
// card's real way on: Finish lesson on the last card.
func TestNavWordsAreNeverAnswers(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	l := h.learner("nat")
	l.cmd("start-4-4")
	l.press("Next")
	l.press("Next") // the Socratic question
	for _, typed := range []string{"next", "next", "Skip."} {
		r := l.text(typed)
		if !r.Ephemeral || !strings.Contains(text(r), "is not saved as your answer") || !hasButton(r, "Skip question") {
			t.Errorf("%q on a question card = %q %+v", typed, text(r), r.Buttons)
		}
	}
	p, err := h.db.Progress(h.ctx, l.who.Key(), "4-4")
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Answers) != 0 {
		t.Fatalf("saved answers %+v", p.Answers)
	}
	// The last card: its button is Finish lesson, and that is what is named.
	les := h.course.Lessons["4-4"]
	l.cmd("start-4-4", "step", "7")
	for l.last.Card != les.Cards[len(les.Cards)-1].Key {
		l.press("Next")
	}
	r := l.text("What now?")
	if !strings.Contains(text(r), "Press Finish lesson to go on") || !hasButton(r, "Finish lesson") || strings.Contains(text(r), "Press Next") {
		t.Errorf("text on the last card = %q %+v", text(r), r.Buttons)
	}
	r = l.text("next")
	if !hasButton(r, "Finish lesson") {
		t.Errorf("next on the last card = %q %+v", text(r), r.Buttons)
	}
	// After the lesson: the way on is the learner's progress.
	l.press("Finish lesson")
	r = l.text("next")
	if !hasButton(r, "Your progress") || strings.Contains(text(r), "Press Next") {
		t.Errorf("next after the lesson = %q %+v", text(r), r.Buttons)
	}
	if st := l.send(bot.Message{Kind: bot.KindAction, Action: button(t, r, "Your progress")}); !strings.Contains(text(st), "4.4 Capstone: completed") {
		t.Errorf("Your progress = %q", text(st))
	}
}

func button(t *testing.T, r bot.Reply, label string) string {
	t.Helper()
	for _, b := range r.Buttons {
		if b.Label == label {
			return b.Action
		}
	}
	t.Fatalf("no %q button in %+v", label, r.Buttons)
	return ""
}
