package course

import (
	"regexp"
	"strconv"
	"strings"
)

// script is a parsed tutor script (".claude/commands/start-X-Y.md").
type script struct {
	file       string
	title      string
	module     string // course-relative module path named by the script
	moduleLine int
	steps      []scriptStep
	leadNotes  []LeadNote
}

type scriptStep struct {
	Step
	blocks []mdBlock
}

var (
	// "### 3. Architecture Review (15 min)"; the duration is optional.
	stepHeading = regexp.MustCompile(`^(\d+)\.\s+(.+?)(?:\s+\((\d+)\s*min(?:utes?)?\))?$`)
	moduleRef   = regexp.MustCompile("(?i)read the lesson content from `([^`]+)`")
)

// parseScript reads the tutor script: its title, the module it names, the
// steps under "## Lesson Flow" and the teaching notes.
func (l *loader) parseScript(id, file string, src []byte) *script {
	r := scriptReader{l: l, file: file, sc: &script{file: file}}
	for _, b := range splitBlocks(src) {
		if r.heading(b) || r.moduleLine(b) {
			continue
		}
		r.body(b)
	}
	sc := r.sc
	if sc.title == "" {
		l.problem(file, 1, "no title: the script should start with \"# Lesson X.Y: Title\"")
	}
	if len(sc.steps) == 0 {
		l.problem(file, 1, "no steps: expected \"## Lesson Flow\" with \"### 1. Title (M min)\" headings")
	}
	for i := range sc.steps {
		sc.steps[i].Key = slug(sc.steps[i].Title)
	}
	return sc
}

// scriptReader reads a tutor script block by block: where it is (the "##"
// section, the step) decides what a block is.
type scriptReader struct {
	l       *loader
	file    string
	sc      *script
	section string // current "##" section, lower case
	cur     *scriptStep
	badStep bool // after a malformed step heading, its text is not reported again
}

func (r *scriptReader) note(b mdBlock, text string, solution bool) {
	r.sc.leadNotes = append(r.sc.leadNotes, LeadNote{Source: Source{r.file, b.start}, Text: text, Solution: solution})
}

// heading takes the title, a "##" section or a step heading; it reports
// whether b was one of them.
func (r *scriptReader) heading(b mdBlock) bool {
	switch {
	case b.kind == mdHeading && b.level == 1:
		if r.sc.title == "" {
			r.sc.title = b.text
			return true
		}
		r.l.problem(r.file, b.start, "second top-level heading %q: a script has one \"# Lesson X.Y: Title\"", b.text)
	case b.kind == mdHeading && b.level == 2:
		r.section = strings.ToLower(b.text)
		r.cur = nil
		if r.section != "lesson flow" {
			r.note(b, "## "+b.text, isSolutionSection(r.section))
		}
	case b.kind == mdHeading && b.level == 3 && r.section == "lesson flow":
		r.step(b)
	default:
		return false
	}
	return true
}

// step starts the step a "### N. Title (M min)" heading names.
func (r *scriptReader) step(b mdBlock) {
	m := stepHeading.FindStringSubmatch(b.text)
	if m == nil {
		r.l.problem(r.file, b.start, "step heading %q should read \"### N. Title\" with an optional \"(M min)\"", b.text)
		r.cur, r.badStep = nil, true
		return
	}
	n, _ := strconv.Atoi(m[1])
	if want := len(r.sc.steps) + 1; n != want {
		r.l.problem(r.file, b.start, "step %d follows step %d; steps are numbered 1, 2, 3, ...", n, want-1)
	}
	mins, _ := strconv.Atoi(m[3])
	r.sc.steps = append(r.sc.steps, scriptStep{Step: Step{Number: n, Title: strings.TrimSpace(m[2]), Minutes: mins, Line: b.start}})
	r.cur, r.badStep = &r.sc.steps[len(r.sc.steps)-1], false
}

// moduleLine takes the first paragraph naming the reading module; it
// reports whether b was that line.
func (r *scriptReader) moduleLine(b mdBlock) bool {
	m := moduleRef.FindStringSubmatch(b.text)
	if m == nil || r.sc.module != "" || b.kind != mdParagraph {
		return false
	}
	r.sc.module = strings.TrimPrefix(m[1], "./")
	r.sc.moduleLine = b.start
	// The line is addressed to the tutor: keep it for leads.
	r.note(b, b.text, false)
	return true
}

// body files any other block: into the current step, as a problem (text
// in the lesson flow outside a step), or as a note for leads.
func (r *scriptReader) body(b mdBlock) {
	switch {
	case r.section == "lesson flow" && r.cur != nil:
		r.cur.blocks = append(r.cur.blocks, b)
	case r.section == "lesson flow" && r.badStep:
	case r.section == "lesson flow":
		if b.kind == mdHeading {
			r.l.problem(r.file, b.start, "heading %q inside \"## Lesson Flow\" is not a step (\"### N. Title (M min)\")", b.text)
		} else {
			r.l.problem(r.file, b.start, "text before the first step of \"## Lesson Flow\" would never be shown; move it into a step")
		}
	case r.section == "":
		if b.kind == mdHeading {
			return
		}
		// Text under the title other than the module line is for the tutor.
		r.note(b, b.text, false)
	default:
		// "## Teaching Notes" and any other script section: for leads.
		text := b.text
		if b.kind == mdHeading {
			text = strings.Repeat("#", b.level) + " " + b.text
		}
		r.note(b, text, isSolutionSection(r.section))
	}
}
