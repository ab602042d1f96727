package slack

import (
	"context"
	"testing"

	"github.com/coursebot/coursebot"
	"github.com/coursebot/coursebot/bot"
)

// TestDMsArePostedToTheUserID: a direct message is posted with the
// learner's user id as its channel (Slack puts it in the app's DM with
// them and names the DM in its answer), so no conversations.open (Tier 3)
// is needed; the DM's id is remembered for the file uploads that need it.
// A failed post is an error.
func TestDMsArePostedToTheUserID(t *testing.T) {
	t.Parallel()
	h := newHarness(t, stub(make(chan bot.Message, 8)), func(o *Options) { o.Attempts = 1 })
	ctx := context.Background()
	nudge := []bot.Reply{{Blocks: []bot.Block{{Kind: bot.BlockMarkdown, Text: "You were halfway through Lesson 4.4."}}}}
	h.fake.fail("chat.postMessage", fault{status: 500})
	if err := h.a.Send(ctx, coursebot.Learner{Platform: Platform, UserID: "U7"}, nudge); err == nil {
		t.Fatal("a send whose post failed says it was sent")
	}
	for range 3 {
		for _, u := range []string{"U7", "U8"} {
			if err := h.a.Send(ctx, coursebot.Learner{Platform: Platform, UserID: u}, nudge); err != nil {
				t.Fatal(err)
			}
		}
	}
	if n := h.fake.count("conversations.open"); n != 0 {
		t.Errorf("conversations.open called %d times, want none", n)
	}
	if got := len(posted(h.fake, "D7")) + len(posted(h.fake, "D8")); got != 6 {
		t.Errorf("%d DMs posted, want 6", got)
	}
	if dm, err := h.a.openDM(ctx, "U7"); err != nil || dm != "D7" || h.fake.count("conversations.open") != 0 {
		t.Errorf("the DM of U7 is %q (%v) after %d conversations.open, want D7 remembered from the posts", dm, err, h.fake.count("conversations.open"))
	}
}
