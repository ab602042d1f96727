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
	var out []*Card
	cur := &Card{Title: title, Step: step, Source: src}
	if h3 && title != "" {
		cur.heading = 2 // a module's "##" section
	}
	var label *mdBlock // a "**Label**" paragraph waiting to see what follows
	newCard := func(t string, line, heading int) {
		if cur.Title == "" && len(cur.Blocks) == 0 {
			return
		}
		out = append(out, cur)
		cur = &Card{Title: t, Step: step, Source: Source{cv.file, line}, heading: heading}
	}
	// apart is set when a line between two blocks went to the leads'
	// notes: what follows starts a block of its own, so two lists the line
	// kept apart do not read as one.
	apart := false
	addMD := func(text string, line int) {
		if n := len(cur.Blocks); n > 0 && cur.Blocks[n-1].Kind == Markdown && !apart {
			blk := &cur.Blocks[n-1]
			blk.pieces = append(blk.pieces, piece{off: len(blk.Text) + 2, line: line})
			blk.Text += "\n\n" + text
			return
		}
		apart = false
		cur.Blocks = append(cur.Blocks, Block{Kind: Markdown, Text: text, Line: line})
	}
	flushLabel := func() {
		if label != nil {
			addMD(cv.speak(label.text), label.start)
			label = nil
		}
	}
	addItems := func(kind BlockKind, items []ItemDef, line int) {
		if n := len(cur.Blocks); n > 0 && cur.Blocks[n-1].Kind == kind {
			cur.Blocks[n-1].Items = append(cur.Blocks[n-1].Items, items...)
			return
		}
		cur.Blocks = append(cur.Blocks, Block{Kind: kind, Items: items, Line: line})
	}
	for i := 0; i < len(blocks); i++ {
		b := blocks[i]
		switch b.kind {
		case mdBreak:
			continue
		case mdHeading:
			flushLabel()
			if h3 && b.level == 3 {
				if len(cur.Blocks) == 0 {
					addMD("### "+b.text, b.start)
					continue
				}
				newCard(b.text, b.start, 3)
				continue
			}
			addMD(strings.Repeat("#", b.level)+" "+b.text, b.start)
		case mdParagraph:
			if isQuizStart(b.text) {
				flushLabel()
				q, end := cv.quiz(blocks, i)
				i = end
				if q != nil {
					// A quiz waits for its answer, like a question.
					cur.Blocks = append(cur.Blocks, Block{Kind: Quiz, Quiz: q, Line: b.start})
					newCard(cur.Title+" (continued)", blocks[end].end+1, 0)
				}
				continue
			}
			if cv.voice && isKeyPoints(b) {
				// Not under a question: reported, and kept off the card.
				cv.l.problem(cv.file, b.start, "\"Key points:\" belongs right under an Ask: \"...\" question (or its follow-up)")
				if i+1 < len(blocks) && blocks[i+1].kind == mdList {
					i++
				}
				continue
			}
			if m := boldLabel.FindStringSubmatch(b.text); m != nil && !strings.Contains(b.text, "\n") {
				flushLabel()
				label = &blocks[i]
				continue
			}
			flushLabel()
			if q := cv.question(b); q != nil {
				cur.Blocks = append(cur.Blocks, Block{Kind: Question, Question: q, Line: b.start})
				// The paragraphs right after a question tell the tutor what
				// to do with the answer: the learner sees them afterwards.
				// Key points may sit among them (keypoints.go).
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
				newCard(cur.Title+" (continued)", b.end+1, 0)
				continue
			}
			if cv.voice {
				who, sure := voiceOf(blocks, i)
				if !sure {
					cv.les.Unsure = append(cv.les.Unsure, Source{cv.file, b.start})
				}
				if who == forTutor {
					cv.leadNote(b)
					apart = true
					continue
				}
			}
			addMD(cv.speak(b.text), b.start)
		case mdList:
			if len(b.tasks) > 0 && len(b.tasks) == b.items {
				group := ""
				if label != nil {
					group = labelText(label.text)
					label = nil
				}
				items := make([]ItemDef, 0, len(b.tasks))
				for _, t := range b.tasks {
					items = append(items, ItemDef{ID: cv.id("c", group+"\x00"+t.text), Group: group, Text: cv.speak(t.text), Line: t.line})
				}
				addItems(Checklist, items, b.start)
				continue
			}
			flushLabel()
			addMD(cv.speak(b.text), b.start)
		case mdCode:
			group := ""
			if label != nil {
				group = labelText(label.text)
			}
			if items, ok := cv.ratingGrid(b, group); ok {
				label = nil
				addItems(Rating, items, b.start)
				continue
			}
			if items, ok := cv.codeChecklist(b, group); ok {
				label = nil
				addItems(Checklist, items, b.start)
				continue
			}
			flushLabel()
			cur.Blocks = append(cur.Blocks, Block{Kind: Code, Text: b.code, Lang: b.lang, Line: b.start})
		default:
			flushLabel()
			addMD(b.text, b.start)
		}
	}
	flushLabel()
	if len(cur.Blocks) > 0 || len(out) == 0 {
		out = append(out, cur)
	}
	for _, c := range out {
		c.Key = cv.key(c.Title)
	}
	return out
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
