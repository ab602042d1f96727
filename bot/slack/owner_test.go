package slack

import (
	"context"
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"github.com/coursebot/coursebot"
)

const notYours = "This card belongs to someone else; type /start-4-4 for your own."

// TestOnlyTheOwnerPressesACard: two learners take Lesson 4.4 in threads of
// one channel (channel placement), through the real engine and signed
// requests. Learner A (U1) presses B's (U2) Next, ticks B's checkbox, rates
// B's item, presses B's Answer and submits an answer form opened for B:
// each time A is told, ephemerally, that the card is someone else's, and
// neither B's thread nor anyone's progress changes. B's own press of the
// same control afterwards works (the refused press used up no dedup record).
func TestOnlyTheOwnerPressesACard(t *testing.T) {
	t.Parallel()
	h := newHarness(t, nil, func(o *Options) { o.Placement = PlaceChannel })
	for _, u := range []string{"U1", "U2"} {
		if code, _ := h.command(u, "start-4-4", "C1"); code != 200 {
			t.Fatalf("start %s: %d", u, code)
		}
		h.idle()
	}
	thB := h.lessonThread("U2", "4-4")
	if thA := h.lessonThread("U1", "4-4"); thB.Channel != "C1" || thA.Channel != "C1" || thA.ThreadID == thB.ThreadID {
		t.Fatalf("threads A %+v, B %+v: want two threads in C1", thA, thB)
	}
	progress := func(u string) coursebot.Progress {
		t.Helper()
		p, err := h.db.Progress(context.Background(), "slack:"+u, "4-4")
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	responses := func() []map[string]any { _, _, r := h.fake.snapshot(); return r }
	views := func() int { h.fake.mu.Lock(); defer h.fake.mu.Unlock(); return len(h.fake.views) }
	// refused has A press actionID on msg and checks that only a refusal
	// came of it.
	refused := func(what string, msg fakeMsg, actionID string, selected ...string) {
		t.Helper()
		thread, pa, pb, nr, nv := h.fake.thread(thB.Channel, thB.ThreadID), progress("U1"), progress("U2"), len(responses()), views()
		if code := h.press("U1", msg, actionID, selected...); code != 200 {
			t.Fatalf("%s: %d", what, code)
		}
		// The Answer button is handled off the learner's queue: wait for
		// whichever comes, a refusal or a form.
		waitFor(t, func() bool { return !strings.HasPrefix(actionID, actAnswer) || len(responses()) > nr || views() > nv })
		h.idle()
		if got := responses(); len(got) <= nr || got[nr]["response_type"] != "ephemeral" || got[nr]["text"] != notYours {
			t.Errorf("%s: A was answered %v, want the ephemeral %q", what, got[nr:], notYours)
		}
		if after := h.fake.thread(thB.Channel, thB.ThreadID); !reflect.DeepEqual(after, thread) {
			t.Errorf("%s: B's thread changed (%d messages before, %d after)", what, len(thread), len(after))
		}
		if !reflect.DeepEqual(progress("U1"), pa) || !reflect.DeepEqual(progress("U2"), pb) {
			t.Errorf("%s: progress changed", what)
		}
		if views() != nv {
			t.Errorf("%s: a form was opened for A", what)
		}
	}
	var didNext, didCheck, didRate, didAnswer bool
	for step := 0; !didNext || !didCheck || !didRate || !didAnswer; step++ {
		if step > 60 {
			t.Fatalf("B's lesson ran out before every control was tried: next %v check %v rate %v answer %v", didNext, didCheck, didRate, didAnswer)
		}
		content, ctrl := currentCard(t, h.fake.thread(thB.Channel, thB.ThreadID))
		if m, el, ok := firstControl(content, actAnswer); ok && !didAnswer {
			didAnswer = true
			id := el["action_id"].(string)
			refused("answer button", m, id)
			nv := views()
			h.press("U2", m, id)
			waitFor(t, func() bool { return views() > nv })
			h.fake.mu.Lock()
			view := h.fake.views[nv]
			h.fake.mu.Unlock()
			var v map[string]any
			_ = json.Unmarshal([]byte(view.Get("view")), &v)
			meta, _ := v["private_metadata"].(string)
			submit := func(user, viewID string) (int, string) {
				sub := map[string]any{"type": "view_submission", "user": map[string]any{"id": user},
					"view": map[string]any{"id": viewID, "hash": "h1", "private_metadata": meta,
						"state": map[string]any{"values": map[string]any{answerBlock: map[string]any{answerAction: map[string]any{"type": "plain_text_input", "value": "Answer by " + user}}}}}}
				b, _ := json.Marshal(sub)
				return h.send("/slack/interactions", formType, "payload="+urlQuery(string(b)))
			}
			pa, pb := progress("U1"), progress("U2")
			if code, body := submit("U1", "V1"); code != 200 || !strings.Contains(body, notYours) {
				t.Errorf("A submitting B's form: %d %s", code, body)
			}
			h.idle()
			if !reflect.DeepEqual(progress("U1"), pa) || !reflect.DeepEqual(progress("U2"), pb) {
				t.Errorf("A's submission of B's form changed progress")
			}
			if code, body := submit("U2", "V2"); code != 200 || body != "" {
				t.Fatalf("B submitting: %d %s", code, body)
			}
			h.idle()
			if n := len(progress("U2").Answers); n != len(pb.Answers)+1 {
				t.Errorf("B's answer not saved: %d answers", n)
			}
			continue // the card changed
		}
		if m, el, ok := firstControl(content, actCheck); ok && !didCheck {
			didCheck = true
			opts, _ := el["options"].([]any)
			first, _ := opts[0].(map[string]any)
			id, value := el["action_id"].(string), first["value"].(string)
			refused("checkbox", m, id, value)
			h.press("U2", m, id, value)
			h.idle()
			if p := progress("U2"); len(p.Checks) != 1 {
				t.Errorf("B's tick not saved: %v", p.Checks)
			}
		}
		if m, el, ok := firstControl(content, actRate); ok && !didRate {
			didRate = true
			id := el["action_id"].(string)
			refused("rating", m, id)
			h.press("U2", m, id)
			h.idle()
			if p := progress("U2"); len(p.Ratings) != 1 {
				t.Errorf("B's rating not saved: %v", p.Ratings)
			}
		}
		next := navButton(ctrl, "Next", "Skip question")
		if next == "" {
			t.Fatalf("no Next on B's controls %v", ctrl.Blocks)
		}
		if !didNext {
			didNext = true
			refused("next", ctrl, next)
		}
		n := len(h.fake.thread(thB.Channel, thB.ThreadID))
		h.press("U2", ctrl, next)
		h.idle()
		if len(h.fake.thread(thB.Channel, thB.ThreadID)) == n {
			t.Fatalf("B's own Next after A's refused press did nothing; log:\n%s", h.logs.String())
		}
	}
}
