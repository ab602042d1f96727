package discord_test

import (
	"context"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/coursebot/coursebot/bot"
	"github.com/coursebot/coursebot/bot/discord"
	"github.com/coursebot/coursebot/delivery"
)

// heldAnswers holds every typed answer until release is closed; the rest
// goes to the engine.
type heldAnswers struct {
	lazyHandler
	held    chan struct{} // one value when an answer is being held
	release chan struct{}
}

func (h *heldAnswers) Handle(ctx context.Context, m bot.Message) ([]bot.Reply, error) {
	if m.Kind == bot.KindText {
		h.held <- struct{}{}
		<-h.release
	}
	return h.lazyHandler.Handle(ctx, m)
}

// TestARefusedAnswerIsToldInTheThread: over the gateway, Discord never
// sends a message again; with the inbox at its limit, an answer typed in
// the lesson's thread is not kept, and the learner reads so in the thread
// (it was silence), while the answer taken is kept.
func TestARefusedAnswerIsToldInTheThread(t *testing.T) {
	t.Parallel()
	h := &heldAnswers{held: make(chan struct{}, 1), release: make(chan struct{})}
	var in *delivery.Inbox
	e := newEnvWith(t, discord.ModeGateway, nil, "", false, h, func(o *discord.Options) {
		// One item at a time, on this test's own pipeline.
		in = delivery.NewInbox(delivery.InboxOptions{Store: delivery.NewMemStore(), Limit: 1, Log: slog.New(slog.DiscardHandler),
			Queue: delivery.NewQueue(delivery.QueueOptions{Workers: 2, Log: slog.New(slog.DiscardHandler)})})
		o.Inbox = in
	})
	t.Cleanup(func() { in.Queue().Close(10 * time.Second) })
	h.h, _ = engineHandler(t, e.db)
	waitFor(t, "gateway identify", func() bool { _, ids, _ := e.f.gatewayStats(); return ids == 1 })
	e.deliver(commandPayload(e.nextID(), "u2", "start-4-4"))
	th := onlyThread(t, e.f)
	waitFor(t, "the thread's record", func() bool {
		_, ok, err := e.db.ThreadAt(context.Background(), discord.Platform, th.ID, th.ID)
		return err == nil && ok
	})
	waitFor(t, "the start's work done", func() bool { return in.Stats().Depth == 0 })
	say := func(id, text string) {
		e.f.push("MESSAGE_CREATE", map[string]any{"id": id, "channel_id": th.ID, "guild_id": "guild1", "type": 0,
			"content": text, "author": map[string]any{"id": "u2", "username": "u2"}})
	}
	say("m-first", "the first answer")
	<-h.held // the first answer is taken and being handled: the inbox is full
	say("m-second", "the second answer")
	waitFor(t, "the learner told the second was not kept", func() bool {
		for _, m := range e.f.channelMessages(th.ID) {
			if strings.Contains(m.Content, "did not keep that message") {
				return true
			}
		}
		return false
	})
	close(h.release)
	waitFor(t, "the first answer's work done", func() bool { return in.Stats().Depth == 0 })
	told := 0
	for _, m := range e.f.channelMessages(th.ID) {
		if strings.Contains(m.Content, "did not keep that message") {
			told++
		}
	}
	if told != 1 {
		t.Errorf("told %d times that a message was not kept, want once", told)
	}
}
