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
	"strings"
	"sync"

	"github.com/coursebot/coursebot"
	"github.com/coursebot/coursebot/bot"
)

// Console reads one line at a time and writes replies as text. Lines
// starting with "/" are commands; a reply's checklist and rating items are
// numbered from 1, then its buttons; "N" ticks item N (or presses button
// N), "3 4 5" or "3,4" ticks several items, "N V" rates item N with V and
// "1 4, 2 3" rates several; a quiz option's letter is its number; a
// button's label or its first word presses it ("next", "back", "skip");
// any other line answers the pending question. Numbers always mean what
// the last numbered reply showed (docs/learner-experience.md).
type Console struct {
	// FileDir is where files attached to replies (a CSV export) are saved:
	// "" is the current directory. Existing files are never overwritten.
	FileDir string
	// Markdown renders a Markdown block for the terminal (see Styled); nil
	// prints it as written.
	Markdown func(string) string
	// Prompt, when set, is printed before each line is read: in a terminal
	// it shows that the bot is done and waits for the learner ("> ").
	Prompt string
	// Width, when set, is the terminal's width: a row of buttons longer
	// than that is broken between buttons, never inside one.
	Width int
	// Forms are the forms buttons may open (bot.Form): pressing one
	// prompts for its line, and the next line typed (unless it is a
	// command) fills it in.
	Forms bot.Forms

	h   bot.Handler
	who coursebot.Learner
	out io.Writer
	log *slog.Logger

	// mu orders what is printed and what the numbers mean: the learner's
	// own lines and messages from outside the conversation (Notify).
	mu      sync.Mutex
	lesson  string    // lesson of the last card shown: where answers go
	choices []choice  // what the numbers mean right now
	form    *openForm // a form waiting for its line
	werr    error     // the first failed write to out: Run stops on it
}

// openForm is a form the learner opened, waiting for the line that fills
// it in.
type openForm struct {
	form   bot.Form
	lesson string
}

type choice struct {
	num    int // the number shown in front of it
	label  string
	action string // a button's action
	tick   bool   // the button ticks a choose-all quiz's option
	item   *bot.Item
	kind   bot.BlockKind // BlockChecklist or BlockRating for items
	lesson string
}

// New returns a console for learner who, talking to h.
func New(h bot.Handler, who coursebot.Learner, out io.Writer, log *slog.Logger) *Console {
	if log == nil {
		log = slog.Default()
	}
	return &Console{h: h, who: who, out: out, log: log}
}

// Run reads lines from in until end of input (then it returns nil: every
// reply was written after its state was saved) or until ctx is done.
func (c *Console) Run(ctx context.Context, in io.Reader) error {
	c.mu.Lock()
	c.printf("coursebot: you are %s. Type a command such as /help or /status; numbers press buttons; /quit (or Ctrl-D) leaves.\n", c.who.UserID)
	c.mu.Unlock()
	sc := bufio.NewScanner(in)
	sc.Buffer(make([]byte, 64*1024), 1<<20)
	for c.prompt(); sc.Scan(); c.prompt() {
		if err := ctx.Err(); err != nil {
			return err
		}
		if leaving(sc.Text()) {
			c.mu.Lock()
			c.printf("Bye. Your place is saved; start the console again to go on where you left off.\n")
			c.mu.Unlock()
			return nil
		}
		if err := c.Line(ctx, sc.Text()); err != nil {
			return err
		}
		c.mu.Lock()
		werr := c.werr
		c.mu.Unlock()
		if werr != nil {
			return fmt.Errorf("console: write output: %w", werr)
		}
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("console: read input: %w", err)
	}
	return nil
}

// leaving reports whether line asks to leave the console: /quit or /exit,
// the words a terminal program is left with. Only the slash forms: a
// typed answer may well be the word "exit".
func leaving(line string) bool {
	switch strings.ToLower(strings.TrimSpace(line)) {
	case "/quit", "/exit", "/q":
		return true
	}
	return false
}

