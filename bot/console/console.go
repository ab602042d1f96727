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
// starting with "/" are commands; checklist and rating items are numbered
// from 1, then the buttons; "N" ticks item N (or presses button N), "3 4 5"
// or "3,4" ticks several items, "N V" rates item N with V; a button's label
// or its first word presses it ("next", "back", "skip"); any other line
// answers the pending question.
type Console struct {
	// FileDir is where files attached to replies (a CSV export) are saved:
	// "" is the current directory. Existing files are never overwritten.
	FileDir string
	// Markdown renders a Markdown block for the terminal (see Styled); nil
	// prints it as written.
	Markdown func(string) string

	h   bot.Handler
	who bot.Learner
	out io.Writer
	log *slog.Logger

	lesson  string   // lesson of the last card shown: where answers go
	choices []choice // what the numbers mean right now
	werr    error    // the first failed write to out: Run stops on it
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
		if c.werr != nil {
			return fmt.Errorf("console: write output: %w", c.werr)
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
	msgs, notice := c.parse(line)
	if notice != "" {
		c.printf("%s\n", notice)
		return nil
	}
	// Several ticks at once ("3 4 5") are several presses; the card is
	// shown once, after the last.
	var replies []bot.Reply
	for _, msg := range msgs {
		msg.Learner = c.who
		rs, err := c.h.Handle(ctx, msg)
		if err != nil {
			// The engine wrote nothing it could not finish; say so plainly.
			c.log.Error("console: handle", "err", err)
			c.printf("Sorry, something went wrong on our side; nothing you did was lost. Please try again.\n")
			return nil
		}
		replies = rs
	}
	for _, r := range replies {
		if r.Live != nil && r.Live.Run != nil {
			c.renderLive(ctx, r)
			continue
		}
		c.render(r)
	}
	return nil
}

// renderLive prints a reply whose text is still being written: what comes
// before the live block, "(thinking…)", the text as it arrives, then the
// rest of the finished reply. When the finished reply is not the text
// that was streamed (the tutor fell back to the course's text), the
// console prints the finished reply's text after what was streamed.
func (c *Console) renderLive(ctx context.Context, r bot.Reply) {
	live := r.Live
	head := r
	head.Blocks, head.Buttons, head.File, head.Live = r.Blocks[:live.Block], nil, nil, nil
	c.render(head)
	c.printf("(%s)\n", bot.Placeholder)
	printed := ""
	final := live.Run(ctx, func(text string) {
		if strings.HasPrefix(text, printed) {
			c.printf("%s", text[len(printed):])
			printed = text
		}
	})
	if printed != "" {
		c.printf("\n")
	}
	tail := final
	tail.Title, tail.Context, tail.Live = "", "", nil
	if samePrefix(final.Blocks, r.Blocks[:live.Block]) {
		tail.Blocks = final.Blocks[live.Block:]
		if len(tail.Blocks) > 0 && printed != "" && tail.Blocks[0].Text == printed {
			tail.Blocks = tail.Blocks[1:]
		}
	}
	c.render(tail)
}

func samePrefix(blocks, prefix []bot.Block) bool {
	if len(blocks) < len(prefix) {
		return false
	}
	for i := range prefix {
		if blocks[i].Kind != prefix[i].Kind || blocks[i].Text != prefix[i].Text {
			return false
		}
	}
	return true
}

// parse turns a line into messages, or a notice when it cannot.
func (c *Console) parse(line string) ([]bot.Message, string) {
	if strings.HasPrefix(line, "/") {
		name, args, _ := strings.Cut(line[1:], " ")
		return []bot.Message{{Kind: bot.KindCommand, Command: name, Args: strings.TrimSpace(args)}}, ""
	}
	if nums, ok := numbers(line); ok && len(c.choices) > 0 {
		return c.pick(nums)
	}
	for _, ch := range c.choices {
		if ch.action != "" && (strings.EqualFold(line, ch.label) || strings.EqualFold(line, strings.Fields(ch.label)[0]) && !c.ambiguous(line)) {
			return []bot.Message{{Kind: bot.KindAction, Action: ch.action, Lesson: ch.lesson}}, ""
		}
	}
	// Anything else is an answer; a button's name typed where no such
	// button is ("next" on a question card) is never saved as one: the
	// engine says what to press instead.
	return []bot.Message{{Kind: bot.KindText, Text: line, Lesson: c.lesson}}, ""
}

// numbers reads a line of numbers separated by spaces or commas ("3 4 5",
// "3,4").
func numbers(line string) ([]int, bool) {
	fields := strings.FieldsFunc(line, func(r rune) bool { return r == ' ' || r == ',' || r == '\t' })
	if len(fields) == 0 {
		return nil, false
	}
	out := make([]int, 0, len(fields))
	for _, f := range fields {
		n, err := strconv.Atoi(f)
		if err != nil {
			return nil, false
		}
		out = append(out, n)
	}
	return out, true
}

// pick handles a line of numbers: one number presses a button or ticks an
// item; "N V" rates rating item N with V; several numbers tick (or untick)
// several checklist items at once.
func (c *Console) pick(nums []int) ([]bot.Message, string) {
	for i, n := range nums {
		if n < 1 || n > len(c.choices) {
			if i == 1 && len(nums) == 2 && c.choices[nums[0]-1].kind == bot.BlockRating {
				break // a rating out of range: said below
			}
			return nil, fmt.Sprintf("There is no choice %d here: pick 1 to %d.", n, len(c.choices))
		}
	}
	ch := c.choices[nums[0]-1]
	if ch.kind == bot.BlockRating {
		if len(nums) != 2 {
			return nil, fmt.Sprintf("Rate %q by typing %d followed by %d-%d, e.g. \"%d 4\".", ch.item.Text, nums[0], bot.RatingMin, bot.RatingMax, nums[0])
		}
		if v := nums[1]; v < bot.RatingMin || v > bot.RatingMax {
			return nil, fmt.Sprintf("A rating is a number from %d to %d.", bot.RatingMin, bot.RatingMax)
		}
		return []bot.Message{{Kind: bot.KindAction, Action: bot.RateAction(ch.lesson, ch.item.ID, nums[1]), Lesson: ch.lesson}}, ""
	}
	if len(nums) == 1 && ch.action != "" {
		return []bot.Message{{Kind: bot.KindAction, Action: ch.action, Lesson: ch.lesson}}, ""
	}
	var msgs []bot.Message
	seen := map[int]bool{}
	for _, n := range nums {
		ch := c.choices[n-1]
		if ch.kind != bot.BlockChecklist {
			return nil, fmt.Sprintf("Several numbers tick several checklist items; %d is not one. Press buttons one at a time.", n)
		}
		if seen[n] {
			continue
		}
		seen[n] = true
		msgs = append(msgs, bot.Message{Kind: bot.KindAction, Action: bot.CheckAction(ch.lesson, ch.item.ID, !ch.item.Checked), Lesson: ch.lesson})
	}
	return msgs, ""
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

// printf writes to out; the first failure is kept in werr for Run to
// report (a reply no one can read must not go on as if it was shown).
func (c *Console) printf(format string, args ...any) {
	if c.werr != nil {
		return
	}
	if _, err := fmt.Fprintf(c.out, format, args...); err != nil {
		c.werr = err
	}
}

// render writes one reply and remembers what its numbers mean.
func (c *Console) render(r bot.Reply) {
	var choices []choice
	if r.Ephemeral {
		// A notice or an overview: the card's numbers keep working, and
		// this reply's buttons are numbered after them.
		choices = append(choices, c.choices...)
	}
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
	// Checklist and rating items are numbered from 1 in the order shown,
	// then the buttons.
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
	base := len(choices)
	for _, b := range r.Buttons {
		choices = append(choices, choice{label: b.Label, action: b.Action, lesson: r.Lesson})
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
