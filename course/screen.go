package course

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// A card should fit one screen: a laptop terminal shows about 40 lines at a
// readable size, and 2,400 characters stay within one Slack section (3,000)
// and within two Discord messages (2,000 each), which the adapters already
// split longer cards into. See docs/course-format.md "Cards within a screen".
const (
	// ScreenLines and ScreenChars are the screen budget of a card.
	ScreenLines = 40
	ScreenChars = 2400
	// screenWidth is the column a Markdown line wraps at when counted.
	screenWidth = 80
	// tinyChars bounds a card of "one short sentence" (two lines of a
	// terminal) that is merged into a neighbour.
	tinyChars = 200
)

// piece marks where an author's block (a paragraph, list, table, heading)
// starts inside a Markdown Block that joins several with a blank line: the
// places a long card may be split.
type piece struct {
	off  int // byte offset in Block.Text
	line int // its first source line
}

// Size is what a card takes on a screen: lines in a terminal of 80 columns
// and characters of text.
type Size struct {
	Lines int
	Chars int
}

func (s Size) add(o Size) Size { return Size{s.Lines + o.Lines, s.Chars + o.Chars} }

// fits reports whether s is within the screen budget.
func (s Size) fits() bool { return s.Lines <= ScreenLines && s.Chars <= ScreenChars }

// CardSize measures a card as a learner reads it: Markdown lines wrapped at
// 80 columns, code lines as they are, one line per checklist or rating item
// and group, a blank line between blocks.
func CardSize(c *Card) Size {
	var s Size
	for i, b := range c.Blocks {
		if i > 0 {
			s.Lines++
		}
		s = s.add(blockSize(b))
	}
	return s
}

func blockSize(b Block) Size {
	switch b.Kind {
	case Markdown, Code:
		return textSize(b.Text, b.Kind == Markdown)
	case Checklist, Rating:
		s := Size{}
		group := ""
		for _, it := range b.Items {
			if it.Group != group {
				group = it.Group
				s.Lines++
				s.Chars += utf8.RuneCountInString(group)
			}
			s.Lines++
			s.Chars += utf8.RuneCountInString(it.Text)
		}
		return s
	case Question:
		return textSize(b.Question.Prompt, true).add(Size{Lines: 1})
	case Quiz:
		s := textSize(b.Quiz.Prompt, true)
		for _, o := range b.Quiz.Options {
			s = s.add(textSize(o.Text, true))
		}
		return s
	}
	return Size{}
}

func textSize(text string, wrap bool) Size {
	s := Size{Chars: utf8.RuneCountInString(text)}
	for _, line := range strings.Split(text, "\n") {
		n := utf8.RuneCountInString(line)
		if wrap && n > screenWidth {
			s.Lines += (n + screenWidth - 1) / screenWidth
		} else {
			s.Lines++
		}
	}
	return s
}

// fitScreens keeps cards within a screen where the source allows: a card of
// one short sentence is merged into a neighbour of the same step, then a
// card over the budget is split at its sub-headings, then at the boundaries
// of its paragraphs, lists, tables and code blocks. Nothing of the author's
// text is changed or dropped; card keys follow the rule in
// docs/course-format.md "Card keys".
func fitScreens(cards []*Card) []*Card {
	cards = mergeTiny(cards)
	var out []*Card
	for _, c := range cards {
		out = append(out, splitCard(c)...)
	}
	return out
}

// mergeTiny merges each card of one short sentence into the next card of
// its step, or else into the previous one, when neither side carries a
// question, checklist, ratings, quiz or buttons and the result fits a
// screen. The card that comes first keeps its key and title; the other's
// title becomes a heading in it and its key an alias.
func mergeTiny(cards []*Card) []*Card {
	out := append([]*Card(nil), cards...)
	for i := 0; i < len(out); i++ {
		if !tiny(out[i]) {
			continue
		}
		switch {
		case i+1 < len(out) && mergeable(out[i], out[i+1]):
			out[i] = merged(out[i], out[i+1])
			out = append(out[:i+1], out[i+2:]...)
		case i > 0 && mergeable(out[i-1], out[i]):
			out[i-1] = merged(out[i-1], out[i])
			out = append(out[:i], out[i+1:]...)
			i--
		}
	}
	return out
}

