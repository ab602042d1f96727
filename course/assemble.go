package course

import (
	"fmt"
	"hash/fnv"
	"regexp"
	"sort"
	"strings"
	"unicode"
)

// assemble turns a parsed script and module into a Lesson: the script's
// steps are the spine, and each module section is delivered with the step
// it belongs to (see attachSections and docs/course-format.md).
func assemble(id string, sc *script, mod *module, man lessonManifest, l *loader) *Lesson {
	les := &Lesson{ID: id, Command: "start-" + id, Title: sc.title, ScriptFile: sc.file}
	for _, s := range sc.steps {
		les.Steps = append(les.Steps, s.Step)
	}
	les.LeadNotes = append(les.LeadNotes, sc.leadNotes...)
	cv := &converter{lesson: id, les: les, l: l, ids: map[string]int{}, keys: map[string]int{}}

	var intro []int
	byStep := make([][]int, len(sc.steps))
	if mod != nil {
		les.ModuleFile = mod.file
		les.Minutes = mod.minutes
		intro, byStep = attachSections(sc.steps, mod, man, l)
	}
	if les.Minutes == 0 {
		for _, s := range sc.steps {
			les.Minutes += s.Minutes
		}
	}

	// The opening card: the lesson's title and the module's preamble
	// (learning objectives, duration).
	open := &Card{Key: cv.key("intro"), Step: -1, Title: sc.title, Source: Source{sc.file, 1}}
	for _, si := range intro {
		s := mod.sections[si]
		if s.title != "" {
			open.Blocks = append(open.Blocks, Block{Kind: Markdown, Text: "**" + s.title + "**", Line: s.line})
		}
		cv.file, cv.voice = mod.file, false
		for _, c := range cv.cards("", -1, Source{mod.file, s.line}, s.blocks, false) {
			open.Blocks = append(open.Blocks, c.Blocks...)
		}
	}
	les.Cards = append(les.Cards, open)

	for i, st := range sc.steps {
		cv.file, cv.voice = sc.file, true
		les.Cards = append(les.Cards, cv.cards(st.Title, i, Source{sc.file, st.Line}, st.blocks, false)...)
		for _, si := range byStep[i] {
			s := mod.sections[si]
			cv.file, cv.voice = mod.file, false
			les.Cards = append(les.Cards, cv.cards(s.title, i, Source{mod.file, s.line}, s.blocks, true)...)
		}
	}
	if !l.raw {
		les.Cards = fitScreens(les.Cards)
	}
	for i, c := range les.Cards {
		c.Index = i
	}
	les.Backgrounds, les.BackgroundCard = findBackgrounds(les)
	// Leads read the notes in the order of the script.
	sort.SliceStable(les.LeadNotes, func(i, j int) bool {
		a, b := les.LeadNotes[i].Source, les.LeadNotes[j].Source
		if a.File != b.File {
			return a.File == sc.file
		}
		return a.Line < b.Line
	})
	return les
}

// converter turns Markdown blocks into cards.
type converter struct {
	lesson string
	les    *Lesson
	l      *loader
	file   string
	voice  bool // script text: speak to the learner ("they" -> "you")
	ids    map[string]int
	keys   map[string]int
}

var (
	askQuoted   = regexp.MustCompile(`^Ask:\s*["“](.+?)["”]\s*$`)
	askLoose    = regexp.MustCompile(`^Ask:`)
	askThem     = regexp.MustCompile(`^Ask (?:them|the student|the learner) to (.+?)\.?\s*$`)
	useAnswer   = regexp.MustCompile(`^Use (?:their|the student's|the learner's) answers? to [^:]+:\s*(.+)$`)
	boldLabel   = regexp.MustCompile(`^\*\*([^*]+?)\*\*:?\s*$`)
	thirdPerson = regexp.MustCompile(`\b(?:they|them|their)\b`)
	codeItem    = regexp.MustCompile(`^(\s*)\[( |x|X)\]\s+(.+?)\s*$`)
	ratingRow   = regexp.MustCompile(`^\|\s*1\s*\|\s*2\s*\|\s*3\s*\|\s*4\s*\|\s*5\s*\|\s*(.+?)\s*$`)
	gridBorder  = regexp.MustCompile(`^[+\-|= ]+$`)
)

