package lessons

import (
	"fmt"
	"sort"
	"strings"

	"github.com/coursebot/coursebot/bot"
)

// searchIndex finds course passages for /help-mlops: every card's text,
// split into paragraphs, plus the catalogue's lesson titles.
type searchIndex struct {
	passages []passage
	course   *Course
}

type passage struct {
	lesson string
	card   string // card title
	text   string // the passage as written
	words  map[string]bool
	title  map[string]bool
}

func newSearchIndex(c *Course) *searchIndex {
	idx := &searchIndex{course: c}
	for _, id := range sortedIDs(c.Lessons) {
		les := c.Lessons[id]
		for _, card := range les.Cards {
			tw := words(card.Title)
			for _, b := range card.Blocks {
				var texts []string
				switch b.Kind {
				case Markdown:
					texts = strings.Split(b.Text, "\n\n")
				case Code:
					texts = []string{b.Text}
				case Question:
					texts = []string{b.Question.Prompt}
				case Checklist, Rating:
					for _, it := range b.Items {
						texts = append(texts, it.Text)
					}
				}
				for _, t := range texts {
					if strings.TrimSpace(t) == "" {
						continue
					}
					idx.passages = append(idx.passages, passage{lesson: id, card: card.Title, text: t, words: words(t), title: tw})
				}
			}
		}
	}
	return idx
}

type hit struct {
	p     passage
	score float64
}

// find returns the best passages for a query, best first.
func (s *searchIndex) find(query string, n int) []hit {
	q := words(query)
	if len(q) == 0 {
		return nil
	}
	var hits []hit
	for _, p := range s.passages {
		score := 0.0
		for w := range q {
			if p.words[w] {
				score++
			}
			if p.title[w] {
				score += 2
			}
		}
		if score > 0 {
			// Shorter passages that match are more to the point.
			score += 1 / float64(len(p.words)+1)
			hits = append(hits, hit{p, score})
		}
	}
	sort.SliceStable(hits, func(i, j int) bool { return hits[i].score > hits[j].score })
	// One passage per card: the best.
	seen := map[string]bool{}
	var out []hit
	for _, h := range hits {
		k := h.p.lesson + "\x00" + h.p.card
		if seen[k] {
			continue
		}
		seen[k] = true
		out = append(out, h)
		if len(out) == n {
			break
		}
	}
	return out
}

// help answers /help-mlops: without a topic, the commands; with one, the
// best passages of the course and the lessons to open.
func (e *request) help(topic string) []bot.Reply {
	topic = strings.TrimSpace(topic)
	if topic == "" {
		var lines []string
		for _, c := range e.commands() {
			usage := ""
			if c.Usage != "" {
				usage = " " + c.Usage
			}
			lines = append(lines, fmt.Sprintf("/%s%s: %s", c.Name, usage, c.Description))
		}
		return []bot.Reply{{Ephemeral: true, Title: "Commands", Blocks: []bot.Block{{Kind: bot.BlockMarkdown,
			Text: strings.Join(lines, "\n") + fmt.Sprintf("\n\nAsk about a topic with /%s topic, for example /%s drift detection.", e.helpName(), e.helpName())}}}}
	}
	var blocks []bot.Block
	var buttons []bot.Button
	opened := map[string]bool{}
	for _, h := range e.search.find(topic, 3) {
		les := e.course.Lessons[h.p.lesson]
		blocks = append(blocks, bot.Block{Kind: bot.BlockMarkdown, Text: fmt.Sprintf("**%s** (Lesson %s, /%s)", h.p.card, dotted(les.ID), les.Command)})
		if strings.Contains(h.p.text, "\n") && (strings.Contains(h.p.text, "┌") || strings.Contains(h.p.text, "+--")) {
			blocks = append(blocks, bot.Block{Kind: bot.BlockCode, Text: h.p.text})
		} else {
			blocks = append(blocks, bot.Block{Kind: bot.BlockMarkdown, Text: clip(h.p.text, 600)})
		}
		if !opened[les.ID] {
			opened[les.ID] = true
			buttons = append(buttons, bot.Button{Label: "Open Lesson " + dotted(les.ID), Action: bot.Action{Verb: bot.VerbOpen, Lesson: les.ID}.Encode()})
		}
	}
	// Lessons whose titles match, installed or not.
	var related []string
	q := words(topic)
	for _, entry := range e.course.Catalogue {
		for w := range words(entry.Title) {
			if q[w] {
				note := ""
				if !entry.Installed {
					note = " (not installed yet)"
				}
				related = append(related, fmt.Sprintf("/%s %s%s", entry.Command, entry.Title, note))
				break
			}
		}
	}
	if len(related) > 0 {
		blocks = append(blocks, bot.Block{Kind: bot.BlockMarkdown, Text: "**Lessons on this:**\n" + strings.Join(related, "\n")})
	}
	if len(blocks) == 0 {
		blocks = []bot.Block{{Kind: bot.BlockMarkdown, Text: fmt.Sprintf("Nothing in the course matches %q. Try another word, or /%s alone for the commands.", topic, e.helpName())}}
	}
	return []bot.Reply{{Ephemeral: true, Title: "Help: " + clip(topic, 60), Blocks: blocks, Buttons: buttons}}
}