// tiny reports whether a card is one short paragraph and nothing else.
func tiny(c *Card) bool {
	if c.Step < 0 || !plain(c) {
		return false
	}
	var text []string
	for _, b := range c.Blocks {
		if b.Kind != Markdown {
			return false
		}
		for _, p := range splitPieces(b) {
			if !isHeading(p.text) {
				text = append(text, p.text)
			}
		}
	}
	return len(text) <= 1 && utf8.RuneCountInString(strings.Join(text, "")) <= tinyChars
}

// plain reports whether a card is reading only: no question, checklist,
// ratings, quiz or buttons of its own.
func plain(c *Card) bool {
	for _, b := range c.Blocks {
		if b.Kind != Markdown && b.Kind != Code {
			return false
		}
	}
	bgs, _ := findBackgrounds(&Lesson{Cards: []*Card{c}})
	return len(bgs) == 0
}

// mergeable reports whether b can be appended to a: same step, both reading
// only, b's title a heading of the source (it becomes a heading in a), and
// the result within a screen.
func mergeable(a, b *Card) bool {
	if a.Step != b.Step || a.Step < 0 || !plain(a) || !plain(b) || b.heading == 0 {
		return false
	}
	return CardSize(a).add(Size{Lines: 2, Chars: utf8.RuneCountInString(b.Title)}).add(CardSize(b)).fits()
}

func merged(a, b *Card) *Card {
	m := *a
	m.Blocks = append([]Block(nil), a.Blocks...)
	m.Aliases = append(append(append([]string(nil), a.Aliases...), b.Key), b.Aliases...)
	head := strings.Repeat("#", b.heading) + " " + b.Title
	m.Blocks = appendMarkdown(m.Blocks, Block{Kind: Markdown, Text: head, Line: b.Source.Line})
	for _, blk := range b.Blocks {
		m.Blocks = appendMarkdown(m.Blocks, blk)
	}
	return &m
}

// appendMarkdown appends blk, joining it to a Markdown block before it with
// a blank line as the converter does.
func appendMarkdown(blocks []Block, blk Block) []Block {
	n := len(blocks)
	if n == 0 || blk.Kind != Markdown || blocks[n-1].Kind != Markdown {
		return append(blocks, blk)
	}
	last := blocks[n-1]
	base := len(last.Text) + 2
	last.pieces = append(append([]piece(nil), last.pieces...), piece{off: base, line: blk.Line})
	for _, p := range blk.pieces {
		last.pieces = append(last.pieces, piece{off: base + p.off, line: p.line})
	}
	last.Text += "\n\n" + blk.Text
	blocks[n-1] = last
	return blocks
}

// unit is what a long card is split between: one author's block of a
// Markdown Block, or a whole other block.
type unit struct {
	block Block
	size  Size
	head  bool // a heading: a part may start here
	lead  bool // a heading or a line ending in ":": stays with what follows
}

type textPiece struct {
	text string
	line int
}

// splitPieces cuts a Markdown block at the author's block boundaries.
func splitPieces(b Block) []textPiece {
	var out []textPiece
	from, line := 0, b.Line
	for _, p := range b.pieces {
		if p.off <= from || p.off > len(b.Text) {
			continue // defensive: offsets are always increasing and in range
		}
		out = append(out, textPiece{strings.TrimSuffix(b.Text[from:p.off], "\n\n"), line})
		from, line = p.off, p.line
	}
	return append(out, textPiece{b.Text[from:], line})
}

func isHeading(s string) bool {
	return strings.HasPrefix(s, "#") && !strings.Contains(s, "\n")
}

func units(c *Card) []unit {
	var out []unit
	for _, b := range c.Blocks {
		if b.Kind != Markdown {
			out = append(out, unit{block: b, size: blockSize(b)})
			continue
		}
		for _, p := range splitPieces(b) {
			t := strings.TrimSpace(p.text)
			head := isHeading(t) || (boldLabel.MatchString(t) && !strings.Contains(t, "\n"))
			out = append(out, unit{block: Block{Kind: Markdown, Text: p.text, Line: p.line},
				size: textSize(p.text, true), head: head, lead: head || strings.HasSuffix(t, ":")})
		}
	}
	return out
}

