package course

import (
	"regexp"
	"sort"
	"strings"

	"github.com/coursebot/coursebot/search"
)

// Passages cuts every installed lesson into the passages /help-mlops and
// the tutor search: each paragraph, list, table, code block, question and
// checklist or rating group of every card, in course order, with the card
// (number and title) and the heading it sits under. A bold label on its
// own line ("**When you need it:**") travels with the block it introduces.
// Graded quizzes are left out: their explanations would give answers away.
func Passages(c *Course) []search.Passage {
	var out []search.Passage
	for _, id := range sortedIDs(c.Lessons) {
		les := c.Lessons[id]
		for _, card := range les.Cards {
			out = append(out, cardPassages(les, card)...)
		}
	}
	return out
}

func cardPassages(les *Lesson, card *Card) []search.Passage {
	pw := passageWriter{les: les, card: card}
	for _, b := range card.Blocks {
		switch b.Kind {
		case Markdown:
			for _, mb := range splitBlocks([]byte(b.Text)) {
				pw.markdown(mb)
			}
		case Code:
			pw.add(search.Code, b.Text)
		case Question:
			text := b.Question.Prompt
			if b.Question.FollowUp != "" {
				text += "\n\n" + b.Question.FollowUp
			}
			pw.add(search.Text, text)
		case Quiz:
			// Not searchable: an excerpt would give the answer away.
		case Checklist, Rating:
			pw.items(b.Items)
		}
	}
	return pw.out
}

// passageWriter cuts one card into passages, each under the heading it
// stands under and with the lead paragraph that introduced it.
type passageWriter struct {
	les            *Lesson
	card           *Card
	heading, label string
	out            []search.Passage
}

func (pw *passageWriter) add(kind search.Kind, text string) {
	text = strings.TrimSpace(text)
	if text == "" {
		return
	}
	pw.out = append(pw.out, search.Passage{
		Lesson: pw.les.ID, Command: pw.les.Command, Card: pw.card.Index + 1, Cards: len(pw.les.Cards),
		CardTitle: pw.card.Title, Heading: pw.heading, Lead: pw.label, Kind: kind, Text: text,
	})
	pw.label = ""
}

// markdown adds one Markdown block: a heading is remembered, a lead
// paragraph is kept for the passage that follows it.
func (pw *passageWriter) markdown(mb mdBlock) {
	switch mb.kind {
	case mdHeading:
		pw.heading, pw.label = mb.text, ""
	case mdParagraph:
		if t := strings.TrimSpace(mb.text); isLead(t) {
			if pw.label != "" {
				prev := pw.label
				pw.label = ""
				pw.add(search.Text, prev)
			}
			pw.label = t
			return
		}
		pw.add(search.Text, mb.text)
	case mdList:
		pw.add(search.List, mb.text)
	case mdTable:
		pw.add(search.Table, mb.text)
	case mdCode:
		pw.add(search.Code, mb.code)
	case mdBreak:
	default:
		pw.add(search.Text, mb.text)
	}
}

// items adds a checklist's or rating's items, a passage per group, under
// the group's name where it has one.
func (pw *passageWriter) items(items []ItemDef) {
	for _, g := range itemGroups(items) {
		var lines []string
		for _, it := range g {
			lines = append(lines, it.Text)
		}
		saved := pw.heading
		if g[0].Group != "" {
			pw.heading = g[0].Group
		}
		pw.add(search.Items, strings.Join(lines, "\n"))
		pw.heading = saved
	}
}

// isLead reports whether a paragraph introduces what follows: a bold label
// on its own ("**When you need it:**") or one line ending with a colon.
func isLead(t string) bool {
	if strings.Contains(t, "\n") {
		return false
	}
	return boldLabel.MatchString(t) || strings.HasSuffix(t, ":")
}

// itemGroups splits items into runs of the same group.
func itemGroups(items []ItemDef) [][]ItemDef {
	var out [][]ItemDef
	for i, it := range items {
		if i == 0 || it.Group != items[i-1].Group {
			out = append(out, nil)
		}
		out[len(out)-1] = append(out[len(out)-1], it)
	}
	return out
}

// withTool matches catalogue titles that name a tool for a topic: "Data
// Versioning with DVC", "API with FastAPI".
var withTool = regexp.MustCompile(`(?i)^(.+?)\s+with\s+(.+)$`)

// Glossary is the course's own vocabulary of synonyms: each lesson title of
// the form "Topic with Tool" in the catalogue (the Commands Reference) makes
// the topic and the tool synonyms ("data versioning" <-> "dvc"), so a
// learner asking about either finds passages that say the other.
func Glossary(c *Course) search.Glossary {
	g := search.Glossary{}
	link := func(a, b string) {
		a, b = normTerm(a), normTerm(b)
		if a == "" || b == "" || a == b {
			return
		}
		for _, have := range g[a] {
			if have == b {
				return
			}
		}
		g[a] = append(g[a], b)
	}
	for _, e := range c.Catalogue {
		if m := withTool.FindStringSubmatch(e.Title); m != nil {
			link(m[1], m[2])
			link(m[2], m[1])
		}
	}
	for _, v := range g {
		sort.Strings(v)
	}
	return g
}

func normTerm(s string) string {
	return strings.Join(strings.FieldsFunc(strings.ToLower(s), func(r rune) bool {
		return (r < 'a' || r > 'z') && (r < '0' || r > '9') && r <= 127
	}), " ")
}
