package console

import (
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"testing"

	"github.com/coursebot/coursebot"
	"github.com/coursebot/coursebot/bot"
	"github.com/coursebot/coursebot/bot/bottest"
)

// TestConformance runs the adapter conformance suite (bot/bottest) against
// the console: one learner ("a") at a terminal, and the Printer for what is
// sent outside the conversation.
func TestConformance(t *testing.T) {
	t.Parallel()
	bottest.Run(t, suiteHarness{})
}

type suiteHarness struct{}

func (suiteHarness) Cannot() map[bottest.Case]string {
	return map[bottest.Case]string{
		bottest.Ownership: "one learner per console: no one else sees or presses their cards",
		bottest.SendErrors: "the console prints: no platform refuses a recipient and nothing is retried " +
			"(a failed write of the conversation ends Run with the error)",
		bottest.UploadLimits: "the console saves what it is given and says in the printed line when it cannot " +
			"(TestFileUnwritableAndPrinter); nothing comes back as an error",
		bottest.LiveEdits: "the console prints a live reply's text as it arrives: nothing is edited in place",
		bottest.Restart:   "the console has no threads: a new console is a new conversation",
		bottest.Shutdown:  "the console ends with its input: nothing can arrive after it",
	}
}

func (suiteHarness) Start(t *testing.T, c bottest.Config) bottest.Platform {
	p := &suitePlatform{t: t, dir: t.TempDir(), printers: map[string]*Printer{}}
	p.c = New(c.Handler, p.Learner("a"), &p.out, slog.New(slog.NewTextHandler(&p.logs, nil)))
	p.c.FileDir = p.place("a")
	return p
}

type suitePlatform struct {
	t        *testing.T
	c        *Console
	out      bottest.Log
	logs     bottest.Log
	dir      string
	printers map[string]*Printer // by recipient, each saving in a folder of its own
}

func (p *suitePlatform) Learner(user string) coursebot.Learner {
	return coursebot.Learner{Platform: "console", UserID: user}
}

// place is the folder the files for to are saved in.
func (p *suitePlatform) place(to string) string {
	dir := filepath.Join(p.dir, to)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		p.t.Fatal(err)
	}
	return dir
}

func (p *suitePlatform) line(user, text string) string {
	if user != "a" {
		p.t.Fatalf("the console has one learner, a, not %s", user)
	}
	n := len(p.out.String())
	if err := p.c.Line(context.Background(), text); err != nil {
		p.t.Fatalf("%q: %v", text, err)
	}
	return p.out.String()[n:]
}

func (p *suitePlatform) Command(user, name string) string { return p.line(user, "/"+name) }

// Answer is a line typed at the console.
func (p *suitePlatform) Answer(writer, _, _, text string) { p.line(writer, text) }

// Thread is the conversation so far, the console's one place.
func (p *suitePlatform) Thread(string, string) []bottest.Post {
	return []bottest.Post{{Text: p.out.String()}}
}

func (p *suitePlatform) printer(to string) *Printer {
	if pr := p.printers[to]; pr != nil {
		return pr
	}
	pr := NewPrinter(&p.out)
	pr.FileDir = p.place(to)
	pr.Own, pr.Show = p.Learner("a"), p.c.Notify
	p.printers[to] = pr
	return pr
}

func (p *suitePlatform) Send(ctx context.Context, to coursebot.Learner, replies []bot.Reply) error {
	return p.printer(to.UserID).Send(ctx, to, replies)
}

func (p *suitePlatform) SendChannel(ctx context.Context, channel string, replies []bot.Reply) error {
	return p.printer(channel).SendChannel(ctx, channel, replies)
}

func (p *suitePlatform) Channel() string { return "general" }

// Files are the files saved for to.
func (p *suitePlatform) Files(to string) []bot.File {
	dir := p.place(to)
	entries, err := os.ReadDir(dir)
	if err != nil {
		p.t.Fatal(err)
	}
	var out []bot.File
	for _, e := range entries {
		data, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			p.t.Fatal(err)
		}
		out = append(out, bot.File{Name: e.Name(), Data: data})
	}
	return out
}

func (p *suitePlatform) Logs() string {
	return p.logs.String()
}

// Secrets: the console is given none.
func (p *suitePlatform) Secrets() []string { return nil }
