package course

import (
	"fmt"
	"io"
	"strings"
)

// WriteOutline prints the sequence a learner gets in a lesson: each step,
// its cards in order, and what each card holds (questions, checklists,
// ratings, code), with the source line it comes from. Course authors use it
// (`coursebot lessons outline 4-4`) to see the result of the automatic
// choices.
func WriteOutline(w io.Writer, les *Lesson) error {
	p := &errWriter{w: w}
	p.printf("%s  (/%s)\n", les.Title, les.Command)
	p.printf("%s%d steps, %d cards\n", AboutMinutes(les.Minutes), len(les.Steps), len(les.Cards))
	p.printf("script: %s\n", les.ScriptFile)
	if les.ModuleFile != "" {
		p.printf("module: %s\n", les.ModuleFile)
	}
	step := -2
	for _, c := range les.Cards {
		if c.Step != step {
			step = c.Step
			outlineStep(p, les, step)
		}
		p.printf("  %2d. %-42s %s:%d\n", c.Index+1, c.Title, c.Source.File, c.Source.Line)
		for _, b := range c.Blocks {
			outlineBlock(p, les, b)
		}
	}
	p.printf("\n%s\n", screenSummary(les))
	p.printf("For leads only: %d passages (teaching notes and instructions to the tutor)\n", len(les.LeadNotes))
	return p.err
}

// outlineStep prints the heading of the outline's step (-1: the opening).
func outlineStep(p *errWriter, les *Lesson, step int) {
	if step < 0 {
		p.printf("\nOpening\n")
		return
	}
	s := les.Steps[step]
	dur := ""
	if s.Minutes > 0 {
		dur = fmt.Sprintf(" (%d min)", s.Minutes)
	}
	p.printf("\nStep %d. %s%s\n", s.Number, s.Title, dur)
}

// outlineBlock prints what one block of a card holds.
func outlineBlock(p *errWriter, les *Lesson, b Block) {
	switch b.Kind {
	case Markdown:
		p.printf("        text      %d lines\n", strings.Count(b.Text, "\n")+1)
	case Code:
		p.printf("        code      %d lines\n", strings.Count(b.Text, "\n")+1)
	case Question:
		p.printf("        question  %q\n", b.Question.Prompt)
		if b.Question.FollowUp != "" {
			p.printf("          then    %q\n", Clip(b.Question.FollowUp, 70))
		}
		for _, kp := range b.Question.Points {
			p.printf("          point   %q %s\n", Clip(kp.Text, 50), strings.Join(kp.Terms, ", "))
		}
	case Quiz:
		p.printf("        quiz      %q\n", b.Quiz.Prompt)
		p.printf("          answer  %s\n", b.Quiz.CorrectText())
	case Checklist:
		p.printf("        checklist %d items%s\n", len(b.Items), groupList(b.Items))
		for _, it := range b.Items {
			for _, r := range les.Repository {
				if r.Item == it.ID {
					p.printf("          repo    %q: %s\n", Clip(it.Text, 50), r.Describe())
				}
			}
		}
	case Rating:
		p.printf("        rating    %d items, 1-5%s\n", len(b.Items), groupList(b.Items))
	}
}

// screenSummary tells the author the longest card and the cards still over
// a screen after fitting (a block the source does not let the bot cut).
func screenSummary(les *Lesson) string {
	var longest *Card
	var size Size
	var over []string
	for _, c := range les.Cards {
		s := CardSize(c)
		if longest == nil || s.Lines > size.Lines {
			longest, size = c, s
		}
		if !s.fits() {
			over = append(over, fmt.Sprint(c.Index+1))
		}
	}
	out := fmt.Sprintf("Screen: at most %d lines or %d characters a card where the source allows", ScreenLines, ScreenChars)
	if longest != nil {
		out += fmt.Sprintf("; longest card %d (%d lines, %d characters)", longest.Index+1, size.Lines, size.Chars)
	}
	if len(over) > 0 {
		out += fmt.Sprintf("; over it: card %s (a code block, table or list is never cut)", strings.Join(over, ", "))
	}
	return out
}

func groupList(items []ItemDef) string {
	var groups []string
	for _, it := range items {
		if it.Group != "" && (len(groups) == 0 || groups[len(groups)-1] != it.Group) {
			groups = append(groups, it.Group)
		}
	}
	if len(groups) == 0 {
		return ""
	}
	return " in " + strings.Join(groups, ", ")
}

// Clip folds s's white space and cuts it to at most n runes, ending in
// "…" when it was cut.
func Clip(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}

type errWriter struct {
	w   io.Writer
	err error
}

func (e *errWriter) printf(format string, args ...any) {
	if e.err == nil {
		_, e.err = fmt.Fprintf(e.w, format, args...)
	}
}

// AboutMinutes is "about N minutes, " or "" when the course gives no durations.
func AboutMinutes(n int) string {
	if n <= 0 {
		return ""
	}
	return fmt.Sprintf("about %d minutes, ", n)
}
