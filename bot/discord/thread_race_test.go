package discord_test

import (
	"context"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/coursebot/coursebot/bot/discord"
)

// A learner who answers in a new lesson thread before the item that opened
// it has committed (its first card is still being posted) is not ignored:
// the thread's record is committed with that item, after its cards, and
// the store shows it to readers from the moment it is put.
func TestAnswerInAThreadOpenedMomentsAgoIsTaken(t *testing.T) {
	t.Parallel()
	e := newEnv(t, discord.ModeGateway, nil, "", true)
	waitFor(t, "gateway identify", func() bool { _, ids, _ := e.f.gatewayStats(); return ids == 1 })
	release := make(chan struct{})
	var once sync.Once
	t.Cleanup(func() { once.Do(func() { close(release) }) })
	e.f.setFault(func(r *http.Request, _ []byte) (int, string, bool) {
		if r.Method == http.MethodPost && strings.HasSuffix(r.URL.Path, "/messages") && !strings.Contains(r.URL.Path, "/chan1/") {
			<-release // the lesson's first card waits until the answer is in
		}
		return 0, "", false
	})
	e.deliver(commandPayload(e.nextID(), "u2", "start-4-4"))
	th := onlyThread(t, e.f)
	// The thread's record is put (in the item's unit, not yet committed)
	// just after the learner is added to it: the learner's client shows the
	// thread from then on.
	waitFor(t, "the thread's record", func() bool {
		_, ok, err := e.db.ThreadAt(context.Background(), discord.Platform, th.ID, th.ID)
		return err == nil && ok
	})
	e.f.push("MESSAGE_CREATE", map[string]any{"id": "m-quick", "channel_id": th.ID, "guild_id": "guild1", "type": 0,
		"content": "a quick answer", "author": map[string]any{"id": "u2", "username": "u2"}})
	// Gateway events are handled in order: once a later interaction is
	// answered, the message was either taken into the inbox or dropped.
	e.deliver(commandPayload(e.nextID(), "u9", "status"))
	items, err := e.db.InboxItems(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	taken := false
	for _, it := range items {
		if it.Learner == "discord:u2" && strings.Contains(string(it.Payload), "a quick answer") {
			taken = true
		}
	}
	if !taken {
		t.Fatalf("the answer typed while the thread's first card was posting was dropped; inbox: %d items", len(items))
	}
	once.Do(func() { close(release) })
	e.settled()
	// The first card is not a question, so the learner is told so: the
	// message was read, not lost.
	msgs := e.f.channelMessages(th.ID)
	if len(msgs) < 2 || !strings.Contains(msgs[len(msgs)-1].Content, "No question is waiting") {
		t.Errorf("no answer to the quick message in the thread; last of %d messages: %+v", len(msgs), msgs[len(msgs)-1:])
	}
}
