package console

import (
	"context"
	"fmt"
	"io"
	"strings"
	"sync"

	"github.com/coursebot/coursebot"
	"github.com/coursebot/coursebot/bot"
)

// Printer shows messages sent outside a conversation — cohort reminders
// and nudges — on the console's output, each in one write so it does not
// interleave with the conversation mid-line. It is the console's
// bot.Sender and channel sender.
type Printer struct {
	// FileDir is where files attached to replies are saved ("" is the
	// current directory), never over an existing file.
	FileDir string
	// Own is the console's learner; Show, when set, shows the direct
	// messages sent to them in the conversation, numbered so that their
	// buttons (a nudge's Resume, Snooze, Stop) can be pressed
	// (Console.Notify). Set both before the first Send.
	Own  coursebot.Learner
	Show func(heading string, replies []bot.Reply)

	mu  sync.Mutex
	out io.Writer
}

// NewPrinter returns a printer writing to out.
func NewPrinter(out io.Writer) *Printer { return &Printer{out: out} }

var _ bot.Sender = (*Printer)(nil)

// Send prints a direct message to learner to.
func (p *Printer) Send(_ context.Context, to coursebot.Learner, replies []bot.Reply) error {
	if p.Show != nil && to.Key() == p.Own.Key() {
		p.Show("direct message for you", replies)
		return nil
	}
	return p.print(fmt.Sprintf("direct message to %s", to.UserID), replies)
}

// SendChannel prints a post to channel.
func (p *Printer) SendChannel(_ context.Context, channel string, replies []bot.Reply) error {
	return p.print("#"+channel, replies)
}

func (p *Printer) print(where string, replies []bot.Reply) error {
	var b strings.Builder
	fmt.Fprintf(&b, "\n--- [%s] ---\n", where)
	for _, r := range replies {
		if r.Title != "" {
			fmt.Fprintf(&b, "== %s ==\n", r.Title)
		}
		if r.Context != "" {
			fmt.Fprintf(&b, "%s\n", r.Context)
		}
		for _, bl := range r.Blocks {
			switch bl.Kind {
			case bot.BlockCode:
				fmt.Fprintf(&b, "```%s\n%s\n```\n", bl.Lang, bl.Text)
			default:
				fmt.Fprintf(&b, "%s\n", bl.Text)
			}
		}
		var labels []string
		for _, btn := range r.Buttons {
			labels = append(labels, "["+btn.Label+"]")
		}
		if len(labels) > 0 {
			fmt.Fprintf(&b, "%s\n", strings.Join(labels, " "))
		}
		if r.File != nil {
			fmt.Fprintf(&b, "%s\n", fileLine(p.FileDir, r.File))
		}
	}
	b.WriteString("---\n")
	p.mu.Lock()
	defer p.mu.Unlock()
	if _, err := io.WriteString(p.out, b.String()); err != nil {
		return fmt.Errorf("console: print %s: %w", where, err)
	}
	return nil
}
