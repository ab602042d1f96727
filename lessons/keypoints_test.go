package lessons_test

import (
	"strings"
	"testing"

	"github.com/coursebot/coursebot/course"
)

// TestAnswerFollowUpNamesThePointsTouched: with no tutor, the learner
// who answers reads the author's follow-up and how many key points their
// words touched; the question's card never shows the points.
func TestAnswerFollowUpNamesThePointsTouched(t *testing.T) {
	h := newHarness(t)
	c, err := course.LoadDir("../testdata/tutor/course")
	if err != nil {
		t.Fatal(err)
	}
	h.course = c
	h.restart()
	l := h.learner("ada")
	l.cmd("start-1-1")
	for range 5 {
		if question(l.last) != nil {
			break
		}
		l.press("Next")
	}
	if strings.Contains(text(l.last), "key points") || strings.Contains(text(l.last), "rolled back") {
		t.Fatalf("the card shows the key points:\n%s", text(l.last))
	}
	r := l.text("The same environment on a laptop and in production.")
	if !strings.Contains(text(r), "Your answer touches 2 of the 3 key points the author lists for this question.") {
		t.Errorf("after the answer:\n%s", text(r))
	}
}
