package markup

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

const fence = "```"

// Split cuts text into pieces of at most limit runes. It cuts at blank lines
// outside code blocks when it can, otherwise between lines; it never cuts
// inside a line unless that single line is longer than a piece can hold.
// When a cut falls inside a ``` code block the piece is closed with ``` and
// the next piece reopens it with the original opening fence (info word
// included when the fence line is short), so each piece is well formed.
// Runs of blank lines between paragraphs become one blank line, and leading
// and trailing blank lines are dropped; every other line is kept in order.
// Empty text gives no pieces.
func Split(text string, limit int) []string {
	limit = max(limit, MinLimit)
	text = strings.Trim(text, "\n")
	if strings.TrimSpace(text) == "" {
		return nil
	}
	if utf8.RuneCountInString(text) <= limit {
		return []string{text}
	}
	s := &splitter{limit: limit}
	for _, u := range paragraphs(text) {
		s.addUnit(u)
	}
	s.flush()
	return s.pieces
}

// CodeBlock wraps verbatim text in ``` fences, split into as many blocks as
// needed so that each, fences included, has at most limit runes. It cuts only
// between lines, except a single line too long for a block (last resort).
// A "```" inside text gets a zero-width space so it cannot end the block.
// Empty text gives no blocks.
func CodeBlock(text string, limit int) []string {
	text = strings.TrimRight(text, "\n")
	if text == "" {
		return nil
	}
	return Split(fence+"\n"+breakFences(text)+"\n"+fence, limit)
}

// breakFences inserts zero-width spaces until no run of three backticks is left.
func breakFences(s string) string {
	for strings.Contains(s, fence) {
		s = strings.ReplaceAll(s, fence, "`"+zwsp+"``")
	}
	return s
}

// togglesFence reports whether a line opens or closes a ``` block: an odd
// number of fences on it (so "```go" and "```" toggle, "```x```" does not).
func togglesFence(line string) bool { return strings.Count(line, fence)%2 == 1 }

// openerOf is the line a continuation piece reopens a block with.
func openerOf(line string) string {
	t := strings.TrimSpace(line)
	if strings.HasPrefix(t, fence) && strings.Count(t, fence) == 1 && utf8.RuneCountInString(t) <= 16 {
		return t
	}
	return fence
}

// paragraphs groups lines into units separated by blank lines outside code.
func paragraphs(text string) [][]string {
	var units [][]string
	var cur []string
	in := false
	for _, line := range strings.Split(text, "\n") {
		if !in && strings.TrimSpace(line) == "" {
			if len(cur) > 0 {
				units = append(units, cur)
				cur = nil
			}
			continue
		}
		if togglesFence(line) {
			in = !in
		}
		cur = append(cur, line)
	}
	if len(cur) > 0 {
		units = append(units, cur)
	}
	return units
}

type splitter struct {
	limit  int
	pieces []string
	cur    []string
	n      int  // runes in strings.Join(cur, "\n")
	fresh  bool // cur holds only a reopened fence
}

func runes(s string) int { return utf8.RuneCountInString(s) }

func (s *splitter) sep() int {
	if len(s.cur) == 0 {
		return 0
	}
	return 1
}

func (s *splitter) add(line string) {
	s.n += s.sep() + runes(line)
	s.cur = append(s.cur, line)
	s.fresh = false
}

func (s *splitter) flush() {
	if p := strings.Join(s.cur, "\n"); strings.TrimSpace(p) != "" {
		s.pieces = append(s.pieces, p) // a piece of only spaces says nothing
	}
	s.cur, s.n, s.fresh = nil, 0, false
}

// cut ends the current piece; inside a code block it closes the block and
// reopens it in the next piece.
func (s *splitter) cut(in bool, opener string) {
	if in {
		s.add(fence)
	}
	s.flush()
	if in {
		s.add(opener)
		s.fresh = true
	}
}

func (s *splitter) addUnit(lines []string) {
	u := strings.Join(lines, "\n")
	l := runes(u)
	if len(s.cur) > 0 && s.n+2+l <= s.limit {
		s.cur = append(s.cur, "", u)
		s.n += 2 + l
		return
	}
	s.flush()
	if l <= s.limit {
		s.cur, s.n = []string{u}, l
		return
	}
	s.splitLines(lines)
}

func (s *splitter) splitLines(lines []string) {
	in := false
	opener := fence
	for _, line := range lines {
		toggle := togglesFence(line)
		after := in != toggle
		reserve := 0
		if after {
			reserve = 1 + len(fence) // "\n```" to close the block at a cut
		}
		fits := func() bool { return s.n+s.sep()+runes(line)+reserve <= s.limit }
		if !fits() && len(s.cur) > 0 && !s.fresh {
			s.cut(in, opener)
		}
		if fits() {
			s.add(line)
		} else {
			s.hardCut(line, in, opener, in || after)
		}
		if toggle && after {
			opener = openerOf(line)
		}
		in = after
	}
}

// hardCut adds a line too long for any piece, in rune-boundary fragments.
// It keeps room for a closing fence when the line is in or opens a block.
func (s *splitter) hardCut(line string, in bool, opener string, closing bool) {
	reserve := 0
	if closing {
		reserve = 1 + len(fence)
	}
	for line != "" {
		room := s.limit - s.n - s.sep() - reserve
		if room <= 0 {
			s.cut(in, opener)
			continue
		}
		i, k := 0, 0
		for i < len(line) && k < room {
			_, size := utf8.DecodeRuneInString(line[i:])
			i += size
			k++
		}
		s.add(line[:i])
		line = line[i:]
		if line != "" {
			s.cut(in, opener)
		}
	}
}

// Truncate returns s cut to at most n characters (runes): when it is
// longer, its first n-1, without trailing spaces, and "…". It is the one
// truncation of titles, labels and previews on every platform.
func Truncate(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return strings.TrimRightFunc(string(r[:max(n-1, 0)]), unicode.IsSpace) + "…"
}
