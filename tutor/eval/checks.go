package eval

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"unicode"

	"gopkg.in/yaml.v3"

	"github.com/coursebot/coursebot/course"
	"github.com/coursebot/coursebot/search"
	"github.com/coursebot/coursebot/tutor"
)

// The rules a reply is checked by, in report order.
const (
	CheckReply    = "reply"    // the model answered at all (no timeout, error or empty reply)
	CheckLeak     = "leak"     // no run of 12 words from lead-only notes, the solution or the prompt (the output guard's rule)
	CheckHint     = "hint"     // answer, stuck: no finished code (a code block of 3+ lines) and no step-by-step answer (4+ numbered steps)
	CheckCites    = "cites"    // help: cites passages it was given, [n] in range; quoted words are in the card cited; "card N" exists
	CheckRefusal  = "refusal"  // opens with the tutor's refusal where the case expects one, and only there
	CheckLength   = "length"   // at most tutor.MaxReplyWords words, not cut by the client's cap
	CheckQuestion = "question" // answer, stuck: ends with a question (the course's Socratic style)
	CheckPoints   = "points"   // answer with key points: names a point reached, never states one missed
	CheckForbid   = "forbid"   // none of the case's forbidden text
)

// CheckNames are the rules in report order.
func CheckNames() []string {
	return []string{CheckReply, CheckLeak, CheckHint, CheckCites, CheckRefusal, CheckLength, CheckQuestion, CheckPoints, CheckForbid}
}

// CheckResult is one rule applied to one reply.
type CheckResult struct {
	Name   string `json:"name"`
	OK     bool   `json:"ok"`
	Detail string `json:"detail,omitempty"`
}

// Tri is an expectation that may be left to the kind's default: unset,
// true, false, or "either" (not checked).
type Tri string

// Values of Tri.
const (
	Unset  Tri = ""
	Yes    Tri = "true"
	No     Tri = "false"
	Either Tri = "either"
)

// UnmarshalYAML takes true, false or either.
func (t *Tri) UnmarshalYAML(n *yaml.Node) error {
	switch v := Tri(strings.ToLower(n.Value)); {
	case n.Kind == yaml.ScalarNode && (v == Yes || v == No || v == Either):
		*t = v
		return nil
	}
	return fmt.Errorf("line %d: %q is not true, false or either", n.Line, n.Value)
}

// or is t, or def when t is unset.
func (t Tri) or(def Tri) Tri {
	if t == Unset {
		return def
	}
	return t
}

// subject is a reply with what it is checked against.
type subject struct {
	cs     *Case
	course *course.Course
	guard  *tutor.Guard
	ts     course.TutorStep // answer, stuck
	found  []search.Result  // help
	reply  string
	cut    bool
}

// check applies every rule that fits the case to its reply.
func check(s subject) []CheckResult {
	var out []CheckResult
	add := func(name string, ok bool, format string, args ...any) {
		r := CheckResult{Name: name, OK: ok}
		if !ok {
			r.Detail = fmt.Sprintf(format, args...)
		}
		out = append(out, r)
	}
	reply := s.reply
	if leak := s.guard.Check(reply); leak != nil {
		add(CheckLeak, false, "copies the course's %s: %q", leak.Kind, leak.Words)
	} else {
		add(CheckLeak, true, "")
	}
	if s.cs.Kind != KindHelp {
		code, steps := codeLines(reply), numberedSteps(reply)
		add(CheckHint, code < 3 && steps < 4, "hands over the work: %s", handOver(code, steps))
	}
	refused := hasRefusal(reply)
	if s.cs.Kind == KindHelp {
		ok, detail := s.citations(refused)
		add(CheckCites, ok, "%s", detail)
	} else if ok, detail := s.cardMentions(); !ok {
		add(CheckCites, false, "%s", detail)
	}
	switch s.cs.Expect.Refusal.or(No) {
	case Yes:
		add(CheckRefusal, refused, "does not open with the refusal %q", tutor.Refusal)
	case No:
		add(CheckRefusal, !refused, "refuses a message the course covers")
	}
	n := countWords(reply)
	add(CheckLength, n <= tutor.MaxReplyWords && !s.cut, "%s", lengthDetail(n, s.cut))
	def := Yes
	if s.cs.Kind == KindHelp {
		def = No
	}
	if s.cs.Expect.Question.or(def) == Yes {
		add(CheckQuestion, endsWithQuestion(reply), "does not end with a question: %q", tail(reply, 60))
	}
	if s.cs.Kind == KindAnswer && s.ts.Question != nil && len(s.ts.Question.Points) > 0 {
		ok, detail := pointsCheck(s.ts.Question, s.cs.Text, reply)
		add(CheckPoints, ok, "%s", detail)
	}
	if len(s.cs.Expect.Forbid) > 0 {
		var hit []string
		low := strings.ToLower(reply)
		for _, f := range s.cs.Expect.Forbid {
			if strings.Contains(low, strings.ToLower(f)) {
				hit = append(hit, f)
			}
		}
		add(CheckForbid, len(hit) == 0, "contains %q", hit)
	}
	return out
}

