package tutor_test

import (
	"strings"
	"testing"
)

// TestKeyPointsShapeTheReply: the tutor is told the author's key points,
// which of them the answer's words touch, and to name the reached ones and
// ask toward a missed one without stating it; the word-match note of the
// deterministic follow-up is replaced by the tutor's reply, and comes back
// with the follow-up when the model fails.
func TestKeyPointsShapeTheReply(t *testing.T) {
	x := newCourseHarness(t, testCourse, nil)
	x.llm.setReply(streamPieces("You covered the environment. What happens when a new version misbehaves?"))
	x.goTo("Why Package")
	ph, final, _ := live(t, x.answer("The same environment everywhere, from my laptop to production."))
	sys := systemOf(x.llm.last(t))
	for _, want := range []string{
		"The author lists the key points a good answer covers:\n1. the same environment everywhere\n2. it runs the same on a laptop and in production\n3. it can be versioned and rolled back\n",
		"By their words, the answer touches point 1, 2",
		"ask one question that leads toward one point it missed, without stating that point",
	} {
		if !strings.Contains(sys, want) {
			t.Errorf("system prompt lacks %q:\n%s", want, sys)
		}
	}
	all := text(final)
	if !strings.Contains(all, "You covered the environment.") || strings.Contains(all, "key points the author lists") {
		t.Errorf("reply: %s", all)
	}
	if got := final.Blocks[ph.Live.Block].Text; !strings.HasPrefix(got, "You covered") {
		t.Errorf("live block = %q", got)
	}

	// The model fails on the next learner's answer: the follow-up and the
	// word match come back.
	y := newCourseHarness(t, testCourse, nil)
	y.llm.setReply(errorReply(500, "server_error"))
	y.goTo("Why Package")
	ph, final, _ = live(t, y.answer("Pinned dependencies, and we can roll back."))
	want := "A container image pins the model together with everything it needs to run.\n\nYour answer touches 2 of the 3 key points the author lists for this question."
	if got := final.Blocks[ph.Live.Block].Text; got != want {
		t.Errorf("fallback = %q, want %q", got, want)
	}
}
