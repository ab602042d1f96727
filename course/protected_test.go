package course_test

import (
	"strings"
	"testing"

	"github.com/coursebot/coursebot/course"
)

// TestSolutionSectionIsMarked: a script's "## Solution" is lead-only and
// marked as the solution; the teaching notes are not.
func TestSolutionSectionIsMarked(t *testing.T) {
	c, err := course.LoadDir("../testdata/tutor/course")
	if err != nil {
		t.Fatal(err)
	}
	notes, solution := course.Protected(c.Lessons["1-1"])
	if !strings.Contains(notes, "LEADNOTE-7Q4Z") || strings.Contains(notes, "pip install") {
		t.Errorf("notes = %q", notes)
	}
	if !strings.Contains(solution, "## Solution") || !strings.Contains(solution, "pip install --no-cache-dir") || !strings.Contains(solution, "dependency layer stays cached") || strings.Contains(solution, "LEADNOTE") {
		t.Errorf("solution = %q", solution)
	}
	for _, v := range course.VisibleText(c.Lessons["1-1"]) {
		if strings.Contains(v, "pip install --no-cache-dir") || strings.Contains(v, "LEADNOTE") {
			t.Errorf("a card shows lead-only text: %q", v)
		}
	}
	b, err := course.LoadBuiltin()
	if err != nil {
		t.Fatal(err)
	}
	if _, solution := course.Protected(b.Lessons["4-4"]); solution != "" {
		t.Errorf("the built-in course marks no solution, got %q", solution)
	}
}
