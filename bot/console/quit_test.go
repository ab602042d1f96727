package console

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/coursebot/coursebot"
	"github.com/coursebot/coursebot/bot"
)

// TestQuitLeavesTheConsole: /quit and /exit end Run with a goodbye and
// reach no handler; the lines after them are not read; "exit" without the
// slash is an answer like any other.
func TestQuitLeavesTheConsole(t *testing.T) {
	t.Parallel()
	card := bot.Reply{Lesson: "4-4", Card: "c", Title: "Question", Blocks: []bot.Block{{Kind: bot.BlockMarkdown, Text: "Why?"}}}
	for _, tt := range []struct {
		input   string
		handled []string
		bye     bool
	}{
		{"/start-4-4\n/quit\n/status\n", []string{"start-4-4"}, true},
		{"/start-4-4\n  /EXIT \n/status\n", []string{"start-4-4"}, true},
		{"/start-4-4\nexit\n", []string{"start-4-4", "exit"}, false},
	} {
		h := &script{card: card}
		var out bytes.Buffer
		c := New(h, coursebot.Learner{Platform: "console", UserID: "ada"}, &out, nil)
		if err := c.Run(context.Background(), strings.NewReader(tt.input)); err != nil {
			t.Fatalf("%q: %v", tt.input, err)
		}
		var got []string
		for _, m := range h.got {
			got = append(got, m.Command+m.Text)
		}
		if strings.Join(got, ",") != strings.Join(tt.handled, ",") {
			t.Errorf("%q: handled %q, want %q", tt.input, got, tt.handled)
		}
		if strings.Contains(out.String(), "Bye. Your place is saved") != tt.bye {
			t.Errorf("%q: goodbye shown %v, want %v:\n%s", tt.input, !tt.bye, tt.bye, out.String())
		}
	}
}
