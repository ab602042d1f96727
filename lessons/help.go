package lessons

import (
	"context"
	"fmt"
	"strings"

	"github.com/coursebot/coursebot/bot"
	"github.com/coursebot/coursebot/course"
	"github.com/coursebot/coursebot/search"
)

// GettingStartedCommand is /help: what to do first, then every command.
// The console's banner points to it; a course that defines its own /help
// keeps it.
const GettingStartedCommand = "help"

func (e *request) courseHas(name string) bool {
	for _, c := range e.course.Commands() {
		if c.Name == name {
			return true
		}
	}
	return false
}

// gettingStarted answers /help: the lesson to start with first (the first
// installed lesson, with its length), then the other commands.
func (e *request) gettingStarted() []bot.Reply {
	var sb strings.Builder
	var buttons []bot.Button
	for _, entry := range e.course.Catalogue {
		les, ok := e.course.Lessons[entry.ID]
		if !ok {
			continue
		}
		if sb.Len() == 0 {
			fmt.Fprintf(&sb, "**Start here:** /%s — Lesson %s: %s (%s%d steps).\n", les.Command, dotted(les.ID), les.ShortTitle(), course.AboutMinutes(les.Minutes), len(les.Steps))
		} else {
			fmt.Fprintf(&sb, "Also ready: /%s — Lesson %s: %s.\n", les.Command, dotted(les.ID), les.ShortTitle())
		}
		buttons = append(buttons, bot.Button{Label: "Start Lesson " + dotted(les.ID), Action: bot.Action{Verb: bot.VerbOpen, Lesson: les.ID}.Encode(), Style: bot.StylePrimary})
	}
	if len(buttons) > 1 {
		buttons = buttons[:1]
	}
	sb.WriteString("\n**Then:**\n")
	waiting := 0
	for _, entry := range e.course.Catalogue {
		if !entry.Installed {
			waiting++
		}
	}
	for _, c := range e.commands() {
		if _, ok := course.LessonOfCommand(c.Name); ok {
			continue
		}
		usage := ""
		if c.Usage != "" {
			usage = " " + c.Usage
		}
		fmt.Fprintf(&sb, "- /%s%s: %s\n", c.Name, usage, c.Description)
	}
	if waiting > 0 {
		fmt.Fprintf(&sb, "\n%d more lessons of the course are listed in /%s; their material is not installed yet.", waiting, e.statusName())
	}
	return []bot.Reply{{Ephemeral: true, Title: "Getting started", Blocks: []bot.Block{{Kind: bot.BlockMarkdown, Text: strings.TrimSpace(sb.String())}}, Buttons: buttons}}
}

// helpResults is how many cards /help-mlops shows for a topic.
const helpResults = 3

// help answers /help-mlops: without a topic, the commands; with one, the
// best passages of the course (see Engine.Search), each rendered as the
// course writes it and with where to read it, then the lessons whose titles
// match. The learner's topic is echoed escaped, never as live Markdown.
func (e *request) help(ctx context.Context, topic string) ([]bot.Reply, error) {
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
			Text: strings.Join(lines, "\n") + fmt.Sprintf("\n\nAsk about a topic with /%s topic, for example /%s drift detection.", e.helpName(), e.helpName())}}}}, nil
	}
	results, err := e.Search(ctx, topic, helpResults)
	if err != nil {
		return nil, err
	}
	shown := escapeMarkdown(course.Clip(topic, 80))
	var blocks []bot.Block
	var buttons []bot.Button
	opened := map[string]bool{}
	if len(results) > 0 {
		blocks = append(blocks, bot.Block{Kind: bot.BlockMarkdown, Text: fmt.Sprintf("What the course says about “%s”:", shown)})
	}
	for i, r := range results {
		blocks = append(blocks, bot.Block{Kind: bot.BlockMarkdown, Text: fmt.Sprintf("**%d. %s**\nLesson %s, card %d of %d · read it with /%s", i+1, escapeMarkdown(r.CardTitle), dotted(r.Lesson), r.Card, r.Cards, r.Command)})
		for _, p := range r.Passages {
			blocks = append(blocks, excerpt(p)...)
		}
		if !opened[r.Lesson] {
			opened[r.Lesson] = true
			buttons = append(buttons, bot.Button{Label: "Open Lesson " + dotted(r.Lesson), Action: bot.Action{Verb: bot.VerbOpen, Lesson: r.Lesson}.Encode()})
		}
	}
	// Lessons whose titles match, installed or not.
	var related []string
	q := course.Words(topic)
	for _, entry := range e.course.Catalogue {
		for w := range course.Words(entry.Title) {
			if q[w] {
				note := ""
				if !entry.Installed {
					note = " (not installed yet)"
				}
				related = append(related, fmt.Sprintf("- /%s %s%s", entry.Command, entry.Title, note))
				break
			}
		}
	}
	if len(related) > 0 {
		blocks = append(blocks, bot.Block{Kind: bot.BlockMarkdown, Text: "**Lessons on this:**\n" + strings.Join(related, "\n")})
	}
	if len(blocks) == 0 {
		blocks = []bot.Block{{Kind: bot.BlockMarkdown, Text: fmt.Sprintf("Nothing in the course matches “%s”. Try another word, or /%s alone for the commands.", shown, e.helpName())}}
	}
	return []bot.Reply{{Ephemeral: true, Title: "Course search", Blocks: blocks, Buttons: buttons}}, nil
}

