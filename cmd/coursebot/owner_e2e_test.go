package main

import (
	"fmt"
	"strings"
	"testing"

	"github.com/coursebot/coursebot"
	"github.com/coursebot/coursebot/bot"
)

// TestServeRefusesAPressOnSomeoneElsesCard runs `coursebot serve` (the
// real wiring: cohorts in front of the engine, metrics, bbolt) against the
// fake APIs: two Discord learners start Lesson 4.4 in public threads of one
// channel, and learner 1 presses learner 2's Next, signed as Discord signs
// it, both as the card carries it (with learner 2's tag) and as an
// unmarked control from before tags. Each time learner 1 alone is told
// whose card it is and nothing is posted; learner 2's own press then moves
// their lesson on.
func TestServeRefusesAPressOnSomeoneElsesCard(t *testing.T) {
	t.Parallel()
	e := startServe(t, "")
	threadOf := map[string]string{}
	for i, u := range []string{"801", "802"} {
		before := len(e.api.snapshot())
		body := fmt.Sprintf(`{"id":"%d","application_id":"4242","type":2,"token":"tok-%d","version":1,"channel_id":"c1","guild_id":"g1",
			"member":{"user":{"id":%q,"username":"user%s"}},"data":{"id":"9","name":"start-4-4","type":1}}`, 10+i, i, u, u)
		if code, resp := e.discordPost(body); code != 200 || !strings.Contains(resp, `"type":5`) {
			t.Fatalf("start for %s: %d %s", u, code, resp)
		}
		// The first card goes into the new thread: a channel other than c1.
		eventually(t, "a card in "+u+"'s thread", func() bool {
			for _, c := range e.api.snapshot()[before:] {
				if ch, ok := postedTo(c); ok && ch != "c1" {
					threadOf[u] = ch
					return true
				}
			}
			return false
		})
	}
	press := func(n int, user, customID string) string {
		t.Helper()
		body := fmt.Sprintf(`{"id":"%d","application_id":"4242","type":3,"token":"ptok-%d","version":1,"channel_id":%q,"guild_id":"g1",
			"member":{"user":{"id":%q,"username":"user%s"}},"message":{"id":"m1","channel_id":%q},
			"data":{"custom_id":%q,"component_type":2}}`, 100+n, n, threadOf["802"], user, user, threadOf["802"], customID)
		code, resp := e.discordPost(body)
		if code != 200 {
			t.Fatalf("press %d: HTTP %d", n, code)
		}
		return resp
	}
	tagged := bot.Action{Verb: bot.VerbNext, Lesson: "4-4", At: e.cards[0].key, Owner: bot.OwnerTag(coursebot.Learner{Platform: "discord", UserID: "802"})}.Encode()
	legacy := bot.Action{Verb: bot.VerbNext, Lesson: "4-4", At: e.cards[0].key}.Encode()
	before := len(e.api.snapshot())
	for n, id := range []string{tagged, legacy} {
		resp := press(n, "801", id)
		if !strings.Contains(resp, `"type":4`) || !strings.Contains(resp, `"flags":64`) ||
			!strings.Contains(resp, "This card belongs to someone else; type /start-4-4 for your own.") {
			t.Errorf("learner 1 pressing %q on learner 2's card was answered %s", id, resp)
		}
	}
	if resp := press(2, "802", tagged); !strings.Contains(resp, `"type":6`) {
		t.Fatalf("learner 2's own press: %s", resp)
	}
	eventually(t, "learner 2's next card", func() bool {
		for _, c := range e.api.snapshot()[before:] {
			if ch, ok := postedTo(c); ok && ch == threadOf["802"] {
				return true
			}
		}
		return false
	})
	for _, c := range e.api.snapshot()[before:] {
		if ch, ok := postedTo(c); ok && ch != threadOf["802"] {
			t.Errorf("a refused press posted into %s: %s", ch, c)
		}
	}
	e.waitMetric(`coursebot_messages_total{platform="discord",kind="press",name="next",outcome="ok"} 1`)
}

// postedTo reports the channel of a recorded Discord message post.
func postedTo(call string) (string, bool) {
	rest, ok := strings.CutPrefix(call, "discord POST /discord/api/v10/channels/")
	if !ok {
		return "", false
	}
	ch, tail, _ := strings.Cut(rest, "/")
	return ch, tail == "messages"
}

// snapshot copies the calls the fake recorded, in order.
func (f *fakeAPI) snapshot() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.calls...)
}