// cards converts one step's or section's blocks into cards. Script steps
// split after each question (a question waits for its answer); module
// sections split at "###" headings when h3 is set.
func (cv *converter) cards(title string, step int, src Source, blocks []mdBlock, h3 bool) []*Card {
	cb := &cardBuilder{cv: cv, step: step, h3: h3, cur: &Card{Title: title, Step: step, Source: src}}
	if h3 && title != "" {
		cb.cur.heading = 2 // a module's "##" section
	}
	for i := 0; i < len(blocks); i++ {
		i = cb.block(blocks, i)
	}
	cb.flushLabel()
	if len(cb.cur.Blocks) > 0 || len(cb.out) == 0 {
		cb.out = append(cb.out, cb.cur)
	}
	for _, c := range cb.out {
		c.Key = cv.key(c.Title)
	}
	return cb.out
}

// cardBuilder is the state cards() keeps between blocks: the card being
// filled, the cards done, and a "**Label**" paragraph waiting to see what
// follows (a checklist's or a grid's group, or text).
type cardBuilder struct {
	cv    *converter
	step  int
	h3    bool // "###" headings start cards (module sections)
	out   []*Card
	cur   *Card
	label *mdBlock
	// apart is set when a line between two blocks went to the leads'
	// notes: what follows starts a block of its own, so two lists the line
	// kept apart do not read as one.
	apart bool
}

// block takes blocks[i], and any blocks after it that belong to it (a
// quiz's options, a question's follow-up), and returns the index of the
// last block it took.
func (cb *cardBuilder) block(blocks []mdBlock, i int) int {
	b := blocks[i]
	switch b.kind {
	case mdBreak:
	case mdHeading:
		cb.flushLabel()
		if cb.h3 && b.level == 3 && len(cb.cur.Blocks) > 0 {
			cb.newCard(b.text, b.start, 3)
		} else {
			cb.addMD(strings.Repeat("#", b.level)+" "+b.text, b.start)
		}
	case mdParagraph:
		return cb.paragraph(blocks, i)
	case mdList:
		cb.list(b)
	case mdCode:
		cb.code(b)
	default:
		cb.flushLabel()
		cb.addMD(b.text, b.start)
	}
	return i
}

// paragraph takes a paragraph: a quiz, key points out of place, a label,
// a question, a line for the tutor, or text for the learner.
func (cb *cardBuilder) paragraph(blocks []mdBlock, i int) int {
	cv, b := cb.cv, blocks[i]
	switch {
	case isQuizStart(b.text):
		cb.flushLabel()
		q, end := cv.quiz(blocks, i)
		if q != nil {
			// A quiz waits for its answer, like a question.
			cb.cur.Blocks = append(cb.cur.Blocks, Block{Kind: Quiz, Quiz: q, Line: b.start})
			cb.newCard(cb.cur.Title+" (continued)", blocks[end].end+1, 0)
		}
		return end
	case cv.voice && isKeyPoints(b):
		// Not under a question: reported, and kept off the card.
		cv.l.problem(cv.file, b.start, "\"Key points:\" belongs right under an Ask: \"...\" question (or its follow-up)")
		if i+1 < len(blocks) && blocks[i+1].kind == mdList {
			return i + 1
		}
		return i
	case boldLabel.MatchString(b.text) && !strings.Contains(b.text, "\n"):
		cb.flushLabel()
		cb.label = &blocks[i]
		return i
	}
	cb.flushLabel()
	if q := cv.question(b); q != nil {
		return cb.question(blocks, i, q)
	}
	if cv.voice {
		who, sure := voiceOf(blocks, i)
		if !sure {
			cv.les.Unsure = append(cv.les.Unsure, Source{cv.file, b.start})
		}
		if who == forTutor {
			cv.leadNote(b)
			cb.apart = true
			return i
		}
	}
	cb.addMD(cv.speak(b.text), b.start)
	return i
}