// Line handles one line of input.
func (c *Console) Line(ctx context.Context, line string) error {
	line = strings.TrimSpace(line)
	if line == "" {
		return nil
	}
	c.mu.Lock()
	msgs, notice := c.fill(line)
	if msgs == nil && notice == "" {
		msgs, notice = c.parse(line)
		if notice == "" && len(msgs) == 1 && msgs[0].Kind == bot.KindAction {
			if f, lesson, ok := c.Forms.Opens(msgs[0].Action); ok {
				c.form = &openForm{form: f, lesson: lesson}
				notice = fmt.Sprintf("%s (for example %s), or a command to leave it:", f.Label, f.Placeholder)
			}
		}
	}
	if notice != "" {
		c.printf("%s\n", notice)
	}
	c.mu.Unlock()
	if notice != "" {
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
			c.mu.Lock()
			c.printf("Sorry, something went wrong on our side; nothing you did was lost. Please try again.\n")
			c.mu.Unlock()
			return nil
		}
		replies = rs
	}
	for _, r := range replies {
		if r.Live != nil && r.Live.Run != nil {
			c.renderLive(ctx, r)
			continue
		}
		c.mu.Lock()
		c.render(r)
		c.mu.Unlock()
	}
	return nil
}

// fill takes line as the open form's text, if a form is open and line is
// not a command (a command leaves the form).
func (c *Console) fill(line string) ([]bot.Message, string) {
	f := c.form
	c.form = nil
	if f == nil || strings.HasPrefix(line, "/") {
		return nil, ""
	}
	if f.form.MaxLength > 0 && len([]rune(line)) > f.form.MaxLength {
		c.form = f
		return nil, fmt.Sprintf("That is longer than %d characters; type it again:", f.form.MaxLength)
	}
	return []bot.Message{f.form.Submit(c.who, f.lesson, line)}, ""
}

func (c *Console) prompt() {
	if c.Prompt == "" {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.printf("\n%s", c.Prompt)
}

// Notify shows replies sent to the learner from outside the conversation
// (a nudge, a review reminder) under a heading, numbered like any reply,
// so their buttons can be pressed.
func (c *Console) Notify(heading string, replies []bot.Reply) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.printf("\n--- %s ---\n", heading)
	for _, r := range replies {
		r.Ephemeral = false // its buttons are the ones to press now
		c.render(r)
	}
	c.printf("---\n")
	if c.Prompt != "" {
		c.printf("\n%s", c.Prompt) // the learner was at the prompt: it is still theirs
	}
}

// renderLive prints a reply whose text is still being written: what comes
// before the live block, "(thinking…)", the text as it arrives, then the
// rest of the finished reply. Styled, the text is shown a paragraph at a
// time, each rendered as Markdown once it is complete, never as raw
// Markdown. When the finished reply is not the text that was streamed
// (the tutor fell back to the course's text), the console prints the
// finished reply's text after what was streamed.
func (c *Console) renderLive(ctx context.Context, r bot.Reply) {
	live := r.Live
	head := r
	head.Blocks, head.Buttons, head.File, head.Live = r.Blocks[:live.Block], nil, nil, nil
	c.mu.Lock()
	c.render(head)
	c.printf("(%s)\n", bot.Placeholder)
	c.mu.Unlock()
	printed, shown := "", 0 // the text so far; how much of it is on screen
	show := func(text string, done bool) {
		if c.Markdown == nil {
			c.printf("%s", text[shown:])
			shown = len(text)
			return
		}
		for {
			end := strings.Index(text[shown:], "\n\n")
			if end < 0 {
				if done && strings.TrimSpace(text[shown:]) != "" {
					c.printf("%s\n", c.Markdown(text[shown:]))
					shown = len(text)
				}
				return
			}
			if para := text[shown : shown+end]; strings.TrimSpace(para) != "" {
				c.printf("%s\n\n", c.Markdown(para))
			}
			shown += end + 2
		}
	}
	final := live.Run(ctx, func(text string) {
		c.mu.Lock()
		defer c.mu.Unlock()
		if strings.HasPrefix(text, printed) {
			printed = text
			show(printed, false)
		}
	})
	c.mu.Lock()
	defer c.mu.Unlock()
	tail := final
	tail.Title, tail.Context, tail.Live = "", "", nil
	if samePrefix(final.Blocks, r.Blocks[:live.Block]) {
		tail.Blocks = final.Blocks[live.Block:]
		if len(tail.Blocks) > 0 && printed != "" && tail.Blocks[0].Text == printed {
			show(printed, true)
			tail.Blocks = tail.Blocks[1:]
		} else if printed != "" {
			show(printed, true)
		}
	} else if printed != "" {
		show(printed, true)
	}
	if printed != "" && c.Markdown == nil {
		c.printf("\n")
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

// printf writes to out; the first failure is kept in werr for Run to
// report (a reply no one can read must not go on as if it was shown).
// Callers hold mu.
func (c *Console) printf(format string, args ...any) {
	if c.werr != nil {
		return
	}
	if _, err := fmt.Fprintf(c.out, format, args...); err != nil {
		c.werr = err
	}
}