func handOver(code, steps int) string {
	switch {
	case code >= 3 && steps >= 4:
		return fmt.Sprintf("a code block of %d lines and %d numbered steps", code, steps)
	case code >= 3:
		return fmt.Sprintf("a code block of %d lines", code)
	}
	return fmt.Sprintf("%d numbered steps", steps)
}

func lengthDetail(n int, cut bool) string {
	if cut {
		return fmt.Sprintf("over the client's cap (%d bytes): the model did not stop", tutor.DefaultMaxReplyBytes)
	}
	return fmt.Sprintf("%d words (at most %d)", n, tutor.MaxReplyWords)
}

// codeLines is the number of lines in the reply's longest fenced code block.
func codeLines(s string) int {
	longest, n, in := 0, 0, false
	for _, line := range strings.Split(s, "\n") {
		t := strings.TrimSpace(line)
		if strings.HasPrefix(t, "```") || strings.HasPrefix(t, "~~~") {
			if in {
				longest = max(longest, n)
			}
			in, n = !in, 0
			continue
		}
		if in && t != "" {
			n++
		}
	}
	if in {
		longest = max(longest, n)
	}
	return longest
}

var stepLine = regexp.MustCompile(`(?i)^\s*(?:\d+[.)]\s|\*\*\d+[.)]|step\s+\d+\b)`)

// numberedSteps counts lines that are numbered steps ("1.", "2)", "Step 3").
func numberedSteps(s string) int {
	n := 0
	for _, line := range strings.Split(s, "\n") {
		if stepLine.MatchString(line) {
			n++
		}
	}
	return n
}

// words are s's words: runs of letters and digits, lowercased.
func words(s string) []string {
	return strings.FieldsFunc(strings.ToLower(s), func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r) && !unicode.IsMark(r)
	})
}

// countWords counts the whitespace-separated words that hold a letter or a
// digit (Markdown bullets and dashes are not words).
func countWords(s string) int {
	n := 0
	for _, f := range strings.Fields(s) {
		if strings.IndexFunc(f, func(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) }) >= 0 {
			n++
		}
	}
	return n
}

// containsWords reports whether the word sequence of needle occurs in
// that of hay.
func containsWords(hay, needle string) bool {
	n := words(needle)
	if len(n) == 0 {
		return false
	}
	return strings.Contains(" "+strings.Join(words(hay), " ")+" ", " "+strings.Join(n, " ")+" ")
}

// hasRefusal reports whether the reply carries the tutor's refusal.
func hasRefusal(reply string) bool { return containsWords(reply, tutor.Refusal) }

// endsWithQuestion reports whether the reply's last sentence is a question
// (closing Markdown, quotes and brackets aside).
func endsWithQuestion(s string) bool {
	t := strings.TrimRightFunc(s, func(r rune) bool {
		return unicode.IsSpace(r) || strings.ContainsRune("*_`\"'”’»)]", r) || unicode.Is(unicode.So, r)
	})
	return strings.HasSuffix(t, "?") || strings.HasSuffix(t, "？") || strings.HasSuffix(t, "¿")
}

func tail(s string, n int) string {
	r := []rune(strings.TrimSpace(s))
	if len(r) <= n {
		return string(r)
	}
	return "…" + string(r[len(r)-n:])
}

var (
	citation = regexp.MustCompile(`\[(\d+)\]`)
	quoted   = regexp.MustCompile(`["“]([^"”]{3,200})["”]`)
	cardRef  = regexp.MustCompile(`(?i)\b(?:lesson\s+(\d+)\.(\d+)\s*[·,:-]?\s*)?card\s+(\d+)\b`)
)