// question puts a question on the card with its follow-up: the paragraphs
// right after it tell the tutor what to do with the answer, and the
// learner sees them afterwards; key points may sit among them
// (keypoints.go). The card ends there, as a question waits for its answer.
func (cb *cardBuilder) question(blocks []mdBlock, i int, q *QuestionDef) int {
	cv, b := cb.cv, blocks[i]
	cb.cur.Blocks = append(cb.cur.Blocks, Block{Kind: Question, Question: q, Line: b.start})
	var follow []string
	for i+1 < len(blocks) {
		if end, ok := cv.keyPoints(blocks, i+1, q); ok {
			i = end
			continue
		}
		if blocks[i+1].kind != mdParagraph || cv.question(blocks[i+1]) != nil {
			break
		}
		i++
		follow = append(follow, cv.followUp(blocks[i]))
	}
	q.FollowUp = strings.Join(follow, "\n\n")
	cb.newCard(cb.cur.Title+" (continued)", b.end+1, 0)
	return i
}

// list takes a list: a task list is a checklist (grouped under a waiting
// label), any other list is text.
func (cb *cardBuilder) list(b mdBlock) {
	cv := cb.cv
	if len(b.tasks) == 0 || len(b.tasks) != b.items {
		cb.flushLabel()
		cb.addMD(cv.speak(b.text), b.start)
		return
	}
	group := cb.takeLabel()
	items := make([]ItemDef, 0, len(b.tasks))
	for _, t := range b.tasks {
		items = append(items, ItemDef{ID: cv.id("c", group+"\x00"+t.text), Group: group, Text: cv.speak(t.text), Line: t.line})
	}
	cb.addItems(Checklist, items, b.start)
}

// code takes a code block: a 1-5 rating grid, a checklist of "[ ] item"
// lines, or code kept as written.
func (cb *cardBuilder) code(b mdBlock) {
	group := ""
	if cb.label != nil {
		group = labelText(cb.label.text)
	}
	if items, ok := cb.cv.ratingGrid(b, group); ok {
		cb.label = nil
		cb.addItems(Rating, items, b.start)
		return
	}
	if items, ok := cb.cv.codeChecklist(b, group); ok {
		cb.label = nil
		cb.addItems(Checklist, items, b.start)
		return
	}
	cb.flushLabel()
	cb.cur.Blocks = append(cb.cur.Blocks, Block{Kind: Code, Text: b.code, Lang: b.lang, Line: b.start})
}

// newCard ends the card being filled (unless it is still empty and
// untitled) and starts the next.
func (cb *cardBuilder) newCard(title string, line, heading int) {
	if cb.cur.Title == "" && len(cb.cur.Blocks) == 0 {
		return
	}
	cb.out = append(cb.out, cb.cur)
	cb.cur = &Card{Title: title, Step: cb.step, Source: Source{cb.cv.file, line}, heading: heading}
}

// addMD adds Markdown to the card, joined to the Markdown block before it
// unless a line for the tutor kept them apart.
func (cb *cardBuilder) addMD(text string, line int) {
	if n := len(cb.cur.Blocks); n > 0 && cb.cur.Blocks[n-1].Kind == Markdown && !cb.apart {
		blk := &cb.cur.Blocks[n-1]
		blk.pieces = append(blk.pieces, piece{off: len(blk.Text) + 2, line: line})
		blk.Text += "\n\n" + text
		return
	}
	cb.apart = false
	cb.cur.Blocks = append(cb.cur.Blocks, Block{Kind: Markdown, Text: text, Line: line})
}

