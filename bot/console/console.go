// Package console is the chat adapter for a local terminal: one
// conversation on standard input and output, buttons as numbered choices.
// It is the default adapter, so the bot runs and is tested with no chat
// account.
package console

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"log/slog"
	"strconv"
	"strings"

	"github.com/coursebot/coursebot/bot"
)

// Console reads one line at a time and writes replies as text. Lines
// starting with "/" are commands; a number or a button's label presses that
// button ("next" works wherever a Next button is shown); "N" ticks checklist
// item N and "N V" rates item N with V; any other line answers the pending
// question.
type Console struct {
	// FileDir is where files attached to replies (a CSV export) are saved:
	// "" is the current directory. Existing files are never overwritten.
	FileDir string

	h   bot.Handler
	who bot.Learner
	out io.Writer
	log *slog.Logger

	lesson  string   // lesson of the last card shown: where answers go
	choices []choice // what the numbers mean right now
}

type choice struct {
	label  string
	action string // a button's action
	item   *bot.Item
	kind   bot.BlockKind // BlockChecklist or BlockRating for items
	lesson string
}

// New returns a console for learner who, talking to h.
func New(h bot.Handler, who bot.Learner, out io.Writer, log *slog.Logger) *Console {
	if log == nil {
		log = slog.Default()
	}
	return &Console{h: h, who: who, out: out, log: log}
}

// Run reads lines from in until end of input (then it returns nil: every
// reply was written after its state was saved) or until ctx is done.
func (c *Console) Run(ctx context.Context, in io.Reader) error {
	c.printf("coursebot: you are %s. Type a command such as /help or /status; numbers press buttons.\n", c.who.UserID)
	sc := bufio.NewScanner(in)
	sc.Buffer(make([]byte, 64*1024), 1<<20)
	for sc.Scan() {
		if err := ctx.Err(); err != nil {
			return err
		}
		if err := c.Line(ctx, sc.Text()); err != nil {
			return err
		}
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("console: read input: %w", err)
	}
	return nil
}

// Line handles one line of input.
func (c *Console) Line(ctx context.Context, line string) error {
	line = strings.TrimSpace(line)
	if line == "" {
		return nil
	}
	msg, notice := c.parse(line)
	if notice != "" {
		c.printf("%s\n", notice)
		return nil
	}
	msg.Learner = c.who
	replies, err := c.h.Handle(ctx, msg)
	if err != nil {
		// The engine wrote nothing it could not finish; say so plainly.
		c.log.Error("console: handle", "err", err)
		c.printf("Sorry, something went wrong on our side; nothing you did was lost. Please try again.\n")
		return nil
	}
	for _, r := range replies {
		c.render(r)
	}
	return nil
}

// parse turns a line into a message, or a notice when it cannot.
func (c *Console) parse(line string) (bot.Message, string) {
	if strings.HasPrefix(line, "/") {
		name, args, _ := strings.Cut(line[1:], " ")
		return bot.Message{Kind: bot.KindCommand, Command: name, Args: strings.TrimSpace(args)}, ""
	}
	fields := strings.Fields(line)
	if n, err := strconv.Atoi(fields[0]); err == nil && len(fields) <= 2 {
		if n < 1 || n > len(c.choices) {
			if len(fields) == 1 && len(c.choices) > 0 {
				return bot.Message{}, fmt.Sprintf("There is no choice %d here: pick 1 to %d.", n, len(c.choices))
			}
		} else {
			ch := c.choices[n-1]
			switch {
			case ch.action != "":
				return bot.Message{Kind: bot.KindAction, Action: ch.action, Lesson: ch.lesson}, ""
			case ch.kind == bot.BlockChecklist:
				return bot.Message{Kind: bot.KindAction, Action: bot.CheckAction(ch.lesson, ch.item.ID, !ch.item.Checked), Lesson: ch.lesson}, ""
			case ch.kind == bot.BlockRating:
				if len(fields) != 2 {
					return bot.Message{}, fmt.Sprintf("Rate %q by typing %d followed by %d-%d, e.g. \"%d 4\".", ch.item.Text, n, bot.RatingMin, bot.RatingMax, n)
				}
				v, err := strconv.Atoi(fields[1])
				if err != nil || v < bot.RatingMin || v > bot.RatingMax {
					return bot.Message{}, fmt.Sprintf("A rating is a number from %d to %d.", bot.RatingMin, bot.RatingMax)
				}
				return bot.Message{Kind: bot.KindAction, Action: bot.RateAction(ch.lesson, ch.item.ID, v), Lesson: ch.lesson}, ""
			}
		}
	}
	for _, ch := range c.choices {
		if ch.action != "" && (strings.EqualFold(line, ch.label) || strings.EqualFold(line, strings.Fields(ch.label)[0]) && !c.ambiguous(line)) {
			return bot.Message{Kind: bot.KindAction, Action: ch.action, Lesson: ch.lesson}, ""
		}
	}
	return bot.Message{Kind: bot.KindText, Text: line, Lesson: c.lesson}, ""
}

// ambiguous reports whether a one-word label prefix names two buttons.
func (c *Console) ambiguous(word string) bool {
	n := 0
	for _, ch := range c.choices {
		if ch.action != "" && strings.EqualFold(strings.Fields(ch.label)[0], word) {
			n++
		}
	}
	return n > 1
}

func (c *Console) printf(format string, args ...any) {
	fmt.Fprintf(c.out, format, args...)
}

// render writes one reply and remembers what its numbers mean.
func (c *Console) render(r bot.Reply) {
	var choices []choice
	if r.Ephemeral {
		// A notice or an overview: the card's numbers keep working, and
		// this reply's buttons are numbered after them.
		choices = append(choices, c.choices...)
	}
	base := len(choices)
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
	// Buttons are numbered first so that [1], [2] stay where they are used most.
	for _, b := range r.Buttons {
		choices = append(choices, choice{label: b.Label, action: b.Action, lesson: r.Lesson})
	}
	for _, b := range r.Blocks {
		switch b.Kind {
		case bot.BlockMarkdown:
			c.printf("%s\n\n", b.Text)
		case bot.BlockCode:
			c.printf("```%s\n%s\n```\n\n", b.Lang, b.Text)
		case bot.BlockChecklist, bot.BlockRating:
			group := ""
			if b.Kind == bot.BlockRating {
				c.printf("Rate each from %d to %d: type the number, a space and your rating (\"%d 4\").\n", bot.RatingMin, bot.RatingMax, len(choices)+1)
			} else {
				c.printf("Tick an item by typing its number (again to untick).\n")
			}
			for i := range b.Items {
				it := &b.Items[i]
				if it.Group != group {
					group = it.Group
					c.printf("  %s\n", group)
				}
				choices = append(choices, choice{label: it.Text, item: it, kind: b.Kind, lesson: r.Lesson})
				n := len(choices)
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
	for i, b := range r.Buttons {
		c.printf("[%d] %s  ", base+i+1, b.Label)
	}
	if len(r.Buttons) > 0 {
		c.printf("\n")
	}
	if r.File != nil {
		c.printf("%s\n", fileLine(c.FileDir, r.File))
	}
	c.choices = choices
	if r.Lesson != "" {
		c.lesson = r.Lesson
	}
}

func stars(v int) string {
	if v == 0 {
		return "(not rated)"
	}
	return fmt.Sprintf("%s%s %d", strings.Repeat("●", v), strings.Repeat("○", bot.RatingMax-v), v)
}
