package slack

import (
	"context"
	"testing"

	"github.com/coursebot/coursebot/bot"
)

// TestDMChannelIsAskedForOncePerLearner: conversations.open (Tier 3) is
// called once per learner, not on every DM; a failed open is not kept.
func TestDMChannelIsAskedForOncePerLearner(t *testing.T) {
	h := newHarness(t, stub(make(chan bot.Message, 8)), func(o *Options) { o.Attempts = 1 })
	ctx := context.Background()
	nudge := []bot.Reply{{Blocks: []bot.Block{{Kind: bot.BlockMarkdown, Text: "You were halfway through Lesson 4.4."}}}}
	h.fake.fail("conversations.open", fault{status: 500})
	if err := h.a.Send(ctx, bot.Learner{Platform: Platform, UserID: "U7"}, nudge); err == nil {
		t.Fatal("a send whose conversations.open failed says it was sent")
	}
	for range 3 {
		for _, u := range []string{"U7", "U8"} {
			if err := h.a.Send(ctx, bot.Learner{Platform: Platform, UserID: u}, nudge); err != nil {
				t.Fatal(err)
			}
		}
	}
	if n := h.fake.count("conversations.open"); n != 3 {
		t.Errorf("conversations.open called %d times, want 3 (the failed one, then once for each learner)", n)
	}
	if got := len(posted(h.fake, "D7")) + len(posted(h.fake, "D8")); got != 6 {
		t.Errorf("%d DMs posted, want 6", got)
	}
}
