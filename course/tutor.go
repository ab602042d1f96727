package course

import (
	"fmt"
	"strings"
)

// TutorStep is what the optional AI tutor (package tutor) reads about one
// card to ground its reply: the tutor script's text for the card's step,
// the module reading that travels with it, the teaching notes, and the
// card's question and diagram. It is a read-only view of the course.
type TutorStep struct {
	Lesson      string // "4-4"
	LessonTitle string
	Command     string // "start-4-4"
	Card        string // card key
	// CardAliases are the keys of cards merged into this one (screen.go):
	// what was kept under them (an "I'm stuck" exchange) is this card's.
	CardAliases []string
	CardIndex   int // 0-based
	Cards       int // cards in the lesson
	CardTitle   string
	StepTitle   string // "" for the opening card
	// Script is the step's text from the tutor script (its cards' text,
	// questions and follow-ups), as Markdown.
	Script string
	// Module is the reading from the module that travels with the step.
	Module string
	// Notes are the lesson's teaching notes and instructions to the tutor.
	Notes string
	// Question is the card's question, nil when it has none.
	Question *QuestionDef
	// Diagram is the card's code blocks (the diagram an "explain each
	// component" question refers to), "" when it has none.
	Diagram string
	// Capstone is true on the cards of a step whose title names the
	// capstone.
	Capstone bool
}

// TutorStepOf returns the tutor's view of card in lesson.
func TutorStepOf(c *Course, lesson, card string) (TutorStep, bool) {
	les, ok := c.Lessons[lesson]
	if !ok {
		return TutorStep{}, false
	}
	cur := les.CardByKey(card)
	if cur == nil {
		return TutorStep{}, false
	}
	ts := TutorStep{Lesson: les.ID, LessonTitle: les.Title, Command: les.Command, Card: cur.Key, CardAliases: cur.Aliases, CardIndex: cur.Index,
		Cards: len(les.Cards), CardTitle: cur.Title, Question: cur.Question(), Notes: LeadNotesText(les)}
	var diagrams []string
	for _, b := range cur.Blocks {
		if b.Kind == Code {
			diagrams = append(diagrams, b.Text)
		}
	}
	ts.Diagram = strings.Join(diagrams, "\n\n")
	if cur.Step < 0 {
		ts.Script = cardText(cur)
		return ts, true
	}
	ts.StepTitle = les.Steps[cur.Step].Title
	ts.Capstone = IsCapstone(ts.StepTitle)
	var script, module []string
	for _, cd := range les.Cards {
		if cd.Step != cur.Step {
			continue
		}
		if cd.Source.File == les.ScriptFile {
			script = append(script, cardText(cd))
		} else {
			module = append(module, "## "+cd.Title+"\n\n"+cardText(cd))
		}
	}
	ts.Script = strings.Join(script, "\n\n")
	ts.Module = strings.Join(module, "\n\n")
	return ts, true
}

// LeadNotesText returns the lesson's notes for leads as Markdown.
func LeadNotesText(les *Lesson) string {
	var sb strings.Builder
	for _, n := range les.LeadNotes {
		sb.WriteString(n.Text)
		sb.WriteString("\n\n")
	}
	return strings.TrimSpace(sb.String())
}

// cardText is a card's content as Markdown, questions as "Ask: ...".
func cardText(c *Card) string {
	var out []string
	for _, b := range c.Blocks {
		switch b.Kind {
		case Markdown:
			out = append(out, b.Text)
		case Code:
			out = append(out, "```"+b.Lang+"\n"+b.Text+"\n```")
		case Checklist, Rating:
			var items []string
			for _, it := range b.Items {
				items = append(items, "- "+it.Text)
			}
			out = append(out, strings.Join(items, "\n"))
		case Question:
			out = append(out, fmt.Sprintf("Ask: %q", b.Question.Prompt))
			if b.Question.FollowUp != "" {
				out = append(out, b.Question.FollowUp)
			}
		}
	}
	return strings.Join(out, "\n\n")
}

// HelpCommand is the name of the course's search command ("help-mlops"),
// "" when the course has none.
func HelpCommand(c *Course) string {
	for _, x := range c.Extra {
		if x.Role == RoleHelp {
			return x.Name
		}
	}
	return ""
}

// isSolutionSection reports whether a tutor script's "##" section (its
// title lowercased) holds the solution: "## Solution", "## Capstone
// Solution", "## Answer Key".
func isSolutionSection(title string) bool {
	return strings.Contains(title, "solution") || strings.Contains(title, "answer key")
}

// Protected is the lesson's text a learner must never be shown, as the
// tutor reads it (LeadNotesText): Notes are the lead-only teaching notes
// and instructions to the tutor (not the key points, which the tutor
// names), Solution what the course marks as the solution. The output guard (package tutor) checks replies against both.
func Protected(les *Lesson) (notes, solution string) {
	var n, s []string
	for _, ln := range les.LeadNotes {
		if ln.Points {
			continue // the tutor names the points an answer reached
		}
		if ln.Solution {
			s = append(s, ln.Text)
		} else {
			n = append(n, ln.Text)
		}
	}
	return strings.Join(n, "\n\n"), strings.Join(s, "\n\n")
}

// VisibleText is the text of each of the lesson's cards as learners read
// it (questions and their follow-ups included): what a lead-only note also
// says here is not secret.
func VisibleText(les *Lesson) []string {
	out := make([]string, 0, len(les.Cards))
	for _, c := range les.Cards {
		out = append(out, cardText(c))
	}
	return out
}

// CardByTitle returns the lesson's card titled title (case and spaces
// aside), or the card that took it in when the card was merged into
// another (its key is an alias there), or nil.
func (les *Lesson) CardByTitle(title string) *Card {
	want := strings.Join(strings.Fields(title), " ")
	for _, c := range les.Cards {
		if strings.EqualFold(strings.Join(strings.Fields(c.Title), " "), want) {
			return c
		}
	}
	if k := slug(title); k != "" {
		return les.CardByKey(k)
	}
	return nil
}
