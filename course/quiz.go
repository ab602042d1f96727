package course

import (
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// QuizDef is a graded question written as `Quiz: "..."` in a tutor script
// or a module (see docs/course-format.md). With Options it is multiple
// choice, otherwise a short answer compared with Accept.
type QuizDef struct {
	ID      string
	Prompt  string
	Options []QuizOption
	// Correct are the letters of the right options. With more than one,
	// Any says whether one of them is enough ("Answer: B | D") or all are
	// needed ("Answer: B, D").
	Correct []string
	Any     bool
	// Accept are the short answer's alternatives as written ("dvc.yaml").
	Accept  []string
	Explain string // Markdown, may be ""
	Line    int
}

// QuizOption is one lettered option of a multiple-choice quiz.
type QuizOption struct {
	Letter string // "A"
	Text   string
}

// MaxQuizOptions bounds the options of one quiz: each is a button, and a
// card's buttons must fit Discord's 25 components with room for navigation.
const MaxQuizOptions = 10

// Multi reports whether the learner must pick several options.
func (q *QuizDef) Multi() bool { return len(q.Options) > 0 && len(q.Correct) > 1 && !q.Any }

// HasQuizzes reports whether any installed lesson has a quiz.
func (c *Course) HasQuizzes() bool {
	for _, les := range c.Lessons {
		if len(les.Quizzes()) > 0 {
			return true
		}
	}
	return false
}

// Quizzes lists the lesson's quizzes in delivery order.
func (les *Lesson) Quizzes() []*QuizDef {
	var out []*QuizDef
	for _, c := range les.Cards {
		if q := c.Quiz(); q != nil {
			out = append(out, q)
		}
	}
	return out
}

// Quiz returns the card's quiz, or nil.
func (c *Card) Quiz() *QuizDef {
	for i := range c.Blocks {
		if c.Blocks[i].Quiz != nil {
			return c.Blocks[i].Quiz
		}
	}
	return nil
}

// CorrectText is the right answer as the learner is told it.
func (q *QuizDef) CorrectText() string {
	if len(q.Options) == 0 {
		return strings.Join(q.Accept, " or ")
	}
	var parts []string
	for _, l := range q.Correct {
		parts = append(parts, l+") "+q.Option(l))
	}
	if q.Any {
		return strings.Join(parts, " or ")
	}
	return strings.Join(parts, " and ")
}

// Option is the text of the option lettered letter, "" when there is none.
func (q *QuizDef) Option(letter string) string {
	for _, o := range q.Options {
		if o.Letter == letter {
			return o.Text
		}
	}
	return ""
}

// Grade says whether answer is right. For multiple choice, answer is the
// chosen letters ("B", "BD"); for a short answer, the learner's text,
// compared case-, space- and backtick-insensitively.
func (q *QuizDef) Grade(answer string) bool {
	if len(q.Options) == 0 {
		got := normAnswer(answer)
		for _, a := range q.Accept {
			if got != "" && normAnswer(a) == got {
				return true
			}
		}
		return false
	}
	picked := SortedLetters(answer)
	if q.Any {
		return len(picked) == 1 && slices.Contains(q.Correct, picked[0])
	}
	return slices.Equal(picked, q.Correct)
}

// Letters reads a typed choice of a multiple-choice quiz: letters ("b",
// "B, D", "b and d", "(c)") or an option's exact text. It returns the
// sorted distinct letters and false when the text names no option.
func (q *QuizDef) Letters(text string) (string, bool) {
	t := strings.TrimSpace(text)
	for _, o := range q.Options {
		if normAnswer(o.Text) == normAnswer(t) {
			return o.Letter, true
		}
	}
	var out []string
	for _, f := range strings.FieldsFunc(strings.ToUpper(t), func(r rune) bool {
		return unicode.IsSpace(r) || strings.ContainsRune(",;/&()+.", r)
	}) {
		if f == "AND" {
			continue
		}
		if q.Option(f) == "" {
			return "", false
		}
		out = append(out, f)
	}
	if len(out) == 0 {
		return "", false
	}
	return strings.Join(SortedLetters(strings.Join(out, "")), ""), true
}

// SortedLetters returns the distinct upper-case letters of s, sorted
// ("db" is D, B -> B, D): a multiple-choice pick as stored.
func SortedLetters(s string) []string {
	var out []string
	for _, r := range strings.ToUpper(s) {
		if r >= 'A' && r <= 'Z' && !slices.Contains(out, string(r)) {
			out = append(out, string(r))
		}
	}
	slices.Sort(out)
	return out
}

// normAnswer folds case, drops spaces and backticks, surrounding quotes and
// a final full stop, so "`DVC.yaml`." matches "dvc.yaml".
func normAnswer(s string) string {
	s = strings.TrimSpace(s)
	s = strings.TrimRight(s, ".!?;")
	s = strings.Trim(s, `"'“”‘’`)
	var sb strings.Builder
	for _, r := range strings.ToLower(s) {
		if unicode.IsSpace(r) || r == '`' {
			continue
		}
		sb.WriteRune(r)
	}
	return sb.String()
}

var (
	quizStart  = regexp.MustCompile(`^Quiz:`)
	quizOption = regexp.MustCompile(`^\(?([A-Za-z]|\d{1,2})[).]\s+(.*)$`)
	quizTask   = regexp.MustCompile(`^\[( |x|X)\]\s+(.*)$`)
	quizAnswer = regexp.MustCompile(`(?i)^(?:answers?|correct(?:\s+answers?)?):\s*(.*)$`)
	// "**Answer:** B", "**Answer**: B", "__Quiz:__ ..." read as "Answer: B".
	quizBold    = regexp.MustCompile(`(?i)^(?:\*\*|__)\s*(quiz|answers?|correct(?:\s+answers?)?|explain|explanation)\s*(?::\s*(?:\*\*|__)|(?:\*\*|__)\s*:)`)
	quizExplain = regexp.MustCompile(`(?i)^(?:explain|explanation):\s*(.*)$`)
	listMarker  = regexp.MustCompile(`^\s*[-*+]\s+`)
	answerPick  = regexp.MustCompile(`^\(?([A-Za-z]|\d{1,2})[).]\s+\S`)
	answerSplit = regexp.MustCompile(`(?i)\s*(?:,|;|\band\b|\s)\s*`)
)

// quizLineKind is what one line of a quiz is, as quizLineOf classifies it.
type quizLineKind int

const (
	quizWrapped     quizLineKind = iota // continues what it follows (a wrapped prompt, option, answer or explanation)
	quizAnswerLine                      // "Answer: B", "Correct answers: B, D"
	quizExplainLine                     // "Explain: ...", "Explanation: ..."
	quizTaskLine                        // "[x] text": an option, ticked when it is right
	quizOptionLine                      // "B) text", "(b) text", "2. text"
)

// quizLineOf classifies one line of a quiz (list marker and bold label
// already removed by quizLine). For an Answer or Explain line, text is
// what follows the label; for a task line, the option's text and whether
// it is ticked; for an option, its label ("b", "2") and text.
func quizLineOf(t string) (kind quizLineKind, label, text string, ticked bool) {
	if m := quizAnswer.FindStringSubmatch(t); m != nil {
		return quizAnswerLine, "", m[1], false
	}
	if m := quizExplain.FindStringSubmatch(t); m != nil {
		return quizExplainLine, "", m[1], false
	}
	if m := quizTask.FindStringSubmatch(t); m != nil {
		return quizTaskLine, "", m[2], m[1] != " "
	}
	if m := quizOption.FindStringSubmatch(t); m != nil {
		return quizOptionLine, m[1], m[2], false
	}
	return quizWrapped, "", t, false
}

// isQuizLine reports whether a line (list marker removed) continues a quiz:
// an option, an Answer or an Explain line.
func isQuizLine(line string) bool {
	kind, _, _, _ := quizLineOf(quizLine(line))
	return kind != quizWrapped
}

// quizLine is a source line of a quiz without its list marker and with a
// bold label made plain ("- **Answer:** B" -> "Answer: B").
func quizLine(line string) string {
	t := strings.TrimSpace(listMarker.ReplaceAllString(line, ""))
	if m := quizBold.FindStringSubmatchIndex(t); m != nil {
		t = t[m[2]:m[3]] + ": " + strings.TrimSpace(t[m[1]:])
	}
	return strings.TrimSpace(t)
}

// isQuizStart reports whether a paragraph opens a quiz ("Quiz:", "**Quiz:**").
func isQuizStart(text string) bool {
	first, _, _ := strings.Cut(text, "\n")
	return quizStart.MatchString(quizLine(first)) && !strings.HasPrefix(strings.TrimSpace(first), "-")
}

// optionLetter turns an option's label ("b", "2") into its letter ("B").
func optionLetter(s string) string {
	if n, err := strconv.Atoi(s); err == nil {
		if n < 1 || n > 26 {
			return s
		}
		return string(rune('A' + n - 1))
	}
	return strings.ToUpper(s)
}

// srcLine is a line of a course file: its text and its 1-based number.
type srcLine struct {
	text string
	num  int
}

// quiz parses the quiz starting at blocks[i] (a paragraph beginning with
// "Quiz:") and the blocks that continue it: options, "Answer:" and
// "Explain:" may share the paragraph or follow as paragraphs or list
// items. It returns the quiz (nil when it is unusable; the problems are
// reported) and the index of its last block.
func (cv *converter) quiz(blocks []mdBlock, i int) (*QuizDef, int) {
	lines, end := quizLines(blocks, i)
	r := &quizReader{cv: cv, q: &QuizDef{Line: blocks[i].start}}
	r.q.Prompt = strings.TrimSpace(strings.TrimPrefix(lines[0].text, "Quiz:"))
	for _, l := range lines[1:] {
		r.line(l)
	}
	return r.finish(), end
}

// quizLines collects the lines of the quiz at blocks[i]: its paragraph and
// each paragraph or list after it whose first line is a quiz line. Once an
// Answer or Explain line is taken, only more of those continue the quiz (a
// checklist after a quiz stays one). end is the index of the last block.
func quizLines(blocks []mdBlock, i int) (lines []srcLine, end int) {
	answered := false
	take := func(b mdBlock) {
		for k, l := range strings.Split(b.text, "\n") {
			t := quizLine(l)
			if kind, _, _, _ := quizLineOf(t); kind == quizAnswerLine || kind == quizExplainLine {
				answered = true
			}
			lines = append(lines, srcLine{t, b.start + k})
		}
	}
	take(blocks[i])
	end = i
	for end+1 < len(blocks) {
		b := blocks[end+1]
		if b.kind != mdParagraph && b.kind != mdList {
			break
		}
		first := quizLine(strings.SplitN(b.text, "\n", 2)[0])
		kind, _, _, _ := quizLineOf(first)
		if !isQuizLine(first) || (answered && kind != quizAnswerLine && kind != quizExplainLine) {
			break
		}
		end++
		take(b)
	}
	return lines, end
}

// quizPart is the part of a quiz the lines are writing: the state of
// quizReader, which a wrapped line continues.
type quizPart int

const (
	partPrompt quizPart = iota
	partOption
	partAnswer
	partExplain
)

// quizReader is the state machine that reads a quiz's lines after its
// "Quiz:" line, fed by quizLineOf: options until an Answer or Explain
// line, after which option-like lines are wrapped text.
type quizReader struct {
	cv         *converter
	q          *QuizDef
	part       quizPart
	answer     string
	answerLine int
	explain    []string
	checked    []string // the letters of options written "[x] text"
}

// line reads one line of the quiz.
func (r *quizReader) line(l srcLine) {
	kind, label, text, ticked := quizLineOf(l.text)
	optionsOver := r.part == partAnswer || r.part == partExplain
	switch {
	case kind == quizAnswerLine:
		if r.answerLine != 0 {
			r.cv.l.problem(r.cv.file, l.num, "quiz has a second \"Answer:\" line (the first is on line %d); put alternatives on one line separated by |", r.answerLine)
			return
		}
		r.part, r.answer, r.answerLine = partAnswer, text, l.num
	case kind == quizExplainLine:
		r.part = partExplain
		r.explain = append(r.explain, text)
	case kind == quizTaskLine && !optionsOver:
		// A task list as options: lettered in order, ticked = right.
		letter := rune('A' + len(r.q.Options))
		if ticked {
			r.checked = append(r.checked, string(letter))
		}
		r.line(srcLine{fmt.Sprintf("%c) %s", letter, text), l.num})
	case kind == quizOptionLine && !optionsOver:
		r.option(label, strings.TrimSpace(text), l.num)
	default:
		r.wrapped(l.text)
	}
}

// option adds a lettered option, reporting a letter out of order, a
// repeated letter, an empty option and two options that say the same.
func (r *quizReader) option(label, text string, num int) {
	q := r.q
	letter := optionLetter(label)
	want := string(rune('A' + len(q.Options)))
	switch {
	case q.Option(letter) != "":
		r.cv.l.problem(r.cv.file, num, "quiz option %s appears twice", letter)
	case letter != want:
		r.cv.l.problem(r.cv.file, num, "quiz option %s should be %s: options are lettered A, B, C, ... in order", letter, want)
	case text == "":
		r.cv.l.problem(r.cv.file, num, "quiz option %s has no text", letter)
	}
	for _, o := range q.Options {
		if text != "" && normAnswer(o.Text) == normAnswer(text) {
			r.cv.l.problem(r.cv.file, num, "quiz options %s and %s say the same thing", o.Letter, letter)
		}
	}
	q.Options = append(q.Options, QuizOption{Letter: letter, Text: text})
	r.part = partOption
}

// wrapped continues the part being written with a wrapped line.
func (r *quizReader) wrapped(t string) {
	switch r.part {
	case partPrompt:
		r.q.Prompt += " " + t
	case partOption:
		o := &r.q.Options[len(r.q.Options)-1]
		o.Text = strings.TrimSpace(o.Text + " " + t)
	case partAnswer:
		r.answer += " " + t
	case partExplain:
		r.explain = append(r.explain, t)
	}
}

// finish checks the quiz read and returns it, or nil when it is unusable
// (the problems are reported).
func (r *quizReader) finish() *QuizDef {
	q, cv, start := r.q, r.cv, r.q.Line
	q.Prompt = strings.TrimSpace(strings.Trim(strings.TrimSpace(q.Prompt), `"“”`))
	q.Explain = strings.TrimSpace(strings.Join(r.explain, "\n"))
	ok := true
	if q.Prompt == "" {
		cv.l.problem(cv.file, start, "quiz has no question: write Quiz: \"...\"")
		ok = false
	}
	switch {
	case len(q.Options) == 1:
		cv.l.problem(cv.file, start, "quiz has one option; a multiple-choice quiz needs at least two (A, B)")
		ok = false
	case len(q.Options) > MaxQuizOptions:
		cv.l.problem(cv.file, start, "quiz has %d options; at most %d fit as buttons", len(q.Options), MaxQuizOptions)
		ok = false
	}
	answer, answerLine := strings.TrimSpace(r.answer), r.answerLine
	if answerLine == 0 && len(r.checked) > 0 && len(q.Options) > 1 {
		answerLine, answer = start, strings.Join(r.checked, ", ")
	}
	if answerLine == 0 || answer == "" {
		at := start
		if answerLine != 0 {
			at = answerLine
		}
		cv.l.problem(cv.file, at, "quiz %q has no answer: add a line \"Answer: B\" (multiple choice) or \"Answer: text | other text\" (short answer)", truncate(q.Prompt, 60))
		return nil
	}
	if len(q.Options) == 0 {
		for _, a := range strings.Split(answer, "|") {
			if a = strings.Trim(strings.TrimSpace(a), "*"); a != "" {
				q.Accept = append(q.Accept, a)
			}
		}
	} else if !cv.quizCorrect(q, answer, answerLine) {
		ok = false
	}
	if !ok {
		return nil
	}
	q.ID = cv.id("z", q.Prompt)
	return q
}

// quizCorrect reads a multiple-choice Answer line: "B", "B | D" (either),
// "B, D" or "B and D" (both), or "B) the option's text".
func (cv *converter) quizCorrect(q *QuizDef, answer string, line int) bool {
	var toks []string
	switch {
	case answerPick.MatchString(answer):
		toks = []string{optionLetter(answerPick.FindStringSubmatch(answer)[1])}
	case strings.Contains(answer, "|"):
		q.Any = true
		toks = strings.Split(answer, "|")
	default:
		toks = answerSplit.Split(answer, -1)
	}
	valid := make([]string, 0, len(q.Options))
	for _, o := range q.Options {
		valid = append(valid, o.Letter)
	}
	for _, t := range toks {
		t = optionLetter(strings.Trim(strings.TrimSpace(t), "()*`"))
		if t == "" {
			continue
		}
		if len(t) != 1 || q.Option(t) == "" {
			cv.l.problem(cv.file, line, "quiz answer %q is not one of the options %s", t, strings.Join(valid, ", "))
			return false
		}
		if !slices.Contains(q.Correct, t) {
			q.Correct = append(q.Correct, t)
		}
	}
	slices.Sort(q.Correct)
	if len(q.Correct) == 0 {
		cv.l.problem(cv.file, line, "quiz answer names no option; write Answer: B")
		return false
	}
	if len(q.Correct) == 1 {
		q.Any = false
	}
	return true
}

// truncate cuts s to at most n runes, ending in "…" when it was cut.
func truncate(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return strings.TrimRightFunc(string(r[:max(n-1, 0)]), unicode.IsSpace) + "…"
}
