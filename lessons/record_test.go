package lessons_test

import (
	"strings"
	"testing"
	"time"

	"github.com/coursebot/coursebot"
)

// TestReachedKeepsFirstTimes: the engine records when the learner first
// reached each card (the figures' funnel and time per step); going back,
// restarting or jumping to a step keeps the first time.
func TestReachedKeepsFirstTimes(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	l := h.learner("ada")
	t0 := h.clock.Now()
	l.cmd("start-4-4")
	h.clock.Add(time.Minute)
	l.press("Next")
	second := l.last.Card
	h.clock.Add(time.Minute)
	l.press("Back")
	h.clock.Add(time.Minute)
	l.press("Next")
	h.clock.Add(time.Minute)
	l.cmd("start-4-4", "step", "5")
	step5 := l.last.Card
	h.clock.Add(time.Minute)
	l.cmd("start-4-4", "step", "2")
	p, err := h.db.Progress(h.ctx, l.who.Key(), "4-4")
	if err != nil {
		t.Fatal(err)
	}
	les := h.course.Lessons["4-4"]
	want := map[string]time.Time{
		les.Cards[0].Key: t0,
		second:           t0.Add(time.Minute),
		step5:            t0.Add(4 * time.Minute),
		l.last.Card:      t0.Add(5 * time.Minute),
	}
	if len(p.Reached) != len(want) {
		t.Errorf("reached %d cards, want %d: %v", len(p.Reached), len(want), p.Reached)
	}
	for k, at := range want {
		if got := p.Reached[k]; !got.Equal(at) {
			t.Errorf("card %q first reached %v, want %v", k, got, at)
		}
	}
}

// TestReviewAnswersAreKept: an answer in spaced review is kept with the
// stage it answered and whether it was right; answers on the lesson card
// and in Retry missed are not review answers.
func TestReviewAnswersAreKept(t *testing.T) {
	t.Parallel()
	h := quizHarness(t, "course")
	l := h.learner("ada")
	l.cmd("start-2-1")
	walkToQuiz(t, l)
	l.press("A) git add data/raw.csv") // wrong: due for review after 1, 3, 7 days
	var id string
	for _, c := range h.course.Lessons["2-1"].Cards {
		if q := c.Quiz(); q != nil && id == "" {
			id = q.ID
		}
	}
	review := func(pick string) {
		t.Helper()
		r := l.cmd("review")
		if !strings.Contains(text(r), "Which command starts tracking") {
			t.Fatalf("review = %q", text(r))
		}
		l.press(pick)
	}
	h.clock.Add(25 * time.Hour)
	review("C) dvc push") // wrong on the first day: the count starts again
	h.clock.Add(25 * time.Hour)
	review("B) dvc add data/raw.csv")
	h.clock.Add(4 * 24 * time.Hour) // late for the third day's
	review("B) dvc add data/raw.csv")
	p, err := h.db.Progress(h.ctx, l.who.Key(), "2-1")
	if err != nil {
		t.Fatal(err)
	}
	got := p.Quiz[id].Reviews
	want := []coursebot.ReviewAnswer{
		{Stage: 1, Right: false, At: time.Date(2026, 11, 24, 10, 0, 0, 0, time.UTC)},
		{Stage: 1, Right: true, At: time.Date(2026, 11, 25, 11, 0, 0, 0, time.UTC)},
		{Stage: 2, Right: true, At: time.Date(2026, 11, 29, 11, 0, 0, 0, time.UTC)},
	}
	if len(got) != len(want) {
		t.Fatalf("reviews = %+v, want %+v", got, want)
	}
	for i := range want {
		if got[i].Stage != want[i].Stage || got[i].Right != want[i].Right || !got[i].At.Equal(want[i].At) {
			t.Errorf("review %d = %+v, want %+v", i, got[i], want[i])
		}
	}
}
