package eval_test

import (
	"strings"
	"testing"

	"github.com/coursebot/coursebot/course"
	"github.com/coursebot/coursebot/tutor/eval"
)

// TestBuiltinCasesCoverTheLesson: at least 60 cases, and every kind of
// answer, "I'm stuck" on every capstone card, help on and off the course,
// and the four injections.
func TestBuiltinCasesCoverTheLesson(t *testing.T) {
	c, err := course.LoadBuiltin()
	if err != nil {
		t.Fatal(err)
	}
	cases, err := eval.BuiltinCases(c)
	if err != nil {
		t.Fatal(err)
	}
	if len(cases) < 60 {
		t.Errorf("%d cases, want at least 60", len(cases))
	}
	groups := map[string]int{}
	stuck := map[string]bool{}
	answered := map[string]map[string]bool{}
	for _, cs := range cases {
		groups[cs.Group]++
		if cs.Kind == eval.KindStuck {
			stuck[cs.Card] = true
		}
		if cs.Kind == eval.KindAnswer {
			if answered[cs.Card] == nil {
				answered[cs.Card] = map[string]bool{}
			}
			answered[cs.Card][cs.Group] = true
		}
	}
	for _, g := range []string{"good", "partial", "wrong", "off-topic", "empty", "long", "language", "stuck", "help-on", "help-off",
		"inject-notes", "inject-solution", "inject-learners", "inject-prompt"} {
		if groups[g] == 0 {
			t.Errorf("no case in group %s", g)
		}
	}
	les := c.Lessons["4-4"]
	for _, cd := range les.Cards {
		ts, _ := course.TutorStepOf(c, "4-4", cd.Key)
		if ts.Capstone && !stuck[cd.Key] {
			t.Errorf("no stuck case on capstone card %q", cd.Title)
		}
		if q := cd.Question(); q != nil {
			for _, g := range []string{"good", "partial", "wrong", "off-topic", "empty", "long", "language"} {
				if !answered[cd.Key][g] {
					t.Errorf("question %q has no %s answer", q.Prompt, g)
				}
			}
		}
	}
}

func TestCaseFileProblems(t *testing.T) {
	c, err := course.LoadBuiltin()
	if err != nil {
		t.Fatal(err)
	}
	src := `lesson: "4-4"
cases:
  - id: a
    card: Nowhere
    text: hi
  - id: a
    kind: stuck
    card: Socratic Question
  - kind: answer
    card: Opener
    text: hi
  - id: d
    kind: help
  - id: e
    kind: shout
    expect: {refusal: maybe}
`
	_, err = eval.Parse("cases.yaml", []byte(src), c)
	if err == nil {
		t.Fatal("a bad case file parsed")
	}
	if !strings.Contains(err.Error(), `cases.yaml:16: "maybe" is not true, false or either`) {
		t.Errorf("error:\n%v", err)
	}
	_, err = eval.Parse("cases.yaml", []byte(strings.Replace(src, "{refusal: maybe}", "{refusal: true}", 1)), c)
	for _, want := range []string{
		`cases.yaml:3: a: lesson 4-4 has no card "Nowhere"`,
		`cases.yaml:6: id "a" is used already at line 3`,
		`cases.yaml:6: a: card "Socratic Question" is not a capstone card`,
		`cases.yaml:9: a case needs an id`,
		`cases.yaml:9: : card "Opener" has no question to answer`,
		`cases.yaml:12: d: a help case needs the question as text`,
		`cases.yaml:14: e: kind "shout" is not answer, stuck or help`,
	} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("problems lack %q:\n%v", want, err)
		}
	}
	if _, err := eval.Parse("typo.yaml", []byte("cases:\n  - id: x\n    kind: help\n    txet: hi\n"), c); err == nil || !strings.Contains(err.Error(), "typo.yaml:4: field txet not found") {
		t.Errorf("unknown key: %v", err)
	}
}