// addItems adds checklist or rating items, joined to a block of the same
// kind right before them.
func (cb *cardBuilder) addItems(kind BlockKind, items []ItemDef, line int) {
	if n := len(cb.cur.Blocks); n > 0 && cb.cur.Blocks[n-1].Kind == kind {
		cb.cur.Blocks[n-1].Items = append(cb.cur.Blocks[n-1].Items, items...)
		return
	}
	cb.cur.Blocks = append(cb.cur.Blocks, Block{Kind: kind, Items: items, Line: line})
}

// takeLabel returns the waiting label's text as a group name ("" when none
// waits) and clears it.
func (cb *cardBuilder) takeLabel() string {
	if cb.label == nil {
		return ""
	}
	group := labelText(cb.label.text)
	cb.label = nil
	return group
}

// flushLabel puts a waiting label on the card as text: nothing it could
// name followed.
func (cb *cardBuilder) flushLabel() {
	if cb.label != nil {
		cb.addMD(cb.cv.speak(cb.label.text), cb.label.start)
		cb.label = nil
	}
}

// question recognises `Ask: "..."` and "Ask them to ...".
func (cv *converter) question(b mdBlock) *QuestionDef {
	if b.kind != mdParagraph || strings.Contains(b.text, "\n") {
		return nil
	}
	t := strings.TrimSpace(b.text)
	prompt := ""
	if m := askQuoted.FindStringSubmatch(t); m != nil {
		prompt = m[1]
	} else if m := askThem.FindStringSubmatch(t); m != nil && cv.voice {
		prompt = upperFirst(cv.speak(m[1])) + "."
	} else if askLoose.MatchString(t) {
		cv.l.problem(cv.file, b.start, "question should read Ask: \"...\" with the question in double quotes")
		return nil
	} else {
		return nil
	}
	return &QuestionDef{ID: cv.id("q", prompt), Prompt: prompt, Line: b.start}
}

// followUp is what the learner sees after answering: "Use their answer to
// frame the capstone: MLOps is ..." becomes "MLOps is ...", and the whole
// instruction is kept for leads.
func (cv *converter) followUp(b mdBlock) string {
	if m := useAnswer.FindStringSubmatch(strings.TrimSpace(b.text)); m != nil {
		cv.leadNote(b)
		return upperFirst(m[1])
	}
	return cv.speak(b.text)
}

func (cv *converter) leadNote(b mdBlock) {
	cv.les.LeadNotes = append(cv.les.LeadNotes, LeadNote{Source: Source{cv.file, b.start}, Text: b.text})
}

// speak turns the tutor's third person into the second person for script
// text the learner reads ("They've built" -> "You've built").
func (cv *converter) speak(s string) string {
	if !cv.voice {
		return s
	}
	return secondPerson(s)
}

var pronouns = regexp.MustCompile(`\b(?:[Tt]hey've|[Tt]hey're|[Tt]hey'll|[Tt]hey|[Tt]hem|[Tt]heir|[Tt]hemselves)\b`)

func secondPerson(s string) string {
	return pronouns.ReplaceAllStringFunc(s, func(w string) string {
		lower := strings.ToLower(w)
		var r string
		switch lower {
		case "they've":
			r = "you've"
		case "they're":
			r = "you're"
		case "they'll":
			r = "you'll"
		case "they", "them":
			r = "you"
		case "their":
			r = "your"
		case "themselves":
			r = "yourselves"
		}
		if unicode.IsUpper(rune(w[0])) {
			r = upperFirst(r)
		}
		return r
	})
}