// splitCard splits a card over the screen budget into parts titled
// "<title> (1/3)": at its sub-headings first, then between blocks; a code
// block, table, list, checklist, question or quiz is never cut, and a
// heading or a line ending in ":" stays with what follows. The first part
// keeps the card's key; part n's key is "<key>~n".
func splitCard(c *Card) []*Card {
	if CardSize(c).fits() {
		return []*Card{c}
	}
	parts := packSections(sectionsOf(atomsOf(units(c))))
	if len(parts) < 2 {
		return []*Card{c}
	}
	out := make([]*Card, len(parts))
	for i, p := range parts {
		part := &Card{Key: c.Key, Step: c.Step, Title: fmt.Sprintf("%s (%d/%d)", c.Title, i+1, len(parts)),
			Source: Source{c.Source.File, p[0].block.Line}}
		if i == 0 {
			part.Source, part.Aliases = c.Source, c.Aliases
		} else {
			part.Key = fmt.Sprintf("%s~%d", c.Key, i+1)
		}
		for _, u := range p {
			part.Blocks = appendMarkdown(part.Blocks, u.block)
		}
		out[i] = part
	}
	return out
}

// atomsOf glues each lead unit to what follows it: an atom is never cut.
func atomsOf(us []unit) [][]unit {
	var atoms [][]unit
	for i, u := range us {
		if i > 0 && atoms[len(atoms)-1][len(atoms[len(atoms)-1])-1].lead {
			atoms[len(atoms)-1] = append(atoms[len(atoms)-1], u)
			continue
		}
		atoms = append(atoms, []unit{u})
	}
	return atoms
}

// sectionsOf groups atoms into sections, each starting at a heading.
func sectionsOf(atoms [][]unit) [][][]unit {
	var sections [][][]unit
	for i, a := range atoms {
		if i == 0 || a[0].head {
			sections = append(sections, nil)
		}
		sections[len(sections)-1] = append(sections[len(sections)-1], a)
	}
	return sections
}

// packSections fills parts of a screen each with whole sections; a section
// over the budget is cut between its atoms into parts of about the same
// size, filling the part already begun.
func packSections(sections [][][]unit) [][]unit {
	var parts [][]unit
	var cur []unit
	for _, s := range sections {
		var all []unit
		for _, a := range s {
			all = append(all, a...)
		}
		if unitsSize(join(cur, all)).fits() {
			cur = join(cur, all)
			continue
		}
		if unitsSize(all).fits() {
			parts, cur = append(parts, cur), all
			continue
		}
		total := unitsSize(join(cur, all))
		n := max((total.Lines+ScreenLines-1)/ScreenLines, (total.Chars+ScreenChars-1)/ScreenChars)
		target := Size{total.Lines / n, total.Chars / n}
		for _, a := range s {
			if size := unitsSize(cur); len(cur) > 0 && (!unitsSize(join(cur, a)).fits() || size.Lines >= target.Lines || size.Chars >= target.Chars) {
				parts, cur = append(parts, cur), nil
			}
			cur = join(cur, a)
		}
	}
	if len(cur) > 0 {
		parts = append(parts, cur)
	}
	return parts
}

// join returns a followed by b without changing a.
func join(a, b []unit) []unit { return append(a[:len(a):len(a)], b...) }

func unitsSize(us []unit) Size {
	var blocks []Block
	for _, u := range us {
		blocks = appendMarkdown(blocks, u.block)
	}
	return CardSize(&Card{Blocks: blocks})
}

// CardByKey returns the lesson's card with key, or the card that took it
// over when cards were merged (its Aliases); nil when there is none.
func (les *Lesson) CardByKey(key string) *Card {
	if key == "" {
		return nil
	}
	for _, c := range les.Cards {
		if c.Key == key {
			return c
		}
	}
	for _, c := range les.Cards {
		for _, a := range c.Aliases {
			if a == key {
				return c
			}
		}
	}
	return nil
}

// CardAt is the card with key (or alias), else the card at index,
// clamped: where a learner saved at key and index is now, also after a
// course edit merged, split or removed their card.
func (les *Lesson) CardAt(key string, index int) *Card {
	if c := les.CardByKey(key); c != nil {
		return c
	}
	return les.Cards[max(0, min(index, len(les.Cards)-1))]
}

// HasKey reports whether key names c: its key or one of its aliases.
func (c *Card) HasKey(key string) bool {
	if c.Key == key {
		return true
	}
	for _, a := range c.Aliases {
		if a == key {
			return true
		}
	}
	return false
}
