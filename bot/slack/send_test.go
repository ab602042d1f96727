package slack

import (
	"context"
	"testing"
	"time"

	"github.com/coursebot/coursebot"
	"github.com/coursebot/coursebot/bot"
)

// TestSend: a nudge without a lesson is a DM; a lesson reply goes into the
// learner's lesson thread, opening one in their DM if none exists.
func TestSend(t *testing.T) {
	t.Parallel()
	h := newHarness(t, stub(make(chan bot.Message, 8)), nil)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	to := coursebot.Learner{Platform: Platform, UserID: "U5"}
	nudge := bot.Reply{Blocks: []bot.Block{{Kind: bot.BlockMarkdown, Text: "You were halfway through Lesson 4.4."}},
		Buttons: []bot.Button{{Label: "Resume", Action: "resume|4-4"}}}
	if err := h.a.Send(ctx, to, []bot.Reply{nudge}); err != nil {
		t.Fatal(err)
	}
	msgs := posted(h.fake, "D5")
	if len(msgs) != 1 || msgs[0].ThreadTS != "" || !hasActionPrefix(msgs[0], actNav) {
		t.Fatalf("nudge: %+v", msgs)
	}
	card := bot.Reply{Lesson: "4-4", Card: "c", Title: "Card", Blocks: []bot.Block{{Kind: bot.BlockMarkdown, Text: "x"}},
		Buttons: []bot.Button{{Label: "Next", Action: "next|4-4|c"}}}
	if err := h.a.Send(ctx, to, []bot.Reply{card}); err != nil {
		t.Fatal(err)
	}
	th := h.lessonThread("U5", "4-4")
	if th.Channel != "D5" || len(h.fake.thread("D5", th.ThreadID)) != 1 {
		t.Fatalf("lesson reply not in a new DM thread: %+v", th)
	}
	if err := h.a.Send(ctx, to, []bot.Reply{card}); err != nil {
		t.Fatal(err)
	}
	if got := h.lessonThread("U5", "4-4"); got.ThreadID != th.ThreadID || len(h.fake.thread("D5", th.ThreadID)) != 2 {
		t.Fatalf("second lesson reply opened another thread")
	}
}
