package course

import (
	"fmt"
	"io/fs"
	"os"
	"regexp"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/coursebot/coursebot/course/builtin"
)

// loadBoth loads a course twice: as the source cuts it into cards (before
// fitting to a screen) and as learners get it.
func loadBoth(t *testing.T, fsys fs.FS) (raw, fitted *Course) {
	t.Helper()
	for _, r := range []bool{true, false} {
		l := &loader{fsys: fsys, label: "test", raw: r}
		c, err := l.load()
		if err != nil || len(l.problems) > 0 {
			t.Fatalf("load: %v %v", err, l.problems)
		}
		if r {
			raw = c
		} else {
			fitted = c
		}
	}
	return raw, fitted
}

var partSuffix = regexp.MustCompile(` \(\d+/\d+\)$`)

// flatten is a lesson's text in delivery order, as a list of pieces: a
// card's title or a heading in a card ("H:"), a piece of Markdown, a code
// block, an item, a question or a quiz. A split part's "(1/2)" is dropped
// and a title repeated by the parts of one card counts once: what is left
// must be the same before and after fitting.
func flatten(les *Lesson) []string {
	var out []string
	add := func(s string) {
		if strings.HasPrefix(s, "H:") && len(out) > 0 && out[len(out)-1] == s {
			return
		}
		out = append(out, s)
	}
	for _, c := range les.Cards {
		if m := partSuffix.FindString(c.Title); m == "" || strings.HasPrefix(m, " (1/") {
			add("H:" + strings.TrimSuffix(c.Title, m))
		}
		for _, b := range c.Blocks {
			switch b.Kind {
			case Markdown:
				for _, p := range strings.Split(b.Text, "\n\n") {
					if isHeading(p) {
						add("H:" + strings.TrimSpace(strings.TrimLeft(p, "#")))
					} else {
						add("T:" + p)
					}
				}
			case Code:
				add("C:" + b.Lang + "\n" + b.Text)
			case Checklist, Rating:
				for _, it := range b.Items {
					add(fmt.Sprintf("I%d:%s|%s|%s", b.Kind, it.ID, it.Group, it.Text))
				}
			case Question:
				add("Q:" + b.Question.ID + b.Question.Prompt + "\n" + b.Question.FollowUp)
			case Quiz:
				add("Z:" + b.Quiz.ID + b.Quiz.Prompt)
			}
		}
	}
	return out
}

func courses() map[string]fs.FS {
	return map[string]fs.FS{
		"builtin":       builtin.FS(),
		"course2":       os.DirFS("testdata/course2"),
		"quiz":          os.DirFS("../testdata/quiz/course"),
		"quiz holdout":  os.DirFS("../testdata/quiz/holdout"),
		"long and tiny": longAndTiny(),
	}
}

func TestFittingKeepsTheAuthorsText(t *testing.T) {
	t.Parallel()
	for name, fsys := range courses() {
		raw, fitted := loadBoth(t, fsys)
		for id, les := range raw.Lessons {
			before, after := flatten(les), flatten(fitted.Lessons[id])
			if strings.Join(before, "\x00") != strings.Join(after, "\x00") {
				t.Errorf("%s lesson %s: text changed by fitting:\nbefore %q\nafter  %q", name, id, before, after)
			}
			// Every old key still finds a card: its own, the first part
			// of it, or the card it was merged into.
			for _, c := range les.Cards {
				got := fitted.Lessons[id].CardByKey(c.Key)
				if got == nil {
					t.Errorf("%s lesson %s: old key %q finds no card", name, id, c.Key)
					continue
				}
				if !strings.HasPrefix(got.Title, c.Title) && !containsHeading(got, c.Title) {
					t.Errorf("%s lesson %s: old key %q finds %q", name, id, c.Key, got.Title)
				}
			}
		}
	}
}

func containsHeading(c *Card, title string) bool {
	for _, b := range c.Blocks {
		for _, p := range strings.Split(b.Text, "\n\n") {
			if isHeading(p) && strings.TrimSpace(strings.TrimLeft(p, "#")) == title {
				return true
			}
		}
	}
	return false
}

// TestScreenFigures prints the longest card and the one-sentence cards of
// the built-in lesson before and after fitting (the figures in the closing
// note): go test ./lessons -run TestScreenFigures -v
func TestScreenFigures(t *testing.T) {
	t.Parallel()
	raw, fitted := loadBoth(t, builtin.FS())
	figures := func(les *Lesson) (longest *Card, size Size, tinies []string) {
		for _, c := range les.Cards {
			if s := CardSize(c); s.Lines > size.Lines {
				longest, size = c, s
			}
			if tiny(c) {
				tinies = append(tinies, fmt.Sprintf("%d %q", c.Index+1, c.Title))
			}
		}
		return longest, size, tinies
	}
	for _, x := range []struct {
		when string
		les  *Lesson
	}{{"before", raw.Lessons["4-4"]}, {"after", fitted.Lessons["4-4"]}} {
		c, s, tinies := figures(x.les)
		t.Logf("%s: %d cards; longest card %d %q: %d lines, %d characters; %d one-sentence cards %v",
			x.when, len(x.les.Cards), c.Index+1, c.Title, s.Lines, s.Chars, len(tinies), tinies)
	}
	les := fitted.Lessons["4-4"]
	if _, _, tinies := figures(les); len(tinies) != 0 {
		t.Errorf("one-sentence cards left: %v", tinies)
	}
	// What is still over a screen is one block the source does not let us
	// cut (the 87-line architecture diagram, with the sentence that
	// introduces it).
	for _, c := range les.Cards {
		if CardSize(c).fits() {
			continue
		}
		if len(splitCard(c)) != 1 {
			t.Errorf("card %d %q is over a screen and could be split", c.Index+1, c.Title)
		}
		code := 0
		for _, b := range c.Blocks {
			if b.Kind == Code {
				code++
			}
		}
		if code != 1 {
			t.Errorf("card %d %q is over a screen with %d code blocks", c.Index+1, c.Title, code)
		}
	}
}

