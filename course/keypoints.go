package course

import (
	"fmt"
	"regexp"
	"strings"
	"unicode"

	porterstemmer "github.com/blevesearch/go-porterstemmer"
)

// KeyPoint is one point the author hopes an answer covers, listed under
// the question's `Ask:` (docs/course-format.md, "Key points").
type KeyPoint struct {
	// Text is the point as the author wrote it, without its word list.
	Text string
	// Terms are what counts as touching the point, lowercased (a term may
	// be several words): the author's "(a, b, c)" list when Listed, else
	// the point's own distinctive words.
	Terms  []string
	Listed bool
	Line   int
}

// MaxKeyPoints is the most key points a question may list.
const MaxKeyPoints = 10

var (
	// "Key points:", "**Key points:**", "**Key points**:", with an inline
	// list after the colon or none.
	keyPointsLabel = regexp.MustCompile(`(?i)^\s*(?:\*\*|__)?key points(?::(?:\*\*|__)?|(?:\*\*|__):)\s*(.*)$`)
	listItem       = regexp.MustCompile(`^\s{0,3}(?:[-*+]|\d{1,2}[.)])\s+(.*)$`)
	termList       = regexp.MustCompile(`^(.*?)\s*\(([^()]*)\)\s*\.?$`)
)

// isKeyPoints reports whether a paragraph opens a key points list.
func isKeyPoints(b mdBlock) bool {
	return b.kind == mdParagraph && !strings.Contains(strings.TrimSpace(b.text), "\n") && keyPointsLabel.MatchString(b.text)
}

// keyPoints reads the key points that start at blocks[at] into q: a
// "Key points:" paragraph and the list right after it, or "Key points: a;
// b; c" on one line. It returns the last block read, and false when
// blocks[at] is no key points label.
func (cv *converter) keyPoints(blocks []mdBlock, at int, q *QuestionDef) (int, bool) {
	b := blocks[at]
	if !isKeyPoints(b) {
		return at, false
	}
	if len(q.Points) > 0 {
		cv.l.problem(cv.file, b.start, "a second \"Key points:\" for the question %q; list them all in one", q.Prompt)
	}
	var items []string
	var lines []int
	end := at
	if inline := strings.TrimSpace(keyPointsLabel.FindStringSubmatch(strings.TrimSpace(b.text))[1]); inline != "" {
		for _, it := range strings.Split(inline, ";") {
			items, lines = append(items, it), append(lines, b.start)
		}
	} else if at+1 < len(blocks) && blocks[at+1].kind == mdList {
		end = at + 1
		items, lines = listItems(blocks[end])
	} else {
		cv.l.problem(cv.file, b.start, "\"Key points:\" should be followed by a list (\"- point (word, word)\") or the points on the same line, separated by \";\"")
		return end, true
	}
	before := len(q.Points)
	for i, it := range items {
		p, err := parsePoint(it)
		if err != "" {
			cv.l.problem(cv.file, lines[i], "key point %q: %s", strings.TrimSpace(it), err)
			continue
		}
		p.Line = lines[i]
		q.Points = append(q.Points, p)
	}
	if len(q.Points) > MaxKeyPoints && before <= MaxKeyPoints {
		cv.l.problem(cv.file, b.start, "%d key points for one question; at most %d", len(q.Points), MaxKeyPoints)
	}
	// Leads read them with the notes; they never reach the learner's card.
	var sb strings.Builder
	fmt.Fprintf(&sb, "Key points for %q:", q.Prompt)
	for _, p := range q.Points {
		sb.WriteString("\n- " + p.Text)
	}
	cv.les.LeadNotes = append(cv.les.LeadNotes, LeadNote{Source: Source{cv.file, b.start}, Text: sb.String(), Points: true})
	return end, true
}

