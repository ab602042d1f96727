package lessons_test

import (
	"strings"
	"testing"
)

// /start-4-4 step 5 and the Steps button go straight to a step, on a fresh
// learner too; a step that does not exist is refused with the range.
func TestJumpToStep(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	l := h.learner("js")
	r := l.cmd("start-4-4", "step 5")
	if r.Title != "Production Checklist Review" || !strings.Contains(r.Context, "step 5 of 7") {
		t.Fatalf("step 5 = %q (%s)", r.Title, r.Context)
	}
	steps := l.press("Steps")
	if !steps.Ephemeral || !strings.Contains(text(steps), "3. Architecture Review (15 min)") || len(steps.Buttons) != 7 {
		t.Fatalf("steps = %s %+v", text(steps), steps.Buttons)
	}
	l.last = steps
	r = l.press("3. Architecture Review")
	if r.Title != "Architecture Review" || r.Ephemeral {
		t.Errorf("step 3 button = %q", r.Title)
	}
	// The learner's place moved: Back from here is step 2's card.
	if back := l.press("Back"); back.Title != "Socratic Question (continued)" && !strings.Contains(back.Context, "step 2 of 7") {
		t.Errorf("back from step 3 = %q (%s)", back.Title, back.Context)
	}
	for _, args := range []string{"step 9", "step 0", "later"} {
		r := l.cmd("start-4-4", args)
		if !r.Ephemeral || !strings.Contains(text(r), "1 to 7") {
			t.Errorf("/start-4-4 %s = %q", args, text(r))
		}
	}
}