// Excerpt bounds: a passage longer than this is cut with an ellipsis line.
const (
	excerptLines = 14
	excerptRunes = 700
)

// excerpt renders a passage as the course writes it: paragraphs and lists
// as Markdown (a list stays a list), tables and diagrams as code blocks
// (chat platforms have no tables), checklist and rating items as a list.
func excerpt(p search.Passage) []bot.Block {
	var out []bot.Block
	md := func(s string) {
		if n := len(out); n > 0 && out[n-1].Kind == bot.BlockMarkdown {
			out[n-1].Text += "\n" + s
			return
		}
		out = append(out, bot.Block{Kind: bot.BlockMarkdown, Text: s})
	}
	if p.Lead != "" {
		md(p.Lead)
	}
	switch p.Kind {
	case search.Table:
		out = append(out, bot.Block{Kind: bot.BlockCode, Text: cutLines(alignTable(p.Text), excerptLines)})
	case search.Code:
		out = append(out, bot.Block{Kind: bot.BlockCode, Text: cutLines(p.Text, excerptLines)})
	case search.Items:
		var lines []string
		if p.Heading != "" {
			lines = append(lines, "**"+escapeMarkdown(p.Heading)+"**")
		}
		for _, it := range strings.Split(p.Text, "\n") {
			lines = append(lines, "- "+escapeMarkdown(it))
		}
		md(cutLines(strings.Join(lines, "\n"), excerptLines))
	default:
		md(cutMarkdown(p.Text))
	}
	return out
}

// cutLines keeps the first n lines of s and says when it dropped some.
func cutLines(s string, n int) string {
	lines := strings.Split(s, "\n")
	if len(lines) <= n {
		return s
	}
	return strings.Join(lines[:n], "\n") + "\n…"
}

// cutMarkdown shortens Markdown at a line boundary: at most excerptLines
// lines and about excerptRunes characters, never inside a line.
func cutMarkdown(s string) string {
	lines := strings.Split(s, "\n")
	var kept []string
	n := 0
	for i, l := range lines {
		n += len([]rune(l)) + 1
		if i >= excerptLines || (i > 0 && n > excerptRunes) {
			return strings.Join(kept, "\n") + "\n…"
		}
		kept = append(kept, l)
	}
	return s
}

// alignTable lays a GFM table out in aligned columns for a code block:
// "| a | b |" rows padded to the widest cell, the delimiter row as dashes.
func alignTable(src string) string {
	var rows [][]string
	delim := -1
	for _, line := range strings.Split(strings.TrimSpace(src), "\n") {
		t := strings.TrimSpace(line)
		t = strings.TrimSuffix(strings.TrimPrefix(t, "|"), "|")
		cells := strings.Split(t, "|")
		for i := range cells {
			cells[i] = strings.TrimSpace(cells[i])
		}
		if strings.Trim(strings.Join(cells, ""), "-: ") == "" {
			delim = len(rows)
		}
		rows = append(rows, cells)
	}
	var width []int
	for i, r := range rows {
		if i == delim {
			continue
		}
		for c, cell := range r {
			if c >= len(width) {
				width = append(width, 0)
			}
			width[c] = max(width[c], len([]rune(cell)))
		}
	}
	var sb strings.Builder
	for i, r := range rows {
		for c := range width {
			cell := ""
			if c < len(r) {
				cell = r[c]
			}
			if c > 0 {
				sb.WriteString("  ")
			}
			if i == delim {
				sb.WriteString(strings.Repeat("-", width[c]))
				continue
			}
			sb.WriteString(cell)
			if c < len(width)-1 {
				sb.WriteString(strings.Repeat(" ", width[c]-len([]rune(cell))))
			}
		}
		sb.WriteString("\n")
	}
	return strings.TrimRight(sb.String(), "\n")
}

// escapeMarkdown makes text typed by a learner (or plain course text put
// into Markdown) show as typed: the characters CommonMark reads as inline
// markup anywhere are backslash-escaped, and a line's first character when
// it would start a heading, list or quote.
func escapeMarkdown(s string) string {
	var sb strings.Builder
	for i, line := range strings.Split(s, "\n") {
		if i > 0 {
			sb.WriteByte('\n')
		}
		t := strings.TrimLeft(line, " ")
		sb.WriteString(line[:len(line)-len(t)])
		if t != "" && strings.ContainsRune("#-+=", rune(t[0])) {
			sb.WriteByte('\\')
		}
		digits := len(t) - len(strings.TrimLeft(t, "0123456789"))
		for j, r := range t {
			if strings.ContainsRune("\\`*_[]<>|~&", r) || digits > 0 && j == digits && (r == '.' || r == ')') {
				sb.WriteByte('\\')
			}
			sb.WriteRune(r)
		}
	}
	return sb.String()
}
