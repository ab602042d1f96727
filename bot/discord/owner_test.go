package discord_test

import (
	"context"
	"encoding/json"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"

	"github.com/coursebot/coursebot/bot"
	"github.com/coursebot/coursebot/bot/discord"
)

const notYours = "This card belongs to someone else; type /start-4-4 for your own."

// initial sends an interaction (signed, in HTTP mode; over the fake
// gateway otherwise) and returns its initial response.
func (e *env) initial(p map[string]any) (typ int, content string, flags int) {
	e.t.Helper()
	e.f.interacted(p)
	body, _ := json.Marshal(p)
	var raw []byte
	if e.mode == discord.ModeHTTP {
		w := httptest.NewRecorder()
		e.mux.ServeHTTP(w, e.sign(body, e.signedAt()))
		if w.Code != 200 {
			e.t.Fatalf("interaction: HTTP %d %s", w.Code, w.Body.String())
		}
		raw = w.Body.Bytes()
	} else {
		id := p["id"].(string)
		e.f.push("INTERACTION_CREATE", json.RawMessage(body))
		waitFor(e.t, "initial response to "+id, func() bool { var ok bool; raw, ok = e.f.callback(id); return ok })
	}
	var resp struct {
		Type int `json:"type"`
		Data struct {
			Content string `json:"content"`
			Flags   int    `json:"flags"`
		} `json:"data"`
	}
	if err := json.Unmarshal(raw, &resp); err != nil {
		e.t.Fatalf("initial response %s: %v", raw, err)
	}
	return resp.Type, resp.Data.Content, resp.Data.Flags
}

// TestOnlyTheOwnerPressesACard: two learners take Lesson 4.4 in public
// threads of one channel, through the real engine. Learner A (u1) presses
// B's (u2) Next, ticks B's item, rates B's item, presses B's Answer and
// submits B's answer form: each time A gets an ephemeral "this card
// belongs to someone else" as the interaction's answer, and nothing is
// edited, posted or saved. B's own presses afterwards work.
func TestOnlyTheOwnerPressesACard(t *testing.T) {
	t.Parallel()
	for _, mode := range []string{discord.ModeHTTP, discord.ModeGateway} {
		t.Run(mode, func(t *testing.T) { testOnlyTheOwnerPresses(t, mode) })
	}
}

func testOnlyTheOwnerPresses(t *testing.T, mode string) {
	e := newEnv(t, mode, nil, "", false)
	for _, u := range []string{"u1", "u2"} {
		id := e.nextID()
		if typ := e.deliver(commandPayload(id, u, "start-4-4")); typ != 5 {
			t.Fatalf("start %s: type %d", u, typ)
		}
		// Done when the command's answer points to the thread (its last step).
		waitFor(t, u+"'s thread", func() bool {
			for _, c := range e.f.callsMatching("PATCH", "/webhooks/") {
				if strings.Contains(c.Path, "itok-"+id) && strings.Contains(c.Body, "your lesson continues in") {
					return true
				}
			}
			return false
		})
	}
	e.settled()
	thB, _, _ := e.db.ThreadFor(context.Background(), discord.Platform, "discord:u2", "4-4")
	thread := thB.ThreadID
	// writes counts the calls that post or edit a message.
	writes := func() int {
		n := 0
		for _, m := range []string{"POST", "PATCH", "PUT", "DELETE"} {
			n += len(e.f.callsMatching(m, "/channels/")) + len(e.f.callsMatching(m, "/webhooks/"))
		}
		return n
	}
	refused := func(what string, p map[string]any) {
		t.Helper()
		e.settled()
		msgs, calls, pa, pb := e.f.channelMessages(thread), writes(), e.progress("u1"), e.progress("u2")
		typ, content, flags := e.initial(p)
		if typ != 4 || flags&64 == 0 || content != notYours {
			t.Errorf("%s: A was answered type %d flags %d %q, want the ephemeral %q", what, typ, flags, content, notYours)
		}
		if after := e.f.channelMessages(thread); !reflect.DeepEqual(after, msgs) {
			t.Errorf("%s: B's thread changed", what)
		}
		if n := writes(); n != calls {
			t.Errorf("%s: %d messages posted or edited after the refusal", what, n-calls)
		}
		if !reflect.DeepEqual(e.progress("u1"), pa) || !reflect.DeepEqual(e.progress("u2"), pb) {
			t.Errorf("%s: progress changed", what)
		}
	}
	var didNext, didCheck, didRate, didAnswer bool
	prevAt := "-"
	for step := 0; !didNext || !didCheck || !didRate || !didAnswer; step++ {
		if step > 60 {
			t.Fatalf("B's lesson ran out before every control was tried: next %v check %v rate %v answer %v", didNext, didCheck, didRate, didAnswer)
		}
		var card fakeMessage
		var nav string
		waitFor(t, "B's next card", func() bool {
			for _, p := range []string{"next|", "skip|"} {
				if m, id := currentControl(e.f, thread, p); id != "" {
					if a, _ := bot.ParseAction(id); a.At != prevAt {
						card, nav = m, id
						return true
					}
				}
			}
			return false
		})
		if m, id := currentControl(e.f, thread, "dc.answer|"); id != "" && !didAnswer {
			didAnswer = true
			refused("answer button", componentPayload(e.nextID(), "u1", id, m))
			refused("answer form", modalPayload(e.nextID(), "u1", id, thread, "A's answer"))
			if typ, _, _ := e.initial(componentPayload(e.nextID(), "u2", id, m)); typ != 9 {
				t.Fatalf("B's Answer: type %d, want the modal", typ)
			}
			before := len(e.progress("u2").Answers)
			if typ := e.deliver(modalPayload(e.nextID(), "u2", id, thread, "B's answer")); typ != 6 {
				t.Fatalf("B's answer form: type %d", typ)
			}
			waitFor(t, "B's answer saved", func() bool { return len(e.progress("u2").Answers) > before })
			waitFor(t, "Next after B's answer", func() bool {
				card, nav = currentControl(e.f, thread, "next|")
				return nav != ""
			})
		}
		for _, p := range []string{"check|", "rate|"} {
			src, item := currentControl(e.f, thread, p)
			if item == "" || (p == "check|" && didCheck) || (p == "rate|" && didRate) {
				continue
			}
			didCheck, didRate = didCheck || p == "check|", didRate || p == "rate|"
			refused(p, componentPayload(e.nextID(), "u1", item, src))
			before := len(e.f.callsMatching("PATCH", "/webhooks/"))
			if typ := e.deliver(componentPayload(e.nextID(), "u2", item, src)); typ != 6 {
				t.Fatalf("B's %s: type %d", p, typ)
			}
			waitFor(t, "B's card edited in place", func() bool { return len(e.f.callsMatching("PATCH", "/webhooks/")) > before })
			if got := e.progress("u2"); len(got.Checks)+len(got.Ratings) == 0 {
				t.Errorf("B's %s not saved", p)
			}
		}
		at, _ := bot.ParseAction(nav)
		prevAt = at.At
		if !didNext {
			didNext = true
			refused("next", componentPayload(e.nextID(), "u1", nav, card))
		}
		if typ := e.deliver(componentPayload(e.nextID(), "u2", nav, card)); typ != 6 {
			t.Fatalf("B's next: type %d", typ)
		}
	}
	if logs := e.logs.String(); strings.Contains(logs, "A's answer") || strings.Contains(logs, "B's answer") {
		t.Error("an answer reached the log")
	}
}