// longAndTiny is a lesson written to exercise fitting: a step with a long
// module section (sub-headings, long paragraphs, a long code block), tiny
// sections next to a question, a checklist and another step.
func longAndTiny() fstest.MapFS {
	var sb strings.Builder
	sb.WriteString("# Fit\n\n## Part 1: Long\n\nIntro sentence for the long part.\n\n#### First half\n\n")
	for i := range 30 {
		fmt.Fprintf(&sb, "Paragraph %d of the first half, long enough to wrap on a terminal of eighty columns, with more words after it.\n\n", i)
	}
	sb.WriteString("#### Second half\n\nThe diagram:\n\n```\n")
	for i := range 50 {
		fmt.Fprintf(&sb, "line %d of a diagram that must stay whole\n", i)
	}
	sb.WriteString("```\n\n- a list item\n- another item\n\n")
	sb.WriteString("## Part 2: Tiny before a checklist\n\nOne sentence.\n\n### Tick\n\n- [ ] one\n- [ ] two\n\n")
	sb.WriteString("## Part 3: Tiny alone\n\nAnother sentence.\n")
	return fstest.MapFS{
		"commands/start-1-1.md": {Data: []byte(`# Lesson 1.1: Fitting

Read the lesson content from ` + "`modules/fit.md`" + ` and guide the student through it.

## Lesson Flow

### 1. Long Reading
Read this.

### 2. Checklist Question
Ask: "What did you read?"

### 3. Alone
The end.
`)},
		"modules/fit.md": {Data: []byte(sb.String())},
	}
}

func TestSplitAndMergeRules(t *testing.T) {
	t.Parallel()
	_, c := loadBoth(t, longAndTiny())
	les := c.Lessons["1-1"]
	var got []string
	for _, cd := range les.Cards {
		got = append(got, fmt.Sprintf("%d %s %s %v", cd.Step, cd.Key, cd.Title, cd.Aliases))
	}
	want := []string{
		"-1 intro Lesson 1.1: Fitting []",
		// Next to a card too long to take it, after the opening card.
		"0 long-reading Long Reading []",
		"0 part-1-long Part 1: Long (1/5) []",
		"0 part-1-long~2 Part 1: Long (2/5) []",
		"0 part-1-long~3 Part 1: Long (3/5) []",
		"0 part-1-long~4 Part 1: Long (4/5) []",
		"0 part-1-long~5 Part 1: Long (5/5) []",
		"1 checklist-question Checklist Question []",
		// Between a question and a checklist: stays.
		"1 part-2-tiny-before-a-checklist Part 2: Tiny before a checklist []",
		"1 tick Tick []",
		// Two tiny cards of one step become one.
		"2 alone Alone [part-3-tiny-alone]",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("cards:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	for _, cd := range les.Cards[2:7] {
		size := CardSize(cd)
		last := cd.Blocks[len(cd.Blocks)-1]
		if pieces := splitPieces(last); last.Kind == Markdown && isHeading(pieces[len(pieces)-1].text) {
			t.Errorf("%s ends with a heading", cd.Title)
		}
		hasCode := false
		for _, b := range cd.Blocks {
			hasCode = hasCode || b.Kind == Code
		}
		switch {
		case hasCode:
			// The 50-line code block is whole, after the sentence and
			// the heading that introduce it.
			if len(cd.Blocks) != 2 || !strings.HasPrefix(cd.Blocks[0].Text, "#### Second half\n\nThe diagram:") || strings.Count(cd.Blocks[1].Text, "\n") != 49 {
				t.Errorf("%s: %q", cd.Title, cd.Blocks[0].Text)
			}
		case !size.fits():
			t.Errorf("%s is over a screen: %+v", cd.Title, size)
		}
	}
	if !strings.HasPrefix(les.Cards[2].Blocks[0].Text, "Intro sentence for the long part.\n\n#### First half\n\nParagraph 0") {
		t.Errorf("part 1 starts %q", les.Cards[2].Blocks[0].Text)
	}
	if got := les.Cards[10].Blocks[0].Text; got != "The end.\n\n## Part 3: Tiny alone\n\nAnother sentence." {
		t.Errorf("merged card: %q", got)
	}
}
