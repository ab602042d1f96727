package discord_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/coursebot/coursebot/bot"
	"github.com/coursebot/coursebot/bot/discord"
)

// TestSendChannel: a cohort reminder is one message in the channel, with a
// nonce; a deleted channel and a non-id are errors.
func TestSendChannel(t *testing.T) {
	t.Parallel()
	e := newEnv(t, discord.ModeGateway, nil, "", false)
	e.f.mu.Lock()
	e.f.channels["777"] = &fakeChannel{ID: "777", Type: 0}
	e.f.channels["778"] = &fakeChannel{ID: "778", Type: 0, Deleted: true}
	e.f.mu.Unlock()
	reminder := []bot.Reply{{Title: "Reminder from cohort spring", Blocks: []bot.Block{{Kind: bot.BlockMarkdown, Text: "Standup at **10**"}}}}
	if err := e.a.SendChannel(context.Background(), "777", reminder); err != nil {
		t.Fatal(err)
	}
	ms := e.f.channelMessages("777")
	if len(ms) != 1 || !strings.Contains(ms[0].Content, "Reminder from cohort spring") || !strings.Contains(ms[0].Content, "**10**") || ms[0].Nonce == "" {
		t.Fatalf("channel got %+v", ms)
	}
	err := e.a.SendChannel(context.Background(), "778", reminder)
	if p, ok := errors.AsType[interface {
		error
		Permanent() bool
	}](err); !ok || !p.Permanent() {
		t.Errorf("a deleted channel: err = %v, want one marked permanent", err)
	}
	if err := e.a.SendChannel(context.Background(), "general", reminder); err == nil {
		t.Error("posted to a channel that is not an id")
	}
}
