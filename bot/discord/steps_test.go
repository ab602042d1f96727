package discord_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/coursebot/coursebot/bot/bottest"
	"github.com/coursebot/coursebot/bot/discord"
)

// routeCounts counts the REST calls after the first n by route (ids as
// {id}), and returns how many calls there are in all.
func routeCounts(f *fakeDiscord, n int) (bottest.Calls, int) {
	f.mu.Lock()
	calls := append([]call(nil), f.calls...)
	f.mu.Unlock()
	out := bottest.Calls{}
	for _, c := range calls[n:] {
		if c.Path == "/ws" || c.Path == "/ws/" || strings.HasPrefix(c.Path, "/gateway") {
			continue
		}
		segs := strings.Split(strings.Trim(c.Path, "/"), "/")
		for i, s := range segs {
			if i > 0 && (strings.Trim(s, "0123456789") == "" || strings.HasPrefix(s, "itok-") || s == "chan1" || segs[i-1] == "reactions") {
				segs[i] = "{id}"
			}
		}
		out[c.Method+" /"+strings.Join(segs, "/")]++
	}
	return out, len(calls)
}

// TestCallsPerStep counts the REST calls of each step a learner takes in
// gateway mode (the interaction responses included), against the figures
// in docs/discord.md ("Calls per step"): the previous card's buttons are
// disabled without fetching it (the buttons of the cards posted lately are
// known), and the edits of a streamed reply in between are optional.
func TestCallsPerStep(t *testing.T) {
	t.Parallel()
	f := newFakeDiscord(t)
	clk := bottest.NewClock(time.Unix(1_750_000_000, 0))
	lh := &bottest.LiveAnswers{Writer: bottest.Writer{Clock: clk, Words: bottest.Words("the tutor writes this reply ", 4)}, Lesson: "4-4", Finished: make(chan struct{})}
	var e *env
	lh.Edits = func() int { return len(e.f.callsMatching("PATCH", "/channels/")) }
	e = newEnvWith(t, discord.ModeGateway, f, "", false, nil, func(o *discord.Options) {
		lh.Inner = o.Handler
		o.Handler = lh
		o.Now = clk.Now
	})
	waitFor(t, "gateway identify", func() bool { _, ids, _ := e.f.gatewayStats(); return ids == 1 })
	const (
		callback = "POST /interactions/{id}/{id}/callback"
		original = "PATCH /webhooks/app1/{id}/messages/@original"
		post     = "POST /channels/{id}/messages"
		edit     = "PATCH /channels/{id}/messages/{id}"
		thread   = "POST /channels/{id}/messages/{id}/threads"
		react    = "PUT /channels/{id}/messages/{id}/reactions/{id}/@me"
	)
	check := func(name string, want func() bottest.Calls, do func()) {
		t.Helper()
		_, n := routeCounts(f, 0)
		do()
		e.settled()
		got, _ := routeCounts(f, n)
		t.Logf("%-30s %s", name, got.String())
		if w := want(); got.String() != w.String() {
			t.Errorf("%s made %s, want %s", name, got.String(), w.String())
		}
	}
	is := func(m bottest.Calls) func() bottest.Calls { return func() bottest.Calls { return m } }
	check("start (public thread)", is(bottest.Calls{callback: 1, post: 2, thread: 1, original: 1}), func() {
		e.deliver(commandPayload(e.nextID(), "u1", "start-4-4"))
	})
	th := onlyThread(t, f)
	press := func(prefix string) {
		card, id := currentControl(f, th.ID, prefix)
		e.deliver(componentPayload(e.nextID(), "u1", id, card))
	}
	check("Next", is(bottest.Calls{callback: 1, edit: 1, post: 1}), func() { press("next|") })
	for range 60 { // to a checklist
		if _, id := currentControl(f, th.ID, "check|"); id != "" {
			break
		}
		if _, id := currentControl(f, th.ID, "next|"); id != "" {
			press("next|")
		} else {
			press("skip|")
		}
		e.settled()
	}
	check("tick a checklist item", is(bottest.Calls{callback: 1, original: 1}), func() { press("check|") })
	rec, ok, err := e.db.ThreadFor(context.Background(), discord.Platform, "discord:u1", "4-4")
	if err != nil || !ok {
		t.Fatal(err)
	}
	disable := len(strings.Split(rec.LastMessage, ","))
	// The head, the placeholder and the rest with its buttons; the
	// previous card's messages disabled, the edits while it was written,
	// the final text; the ✅.
	check("answer (a thread reply; the tutor's reply streamed)", func() bottest.Calls {
		return bottest.Calls{post: 3, edit: disable + len(lh.EditTimes()) + 1, react: 1}
	}, func() {
		e.f.push("MESSAGE_CREATE", map[string]any{"id": e.nextID(), "channel_id": th.ID, "guild_id": "guild1", "type": 0,
			"content": "my answer", "author": map[string]any{"id": "u1", "username": "u1"}})
		waitFor(t, "the live reply to finish", func() bool {
			select {
			case <-lh.Finished:
				return true
			default:
				return false
			}
		})
	})
	t.Logf("(%d edits as it was written; %d messages of the previous card disabled)", len(lh.EditTimes()), disable)
}
