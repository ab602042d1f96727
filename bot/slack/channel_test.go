package slack

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/coursebot/coursebot/bot"
)

// TestSendChannel: a cohort reminder is one chat.postMessage to the
// channel with the title as a header; a channel the bot is not in, and a
// 429, come back as errors the scheduler can act on (the 429 after the
// adapter's own retries).
func TestSendChannel(t *testing.T) {
	t.Parallel()
	h := newHarness(t, nil, nil)
	ctx := context.Background()
	reminder := []bot.Reply{{Title: "Reminder from cohort spring", Blocks: []bot.Block{{Kind: bot.BlockMarkdown, Text: "Standup at *10*"}}}}
	if err := h.a.SendChannel(ctx, "C0COHORT", reminder); err != nil {
		t.Fatalf("SendChannel: %v", err)
	}
	_, msgs, _ := h.fake.snapshot()
	var posted []fakeMsg
	for _, m := range msgs {
		if m.Channel == "C0COHORT" {
			posted = append(posted, m)
		}
	}
	if len(posted) != 1 || headerText(posted[0]) != "Reminder from cohort spring" || posted[0].ThreadTS != "" {
		t.Fatalf("posts to the channel: %+v", posted)
	}
	found := false
	for _, b := range posted[0].Blocks {
		if tx, ok := b["text"].(map[string]any); ok && strings.Contains(tx["text"].(string), "Standup at") {
			found = true
		}
	}
	if !found {
		t.Errorf("the reminder text is not in the post: %+v", posted[0].Blocks)
	}

	h.fake.notInChannel("C0GONE")
	err := h.a.SendChannel(ctx, "C0GONE", reminder)
	if err == nil || !strings.Contains(err.Error(), "C0GONE") {
		t.Errorf("post to a channel the bot is not in: err = %v", err)
	}
	if p, ok := errors.AsType[interface {
		error
		Permanent() bool
	}](err); !ok || !p.Permanent() {
		t.Errorf("not_in_channel is not marked permanent: %v", err)
	}
	if err := h.a.SendChannel(ctx, "", reminder); err == nil {
		t.Errorf("post to no channel succeeded")
	}
}
