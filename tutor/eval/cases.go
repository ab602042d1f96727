// Package eval measures a tutor model on a set of cases: each case is a
// learner's message (an answer to a question, "I'm stuck" on a capstone
// card, a /help question), sent with exactly the prompt the tutor would
// send; the reply is checked by deterministic rules (the output guard's
// leak check among them) and, optionally, scored by a judge model reported
// apart from the rules. `coursebot tutor eval` runs it; docs/tutor.md
// describes the case format and what the figures mean.
package eval

import (
	"bytes"
	"embed"
	"errors"
	"fmt"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/coursebot/coursebot/course"
	"github.com/coursebot/coursebot/internal/yamlsyntax"
)

// Kinds of case: what the learner does.
const (
	KindAnswer = "answer" // answers the question on Card
	KindStuck  = "stuck"  // presses "I'm stuck" on Card (a capstone card), saying Text if any
	KindHelp   = "help"   // asks the course's /help command Text
)

// Case is one learner message to try.
type Case struct {
	ID     string `yaml:"id" json:"id"`
	Group  string `yaml:"group" json:"group,omitempty"`
	Kind   string `yaml:"kind" json:"kind"`
	Lesson string `yaml:"lesson" json:"lesson,omitempty"`
	// Card is a card's key or title: the question's card (answer), the
	// capstone card (stuck); "" for help.
	Card string `yaml:"card" json:"card,omitempty"`
	Text string `yaml:"text" json:"text"`
	// Expect says what this case's reply must (not) do, beyond what every
	// reply of its kind is held to.
	Expect Expect `yaml:"expect" json:"expect"`
	// Line is where the case starts in its file.
	Line int `yaml:"-" json:"line"`
}

// Expect is a case's own expectations; unset fields take the kind's
// default.
type Expect struct {
	// Refusal: the reply must carry the tutor's refusal (true), must not
	// (false), or either. Default: false.
	Refusal Tri `yaml:"refusal" json:"refusal,omitempty"`
	// Question: the reply must end with a question (true) or need not
	// (false, either). Default: true for answers and stuck, false for help.
	Question Tri `yaml:"question" json:"question,omitempty"`
	// Forbid lists text the reply must not contain (case-insensitive).
	Forbid []string `yaml:"forbid" json:"forbid,omitempty"`
}

// File is a case file: a default lesson and the cases.
type File struct {
	Lesson string `yaml:"lesson"`
	Cases  []Case `yaml:"cases"`
}

//go:embed cases/builtin-4-4.yaml
var builtin embed.FS

// BuiltinCases are the cases kept with the program for the built-in
// course (Lesson 4.4).
func BuiltinCases(c *course.Course) ([]Case, error) {
	src, err := builtin.ReadFile("cases/builtin-4-4.yaml")
	if err != nil {
		return nil, fmt.Errorf("eval: %w", err)
	}
	return Parse("builtin-4-4.yaml", src, c)
}

// Parse reads a case file and checks every case against the course: the
// lesson exists, the card exists and fits the kind. Every problem is
// reported at once, as file:line: what.
func Parse(name string, src []byte, c *course.Course) ([]Case, error) {
	var doc yaml.Node
	dec := yaml.NewDecoder(bytes.NewReader(src))
	if err := dec.Decode(&doc); err != nil {
		line, msg := yamlsyntax.Split(err)
		return nil, fmt.Errorf("%s:%d: invalid YAML: %s", name, line, msg)
	}
	var problems []string
	bad := func(line int, format string, args ...any) {
		problems = append(problems, fmt.Sprintf("%s:%d: %s", name, line, fmt.Sprintf(format, args...)))
	}
	var f File
	strict := yaml.NewDecoder(bytes.NewReader(src))
	strict.KnownFields(true)
	if err := strict.Decode(&f); err != nil {
		var te *yaml.TypeError
		if !errors.As(err, &te) {
			line, msg := yamlsyntax.Split(err)
			return nil, fmt.Errorf("%s:%d: %s", name, line, msg)
		}
		// "line 12: field expcet not found in type eval.Case": each
		// problem with its line.
		for _, e := range te.Errors {
			line, msg := yamlsyntax.Split(errors.New(e))
			bad(line, "%s", msg)
		}
		return nil, fmt.Errorf("%s", strings.Join(problems, "\n"))
	}
	nodes := caseNodes(&doc)
	seen := map[string]int{}
	for i := range f.Cases {
		cs := &f.Cases[i]
		if i < len(nodes) {
			cs.Line = nodes[i].Line
		}
		if cs.Lesson == "" {
			cs.Lesson = f.Lesson
		}
		if cs.Kind == "" {
			cs.Kind = KindAnswer
		}
		switch {
		case cs.ID == "":
			bad(cs.Line, "a case needs an id")
		case seen[cs.ID] > 0:
			bad(cs.Line, "id %q is used already at line %d", cs.ID, seen[cs.ID])
		default:
			seen[cs.ID] = cs.Line
		}
		checkCase(c, cs, func(format string, args ...any) { bad(cs.Line, format, args...) })
	}
	if len(f.Cases) == 0 && len(problems) == 0 {
		bad(1, "no cases (a list under \"cases:\")")
	}
	if len(problems) > 0 {
		return nil, fmt.Errorf("%s", strings.Join(problems, "\n"))
	}
	return f.Cases, nil
}

// caseNodes are the mapping nodes of the "cases" list, for their lines.
func caseNodes(doc *yaml.Node) []*yaml.Node {
	if doc.Kind != yaml.DocumentNode || len(doc.Content) == 0 || doc.Content[0].Kind != yaml.MappingNode {
		return nil
	}
	m := doc.Content[0]
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == "cases" && m.Content[i+1].Kind == yaml.SequenceNode {
			return m.Content[i+1].Content
		}
	}
	return nil
}

// checkCase reports what does not fit the course.
func checkCase(c *course.Course, cs *Case, bad func(string, ...any)) {
	switch cs.Kind {
	case KindAnswer, KindStuck:
		les, ok := c.Lessons[cs.Lesson]
		if !ok {
			bad("%s: lesson %q is not installed (set lesson: at the top or on the case)", cs.ID, cs.Lesson)
			return
		}
		card := findCard(les, cs.Card)
		if card == nil {
			bad("%s: lesson %s has no card %q (a card's key or title, as `lessons outline` shows them)", cs.ID, les.ID, cs.Card)
			return
		}
		cs.Card = card.Key
		ts, _ := course.TutorStepOf(c, les.ID, card.Key)
		if cs.Kind == KindAnswer && ts.Question == nil {
			bad("%s: card %q has no question to answer", cs.ID, card.Title)
		}
		if cs.Kind == KindStuck && !ts.Capstone {
			bad("%s: card %q is not a capstone card (\"I'm stuck\" is offered on the cards of the step whose title names the capstone)", cs.ID, card.Title)
		}
		if cs.Kind == KindAnswer && strings.TrimSpace(cs.Text) == "" {
			bad("%s: an answer case needs text", cs.ID)
		}
	case KindHelp:
		if strings.TrimSpace(cs.Text) == "" {
			bad("%s: a help case needs the question as text", cs.ID)
		}
		if course.HelpCommand(c) == "" {
			bad("%s: the course has no help command", cs.ID)
		}
	default:
		bad("%s: kind %q is not answer, stuck or help", cs.ID, cs.Kind)
	}
}

// findCard finds a card by key or title, also once it was merged into
// another card (a case file outlives a course's edits).
func findCard(les *course.Lesson, ref string) *course.Card {
	if c := les.CardByKey(ref); c != nil {
		return c
	}
	return les.CardByTitle(ref)
}