// ratingGrid recognises a 1-5 grid: rows "| 1 | 2 | 3 | 4 | 5 |  Item",
// border rows "+---+", and other lines as group headings ("PILLAR 1: DESIGN").
func (cv *converter) ratingGrid(b mdBlock, group string) ([]ItemDef, bool) {
	lines := strings.Split(b.code, "\n")
	var items []ItemDef
	for i, line := range lines {
		t := strings.TrimSpace(line)
		switch {
		case t == "":
		case ratingRow.MatchString(t):
			text := ratingRow.FindStringSubmatch(t)[1]
			items = append(items, ItemDef{ID: cv.id("r", group+"\x00"+text), Group: group, Text: text, Line: b.start + 1 + i})
		case gridBorder.MatchString(t):
		default:
			if ratingRow.MatchString(strings.TrimSpace(line)) {
				continue
			}
			group = t
		}
	}
	if len(items) == 0 {
		return nil, false
	}
	// Every non-border line must be a row or a heading: a stray "| 1 | 2 |"
	// row would otherwise vanish.
	for i, line := range lines {
		t := strings.TrimSpace(line)
		if strings.HasPrefix(t, "| 1 |") && !ratingRow.MatchString(t) {
			cv.l.problem(cv.file, b.start+1+i, "rating row should read \"| 1 | 2 | 3 | 4 | 5 |  Item\"")
		}
	}
	return items, true
}

// codeChecklist recognises "[ ] item" lines in a code block. Indented items
// under an item ending in "/" are paths ("project/src/data.py"); other
// lines are group headings ("LEVEL 1: FOUNDATIONS").
func (cv *converter) codeChecklist(b mdBlock, group string) ([]ItemDef, bool) {
	lines := strings.Split(b.code, "\n")
	found := false
	for _, line := range lines {
		if codeItem.MatchString(line) {
			found = true
			break
		}
	}
	if !found {
		return nil, false
	}
	type dir struct {
		indent int
		path   string
	}
	var stack []dir
	var items []ItemDef
	for i, line := range lines {
		m := codeItem.FindStringSubmatch(line)
		if m == nil {
			if t := strings.TrimSpace(line); t != "" {
				group = t
				stack = nil
			}
			continue
		}
		indent := len(m[1])
		for len(stack) > 0 && stack[len(stack)-1].indent >= indent {
			stack = stack[:len(stack)-1]
		}
		text := m[3]
		if len(stack) > 0 {
			text = stack[len(stack)-1].path + text
		}
		if strings.HasSuffix(m[3], "/") {
			stack = append(stack, dir{indent, text})
		}
		items = append(items, ItemDef{ID: cv.id("c", group+"\x00"+text), Group: group, Text: text, Line: b.start + 1 + i})
	}
	return items, true
}

// id derives a stable id from the lesson and the item's own text; a
// repeated text in the same lesson gets a counter.
func (cv *converter) id(kind, text string) string {
	seed := cv.lesson + "\x00" + kind + "\x00" + strings.Join(strings.Fields(text), " ")
	cv.ids[seed]++
	if n := cv.ids[seed]; n > 1 {
		seed += fmt.Sprintf("\x00%d", n)
	}
	h := fnv.New64a()
	h.Write([]byte(seed))
	return fmt.Sprintf("%s%010x", kind, h.Sum64()&0xffffffffff)
}

// key derives a card key from its title, unique in the lesson.
func (cv *converter) key(title string) string {
	k := slug(title)
	if k == "" {
		k = "card"
	}
	cv.keys[k]++
	if n := cv.keys[k]; n > 1 {
		k = fmt.Sprintf("%s-%d", k, n)
	}
	return k
}

// slug lowercases s and keeps letters and digits joined by "-", at most 40 bytes.
func slug(s string) string {
	var sb strings.Builder
	dash := false
	for _, r := range strings.ToLower(s) {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			if dash && sb.Len() > 0 {
				sb.WriteByte('-')
			}
			dash = false
			if r < 128 {
				sb.WriteRune(r)
			}
			continue
		}
		dash = true
	}
	out := sb.String()
	if len(out) > 40 {
		out = strings.TrimRight(out[:40], "-")
	}
	return out
}

func labelText(s string) string {
	if m := boldLabel.FindStringSubmatch(strings.TrimSpace(s)); m != nil {
		return strings.TrimSuffix(strings.TrimSpace(m[1]), ":")
	}
	return s
}

func upperFirst(s string) string {
	for i, r := range s {
		return string(unicode.ToUpper(r)) + s[i+len(string(r)):]
	}
	return s
}
