package discord_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/coursebot/coursebot/bot"
	"github.com/coursebot/coursebot/bot/bottest"
	"github.com/coursebot/coursebot/bot/discord"
)

// helpLive answers /help-mlops with an ephemeral live reply (as the tutor
// does), writing words 300 ms apart on clk and noting when an edit of the
// command's response reached Discord.
type helpLive struct {
	bottest.Writer
	inner bot.Handler
}

func (l *helpLive) Handle(ctx context.Context, m bot.Message) ([]bot.Reply, error) {
	if m.Kind != bot.KindCommand || m.Command != "help-mlops" {
		return l.inner.Handle(ctx, m)
	}
	ph := bot.Reply{Ephemeral: true, Title: "Help: drift", Blocks: []bot.Block{
		{Kind: bot.BlockMarkdown, Text: bot.Placeholder},
		{Kind: bot.BlockMarkdown, Text: "Read more:\n[1] Lesson 4.4 · card 12: Part 5 (/start-4-4)"},
	}, Buttons: []bot.Button{{Label: "Open Lesson 4.4", Action: bot.Action{Verb: bot.VerbOpen, Lesson: "4-4"}.Encode()}}}
	ph.Live = &bot.Live{Block: 0, Run: func(ctx context.Context, update func(string)) bot.Reply {
		return ph.WithText(0, l.Write(update))
	}}
	return []bot.Reply{ph}, nil
}

// TestCommandLiveReplyStreamsInItsResponse: an ephemeral live reply to a
// slash command (the tutor's /help answer) streams in the command's own
// response: "thinking…" first, edits at most once a second, each within
// Discord's limits, and the finished answer with its sources and button.
func TestCommandLiveReplyStreamsInItsResponse(t *testing.T) {
	t.Parallel()
	f := newFakeDiscord(t)
	clk := bottest.NewClock(fixedNow) // requests are signed at fixedNow
	words := strings.Fields(strings.Repeat("drift is when the data moves away from training ", 6))
	for i := range words {
		words[i] += " "
	}
	id := "9001"
	original := "/webhooks/" + testApp + "/itok-" + id + "/messages/@original"
	var e *env
	hl := &helpLive{Writer: bottest.Writer{Clock: clk, Words: words}}
	hl.Edits = func() int { return len(e.f.callsMatching("PATCH", original)) }
	e = newEnvWith(t, discord.ModeHTTP, f, "", false, nil, func(o *discord.Options) {
		hl.inner = o.Handler
		o.Handler = hl
		o.Now = clk.Now
	})
	if code := e.deliver(commandPayload(id, "u3", "help-mlops", map[string]any{"name": "question", "type": 3, "value": "drift"})); code != 5 {
		t.Fatalf("initial response type %d, want 5 (deferred)", code)
	}
	want := strings.TrimSpace(strings.Join(words, ""))
	var edits []string
	waitFor(t, "the finished answer in the command's response", func() bool {
		edits = nil
		for _, c := range e.f.callsMatching("PATCH", original) {
			var body struct {
				Content string `json:"content"`
			}
			if err := json.Unmarshal([]byte(c.Body), &body); err != nil {
				t.Fatalf("edit body: %v: %s", err, c.Body)
			}
			edits = append(edits, body.Content)
		}
		return len(edits) > 0 && strings.Contains(edits[len(edits)-1], want) && strings.Contains(edits[len(edits)-1], "Read more")
	})
	if len(edits) < 4 || !strings.Contains(edits[0], bot.Placeholder) {
		t.Fatalf("edits of the response: %q, want \"thinking…\" first, then the text as it grows", edits)
	}
	for i := 1; i < len(edits)-1; i++ {
		if n := len([]rune(edits[i])); n > 2000 || strings.Contains(edits[i], bot.Placeholder) || !strings.Contains(edits[i], "Read more") {
			t.Errorf("edit %d (%d characters): %q", i, n, edits[i])
		}
	}
	hl.CheckPace(t, discord.LiveEditInterval)
	if n := len(e.f.callsMatching("POST", "/webhooks/")); n != 0 {
		t.Errorf("%d follow-ups: the answer fits the response", n)
	}
	e.f.mu.Lock()
	resp := *e.f.originalLocked("itok-" + id)
	e.f.mu.Unlock()
	checkLimits(t, resp)
	var rows []component
	_ = json.Unmarshal(resp.Components, &rows)
	if len(rows) == 0 || len(rows[0].Components) == 0 || rows[0].Components[0].Label != "Open Lesson 4.4" {
		t.Errorf("the finished response's buttons: %s", resp.Components)
	}
}
