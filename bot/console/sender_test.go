package console

import (
	"context"
	"strings"
	"sync"
	"testing"

	"github.com/coursebot/coursebot"
	"github.com/coursebot/coursebot/bot"
	"github.com/coursebot/coursebot/bot/bottest"
)

// TestPrinter: reminders and nudges print whole, each in one write, with
// where they went, even when many arrive at once.
func TestPrinter(t *testing.T) {
	t.Parallel()
	var out bottest.Log
	p := NewPrinter(&out)
	nudge := []bot.Reply{{Title: "Still there?", Blocks: []bot.Block{{Kind: bot.BlockMarkdown, Text: "You stopped on card 6."}},
		Buttons: []bot.Button{{Label: "Resume"}, {Label: "Snooze 3 days"}}}}
	var wg sync.WaitGroup
	for i := range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var err error
			if i%2 == 0 {
				err = p.Send(context.Background(), coursebot.Learner{Platform: "console", UserID: "bob"}, nudge)
			} else {
				err = p.SendChannel(context.Background(), "general", []bot.Reply{{Blocks: []bot.Block{{Kind: bot.BlockMarkdown, Text: "Standup at 10"}}}})
			}
			if err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	blocks := strings.Split(strings.TrimSuffix(out.String(), "\n---\n"), "\n---\n")
	if len(blocks) != 20 {
		t.Fatalf("%d blocks, want 20:\n%s", len(blocks), out.String())
	}
	for _, b := range blocks {
		b = strings.TrimPrefix(b, "\n")
		switch {
		case strings.HasPrefix(b, "--- [direct message to bob] ---\n== Still there? ==\nYou stopped on card 6.\n[Resume] [Snooze 3 days]"):
		case strings.HasPrefix(b, "--- [#general] ---\nStandup at 10"):
		default:
			t.Errorf("garbled block:\n%s", b)
		}
	}
}