// listItems are a Markdown list's items (continuation lines joined) with
// their lines.
func listItems(b mdBlock) ([]string, []int) {
	var items []string
	var lines []int
	for i, line := range strings.Split(b.text, "\n") {
		if m := listItem.FindStringSubmatch(line); m != nil {
			items, lines = append(items, m[1]), append(lines, b.start+i)
			continue
		}
		if t := strings.TrimSpace(line); t != "" && len(items) > 0 {
			items[len(items)-1] += " " + t
		}
	}
	return items, lines
}

// parsePoint reads "point text (term, term two)"; the problem is "" when
// it is well formed.
func parsePoint(s string) (KeyPoint, string) {
	s = strings.TrimSpace(s)
	p := KeyPoint{Text: s}
	if m := termList.FindStringSubmatch(s); m != nil {
		p.Text, p.Listed = strings.TrimSpace(m[1]), true
		for _, t := range strings.Split(m[2], ",") {
			t = strings.ToLower(strings.Join(strings.Fields(t), " "))
			if len(pointWords(t)) == 0 {
				return p, fmt.Sprintf("an empty word in its list (%s); write the words that show an answer touched it, separated by commas", m[2])
			}
			p.Terms = append(p.Terms, t)
		}
	}
	if len(pointWords(p.Text)) == 0 {
		return p, "no text: write the point, then its words in brackets if you like"
	}
	if !p.Listed {
		for _, w := range pointWords(p.Text) {
			if !smallWord(w) {
				p.Terms = append(p.Terms, w)
			}
		}
		if len(p.Terms) == 0 {
			return p, "only small words; name what the point is about, or list its words in brackets"
		}
	}
	return p, ""
}

// pointWords are s's words, lowercased.
func pointWords(s string) []string {
	return strings.FieldsFunc(strings.ToLower(s), func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) })
}

// smallWord reports a word too common to show a point was touched.
func smallWord(w string) bool {
	if stopWords[w] {
		return true
	}
	switch w {
	case "can", "same", "they", "them", "their", "will", "when", "so", "if", "all", "its", "has", "have",
		"was", "were", "been", "but", "one", "there", "more", "any", "which", "who", "i", "my", "our", "us":
		return true
	}
	return false
}

func stem(w string) string { return porterstemmer.StemString(w) }

// Reached reports, for each of q's key points, whether answer touches it:
// it holds one of the point's listed terms (each word compared by its stem,
// a term of several words as a phrase: "roll back" is touched by "rolled
// back"), or, without a list, at least half of the point's distinctive
// words. A word match is a rough guide: it says nothing about a point made
// in other words.
func (q *QuestionDef) Reached(answer string) []bool {
	var seq []string
	have := map[string]bool{}
	for _, w := range pointWords(answer) {
		s := stem(w)
		seq = append(seq, s)
		have[s] = true
	}
	joined := " " + strings.Join(seq, " ") + " "
	out := make([]bool, len(q.Points))
	for i, p := range q.Points {
		if p.Listed {
			for _, t := range p.Terms {
				var ts []string
				for _, w := range pointWords(t) {
					ts = append(ts, stem(w))
				}
				if strings.Contains(joined, " "+strings.Join(ts, " ")+" ") {
					out[i] = true
					break
				}
			}
			continue
		}
		n := 0
		for _, t := range p.Terms {
			if have[stem(t)] {
				n++
			}
		}
		out[i] = n > 0 && 2*n >= len(p.Terms)
	}
	return out
}

// AnswerFollowUp is what the learner reads after answering q with answer
// when no tutor replies: the author's follow-up and, when the answer's
// words touch some of the key points, how many.
func AnswerFollowUp(q *QuestionDef, answer string) string {
	n := 0
	for _, ok := range q.Reached(answer) {
		if ok {
			n++
		}
	}
	if n == 0 {
		return q.FollowUp
	}
	note := fmt.Sprintf("Your answer touches %d of the %d key points the author lists for this question.", n, len(q.Points))
	if q.FollowUp == "" {
		return note
	}
	return q.FollowUp + "\n\n" + note
}
