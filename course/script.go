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
	sc := &script{file: file}
	blocks := splitBlocks(src)
	section := "" // current "##" section
	var cur *scriptStep
	badStep := false // after a malformed step heading, its text is not reported again
	for _, b := range blocks {
		switch {
		case b.kind == mdHeading && b.level == 1:
			if sc.title == "" {
				sc.title = b.text
				continue
			}
			l.problem(file, b.start, "second top-level heading %q: a script has one \"# Lesson X.Y: Title\"", b.text)
			continue
		case b.kind == mdHeading && b.level == 2:
			section = strings.ToLower(b.text)
			cur = nil
			if section != "lesson flow" {
				sc.leadNotes = append(sc.leadNotes, LeadNote{Source: Source{file, b.start}, Text: "## " + b.text, Solution: isSolutionSection(section)})
			}
			continue
		case b.kind == mdHeading && b.level == 3 && section == "lesson flow":
			m := stepHeading.FindStringSubmatch(b.text)
			if m == nil {
				l.problem(file, b.start, "step heading %q should read \"### N. Title\" with an optional \"(M min)\"", b.text)
				cur, badStep = nil, true
				continue
			}
			n, _ := strconv.Atoi(m[1])
			if want := len(sc.steps) + 1; n != want {
				l.problem(file, b.start, "step %d follows step %d; steps are numbered 1, 2, 3, ...", n, want-1)
			}
			mins, _ := strconv.Atoi(m[3])
			sc.steps = append(sc.steps, scriptStep{Step: Step{Number: n, Title: strings.TrimSpace(m[2]), Minutes: mins, Line: b.start}})
			cur, badStep = &sc.steps[len(sc.steps)-1], false
			continue
		}
		if m := moduleRef.FindStringSubmatch(b.text); m != nil && sc.module == "" && b.kind == mdParagraph {
			sc.module = strings.TrimPrefix(m[1], "./")
			sc.moduleLine = b.start
			// The line is addressed to the tutor: keep it for leads.
			sc.leadNotes = append(sc.leadNotes, LeadNote{Source: Source{file, b.start}, Text: b.text})
			continue
		}
		switch {
		case section == "lesson flow" && cur != nil:
			cur.blocks = append(cur.blocks, b)
		case section == "lesson flow" && badStep:
		case section == "lesson flow":
			if b.kind == mdHeading {
				l.problem(file, b.start, "heading %q inside \"## Lesson Flow\" is not a step (\"### N. Title (M min)\")", b.text)
			} else {
				l.problem(file, b.start, "text before the first step of \"## Lesson Flow\" would never be shown; move it into a step")
			}
		case section == "":
			if b.kind == mdHeading {
				continue
			}
			// Text under the title other than the module line is for the tutor.
			sc.leadNotes = append(sc.leadNotes, LeadNote{Source: Source{file, b.start}, Text: b.text})
		default:
			// "## Teaching Notes" and any other script section: for leads.
			text := b.text
			if b.kind == mdHeading {
				text = strings.Repeat("#", b.level) + " " + b.text
			}
			sc.leadNotes = append(sc.leadNotes, LeadNote{Source: Source{file, b.start}, Text: text, Solution: isSolutionSection(section)})
		}
	}
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