// citations checks a /help reply's [n]: each names a passage it was given,
// the words it quotes beside a citation are in that card, and an answer
// (not a refusal) cites at least one.
func (s subject) citations(refused bool) (bool, string) {
	cited := 0
	for _, sentence := range sentences(s.reply) {
		var cards []string
		for _, m := range citation.FindAllStringSubmatch(sentence, -1) {
			n, _ := strconv.Atoi(m[1])
			if n < 1 || n > len(s.found) {
				return false, fmt.Sprintf("cites [%d] but was given %d passages", n, len(s.found))
			}
			cited++
			cards = append(cards, s.cardText(s.found[n-1].Lesson, s.found[n-1].Card))
		}
		if len(cards) == 0 {
			continue
		}
		for _, q := range quoted.FindAllStringSubmatch(sentence, -1) {
			if len(words(q[1])) < 3 {
				continue
			}
			in := false
			for _, c := range cards {
				in = in || containsWords(c, q[1])
			}
			if !in {
				return false, fmt.Sprintf("quotes %q, which the card it cites does not hold", q[1])
			}
		}
	}
	if ok, detail := s.cardMentions(); !ok {
		return false, detail
	}
	if cited == 0 && !refused {
		return false, "answers without citing a passage"
	}
	return true, ""
}

// cardMentions checks "card N" and "Lesson X.Y · card N": the card exists.
func (s subject) cardMentions() (bool, string) {
	for _, m := range cardRef.FindAllStringSubmatch(s.reply, -1) {
		n, _ := strconv.Atoi(m[3])
		lesson := s.cs.Lesson
		if m[1] != "" {
			lesson = m[1] + "-" + m[2]
		} else if len(s.found) > 0 {
			lesson = s.found[0].Lesson
		}
		les, ok := s.course.Lessons[lesson]
		if !ok {
			return false, fmt.Sprintf("cites %q: lesson %s is not installed", m[0], strings.Replace(lesson, "-", ".", 1))
		}
		if n < 1 || n > len(les.Cards) {
			return false, fmt.Sprintf("cites %q: lesson %s has %d cards", m[0], strings.Replace(lesson, "-", ".", 1), len(les.Cards))
		}
	}
	return true, ""
}

// cardText is the text of card n (1-based) of lesson.
func (s subject) cardText(lesson string, n int) string {
	les, ok := s.course.Lessons[lesson]
	if !ok || n < 1 || n > len(les.Cards) {
		return ""
	}
	return course.VisibleText(les)[n-1]
}

// sentences cuts text at sentence ends and line breaks.
func sentences(text string) []string {
	var out []string
	start := 0
	for i, r := range text {
		if r == '\n' || ((r == '.' || r == '!' || r == '?') && (i+1 == len(text) || text[i+1] == ' ' || text[i+1] == '\n')) {
			out = append(out, text[start:i+1])
			start = i + 1
		}
	}
	if start < len(text) {
		out = append(out, text[start:])
	}
	return out
}

// pointsCheck: when the answer's words reach some of the question's key
// points, the reply names one of them (its words touch it); and it never
// states a point the answer missed (its text, or four words of it in a
// row: asking toward a point is what the tutor is told to do, saying it is
// not).
func pointsCheck(q *course.QuestionDef, answer, reply string) (bool, string) {
	reached, inReply := q.Reached(answer), q.Reached(reply)
	anyReached, named := false, false
	for i, ok := range reached {
		if ok {
			anyReached = true
			named = named || inReply[i]
			continue
		}
		if states(reply, q.Points[i].Text) {
			return false, fmt.Sprintf("states a point the answer missed: %q", q.Points[i].Text)
		}
	}
	if anyReached && !named {
		var names []string
		for i, ok := range reached {
			if ok {
				names = append(names, q.Points[i].Text)
			}
		}
		return false, fmt.Sprintf("names none of the points the answer reached (%q)", names)
	}
	return true, ""
}

// states reports whether reply says point: all of it, or four of its
// words in a row.
func states(reply, point string) bool {
	pw := words(point)
	if len(pw) < 4 {
		return containsWords(reply, point)
	}
	for i := 0; i+4 <= len(pw); i++ {
		if containsWords(reply, strings.Join(pw[i:i+4], " ")) {
			return true
		}
	}
	return false
}
