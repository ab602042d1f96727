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
	var out []search.Passage
	heading, label := "", ""
	add := func(kind search.Kind, text string) {
		text = strings.TrimSpace(text)
		if text == "" {
			return
		}
		out = append(out, search.Passage{
			Lesson: les.ID, Command: les.Command, Card: card.Index + 1, Cards: len(les.Cards),
			CardTitle: card.Title, Heading: heading, Lead: label, Kind: kind, Text: text,
		})
		label = ""
	}
	for _, b := range card.Blocks {
		switch b.Kind {
		case Markdown:
			for _, mb := range splitBlocks([]byte(b.Text)) {
				switch mb.kind {
				case mdHeading:
					heading, label = mb.text, ""
				case mdParagraph:
					if t := strings.TrimSpace(mb.text); isLead(t) {
						if label != "" {
							prev := label
							label = ""
							add(search.Text, prev)
						}
						label = t
						continue
					}
					add(search.Text, mb.text)
				case mdList:
					add(search.List, mb.text)
				case mdTable:
					add(search.Table, mb.text)
				case mdCode:
					add(search.Code, mb.code)
				case mdBreak:
				default:
					add(search.Text, mb.text)
				}
			}
		case Code:
			add(search.Code, b.Text)
		case Question:
			text := b.Question.Prompt
			if b.Question.FollowUp != "" {
				text += "\n\n" + b.Question.FollowUp
			}
			add(search.Text, text)
		case Quiz:
			// Not searchable: an excerpt would give the answer away.
		case Checklist, Rating:
			for _, g := range itemGroups(b.Items) {
				var lines []string
				for _, it := range g {
					lines = append(lines, it.Text)
				}
				saved := heading
				if g[0].Group != "" {
					heading = g[0].Group
				}
				add(search.Items, strings.Join(lines, "\n"))
				heading = saved
			}
		}
	}
	return out
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
