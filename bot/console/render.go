package console

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/coursebot/coursebot/bot"
)

// render writes one reply and remembers what its numbers mean. Callers
// hold c.mu.
//
// Numbering, one rule: a reply with items or buttons numbers its
// checklist and rating items from 1 in the order shown, then its buttons,
// and from then on the numbers are that reply's. Buttons are numbered
// after every number the reply's text shows in brackets (a citation
// "[4]"), so no number on screen means two things. A notice without
// buttons (a refusal, "Saved") leaves the numbers as they were.
func (c *Console) render(r bot.Reply) {
	keep := r.Ephemeral && len(r.Buttons) == 0 && !hasItems(r)
	var choices []choice
	c.printf("\n")
	if r.Title != "" {
		c.printf("== %s ==\n", r.Title)
	}
	if r.Context != "" {
		c.printf("%s\n", r.Context)
	}
	if r.Title != "" || r.Context != "" {
		c.printf("\n")
	}
	for _, b := range r.Blocks {
		switch b.Kind {
		case bot.BlockMarkdown:
			text := b.Text
			if c.Markdown != nil {
				text = c.Markdown(text)
			}
			c.printf("%s\n\n", text)
		case bot.BlockCode:
			c.printf("```%s\n%s\n```\n\n", b.Lang, b.Text)
		case bot.BlockChecklist, bot.BlockRating:
			choices = c.renderItems(b, r.Lesson, choices)
		case bot.BlockQuestion:
			q := b.Question
			c.printf("Question: %s\n", q.Prompt)
			if q.Answered {
				c.printf("Your answer: %s\n\n", q.Answer)
			} else {
				c.printf("(type your answer and press Enter)\n\n")
			}
		}
	}
	choices = c.renderButtons(r, choices)
	if r.File != nil {
		c.printf("%s\n", fileLine(c.FileDir, r.File))
	}
	if !keep {
		c.choices = choices
	}
	if r.Lesson != "" {
		c.lesson = r.Lesson
	}
}

// renderItems prints a checklist's or rating's items, numbered after the
// choices so far, and returns the choices with the items added.
func (c *Console) renderItems(b bot.Block, lesson string, choices []choice) []choice {
	group := ""
	if b.Kind == bot.BlockRating {
		c.printf("Rate each from %d to %d: type the number, a space and your rating (\"%d 4\"; several as \"%d 4, %d 3\").\n",
			bot.RatingMin, bot.RatingMax, len(choices)+1, len(choices)+1, len(choices)+2)
	} else {
		c.printf("Tick an item by typing its number (again to untick); several as \"3 4 5\".\n")
	}
	for i := range b.Items {
		it := &b.Items[i]
		if it.Group != group {
			group = it.Group
			c.printf("  %s\n", group)
		}
		n := len(choices) + 1
		choices = append(choices, choice{num: n, label: it.Text, item: it, kind: b.Kind, lesson: lesson})
		if b.Kind == bot.BlockChecklist {
			box := "[ ]"
			if it.Checked {
				box = "[x]"
			}
			c.printf("   %3d. %s %s\n", n, box, it.Text)
		} else {
			c.printf("   %3d. %s  %s\n", n, stars(it.Value), it.Text)
		}
	}
	c.printf("\n")
	return choices
}

// renderButtons prints the reply's buttons on lines of c.Width, numbered
// after the items and every number the text cites, and returns the
// choices with the buttons added.
func (c *Console) renderButtons(r bot.Reply, choices []choice) []choice {
	next := max(len(choices), cited(r)) + 1
	col := 0
	for _, b := range r.Buttons {
		choices = append(choices, choice{num: next, label: b.Label, action: b.Action, tick: isTick(b), lesson: r.Lesson})
		btn := fmt.Sprintf("[%d] %s  ", next, b.Label)
		if w := utf8.RuneCountInString(btn); c.Width > 0 && col > 0 && col+w > c.Width {
			c.printf("\n")
			col = 0
		}
		c.printf("%s", btn)
		col += utf8.RuneCountInString(btn)
		next++
	}
	if len(r.Buttons) > 0 {
		c.printf("\n")
		if hint := optionHint(r.Buttons); hint != "" {
			c.printf("%s\n", hint)
		}
	}
	return choices
}

func hasItems(r bot.Reply) bool {
	for _, b := range r.Blocks {
		if len(b.Items) > 0 {
			return true
		}
	}
	return false
}

// bracketed finds the numbers a text shows in brackets: "[4]".
var bracketed = regexp.MustCompile(`\[(\d{1,3})\]`)

// cited is the largest bracketed number in r's text (0 when none).
func cited(r bot.Reply) int {
	n := 0
	for _, b := range r.Blocks {
		for _, m := range bracketed.FindAllStringSubmatch(b.Text, -1) {
			v, _ := strconv.Atoi(m[1])
			n = max(n, v)
		}
	}
	return n
}

// isTick reports whether b ticks an option of a choose-all quiz.
func isTick(b bot.Button) bool {
	return strings.HasPrefix(b.Label, "☐ ") || strings.HasPrefix(b.Label, "☑ ")
}

// optionHint says how to answer when the buttons are a quiz's options.
func optionHint(buttons []bot.Button) string {
	ticks, options := 0, 0
	for _, b := range buttons {
		if optionLabel.MatchString(b.Label) {
			options++
			if isTick(b) {
				ticks++
			}
		}
	}
	switch {
	case ticks > 0:
		return "Tick the options by number or letter (\"1 3\" or \"A C\"), then Check answer."
	case options > 0:
		return "Answer with the option's number or its letter."
	}
	return ""
}

func stars(v int) string {
	if v == 0 {
		return "(not rated)"
	}
	return fmt.Sprintf("%s%s %d", strings.Repeat("●", v), strings.Repeat("○", bot.RatingMax-v), v)
}
