package lessons_test

import (
	"strings"
	"testing"
	"testing/fstest"

	"github.com/coursebot/coursebot/course"
	"github.com/coursebot/coursebot/lessons"
)

// TestAuthorNotesDoNotReachLearners: the seed script's instructions to
// the tutor that introduce a list or a diagram ("Acknowledge their
// journey:", "Draw the complete system together:", "Point to advanced
// topics they can explore:", "Walk through the production readiness
// checklist:", "Celebrate completion:", "Encourage them:") go to the
// leads' notes; what they introduce stays for the learner, in the second
// person; and no line of the built-in course is left unsure.
func TestAuthorNotesDoNotReachLearners(t *testing.T) {
	t.Parallel()
	c := builtin(t)
	les := c.Lessons["4-4"]
	replies, err := lessons.PreviewReplies(c, "4-4")
	if err != nil {
		t.Fatal(err)
	}
	var shown strings.Builder
	for _, r := range replies {
		for _, b := range r.Blocks {
			shown.WriteString(b.Text + "\n")
		}
	}
	notes := course.LeadNotesText(les)
	for _, line := range []string{"Acknowledge their journey:", "Draw the complete system together:", "Point to advanced topics they can explore:",
		"Walk through the production readiness checklist:", "Celebrate completion:", "Encourage them:"} {
		for _, form := range []string{line, strings.ReplaceAll(strings.ReplaceAll(line, "their", "your"), "they", "you")} {
			if strings.Contains(shown.String(), form) {
				t.Errorf("learners read the tutor's instruction %q", form)
			}
		}
		if !strings.Contains(notes, line) {
			t.Errorf("the leads' notes lack %q", line)
		}
	}
	for _, kept := range []string{"Level 1: Built and containerized a model", "You've built a production ML system", "Share what you learned",
		"Final advice:", "Feature stores (Feast, Tecton)", "Challenge: Simulate a full MLOps cycle."} {
		if !strings.Contains(shown.String(), kept) {
			t.Errorf("learners no longer read %q", kept)
		}
	}
	if len(les.Unsure) != 0 {
		t.Errorf("unsure lines in the built-in course: %v", les.Unsure)
	}
}

// TestCheckListsEveryUnsureLine: a line no rule places surely for the
// learner or the tutor is shown to the learner and listed by Warnings
// (lessons check) at its file and line; the lines the rules do place are
// not listed.
func TestCheckListsEveryUnsureLine(t *testing.T) {
	t.Parallel()
	script := strings.Join([]string{
		"# Lesson 1.1: Basics", "", "## Lesson Flow", "", "### 1. Opener (3 min)", // 1-5
		`"Welcome to the course."`, "", // 6: quoted: learner
		"Review the diagram together.", "", // 8: an order with no list after it: unsure
		"Everything you built comes together in one pipeline here:", "", "- data", "- model", "", // 10: a long introduction: unsure
		"Key ideas:", "", "- versioning", "", // 15: a label: learner
		"They have shipped:", "", "- a model", "", // 18: about the learner, first word: learner
		"Remind them of the commands:", "", "- /status", "", // 21: third person: tutor
		"Check the logs:", "", "- app.log", "", // 24: an order introducing a list: tutor
		"Data changes; code alone does not reproduce a model.", "", // 27: a statement: learner
		"Build an image that serves the model:", "", "- run it on your machine", "", // 29: an order to the learner: learner
	}, "\n")
	c, err := course.LoadFS(fstest.MapFS{".claude/commands/start-1-1.md": {Data: []byte(script)}}, "test")
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, w := range course.Warnings(c) {
		got = append(got, w.String())
	}
	want := []string{".claude/commands/start-1-1.md:8: warning: unsure", ".claude/commands/start-1-1.md:10: warning: unsure"}
	if len(got) != len(want) {
		t.Fatalf("warnings:\n%s\nwant lines 8 and 10 only", strings.Join(got, "\n"))
	}
	for i, w := range want {
		if !strings.HasPrefix(got[i], w) {
			t.Errorf("warning %d = %q, want %q…", i, got[i], w)
		}
	}
	les := c.Lessons["1-1"]
	notes := course.LeadNotesText(les)
	for _, tutor := range []string{"Remind them of the commands:", "Check the logs:"} {
		if !strings.Contains(notes, tutor) {
			t.Errorf("the leads' notes lack %q:\n%s", tutor, notes)
		}
	}
	replies, err := lessons.PreviewReplies(c, "1-1")
	if err != nil {
		t.Fatal(err)
	}
	var shown strings.Builder
	for _, r := range replies {
		for _, b := range r.Blocks {
			shown.WriteString(b.Text + "\n")
		}
	}
	for _, learner := range []string{"Welcome to the course.", "Review the diagram together.", "Everything you built", "Key ideas:", "You have shipped:", "- /status", "Data changes",
		"Build an image that serves the model:"} {
		if !strings.Contains(shown.String(), learner) {
			t.Errorf("learners do not read %q:\n%s", learner, shown.String())
		}
	}
}
