package slack

import (
	"encoding/json"
	"strings"
	"testing"
)

// ephemeralBlocks decodes the blocks of a slash command's in-place answer.
func ephemeralBlocks(t *testing.T, body string) []map[string]any {
	t.Helper()
	var resp struct {
		ResponseType string           `json:"response_type"`
		Blocks       []map[string]any `json:"blocks"`
	}
	if err := json.Unmarshal([]byte(body), &resp); err != nil || resp.ResponseType != "ephemeral" {
		t.Fatalf("answer %q is not ephemeral (%v)", body, err)
	}
	return resp.Blocks
}

// lastResponseBlocks returns the blocks of the latest response_url post
// that has blocks.
func (h *harness) lastResponseBlocks() []map[string]any {
	_, _, rs := h.fake.snapshot()
	for i := len(rs) - 1; i >= 0; i-- {
		if bs, ok := rs[i]["blocks"].([]any); ok && len(bs) > 0 {
			var out []map[string]any
			for _, b := range bs {
				out = append(out, b.(map[string]any))
			}
			return out
		}
	}
	return nil
}

// TestEphemeralButtonsAreSpentThroughResponseURL: the buttons of messages
// only the learner sees (/status's Resume, /help's Start, the Steps list,
// a notice's "Show where I am") are spent through the press's response_url
// (replace_original), never with chat.update, which cannot edit an
// ephemeral message.
func TestEphemeralButtonsAreSpentThroughResponseURL(t *testing.T) {
	t.Parallel()
	h := newHarness(t, nil, nil)
	h.command("U1", "start-4-4", "C1")
	h.idle()
	th := h.lessonThread("U1", "4-4")
	answer := func(command string) func() []map[string]any {
		return func() []map[string]any {
			code, body := h.command("U1", command, "C1")
			h.idle()
			if code != 200 {
				t.Fatalf("/%s answered %d", command, code)
			}
			return ephemeralBlocks(t, body)
		}
	}
	_, first := currentCard(t, h.fake.thread(th.Channel, th.ThreadID)) // the opening card's Next and Steps
	press := func(label string) func() []map[string]any {
		return func() []map[string]any {
			// The opening card's buttons, pressed after the learner has
			// moved on: Steps still lists the steps; Next is stale.
			if code := h.press("U1", first, navButton(first, label)); code != 200 {
				t.Fatalf("press %s: %d", label, code)
			}
			h.idle()
			return h.lastResponseBlocks()
		}
	}
	for _, p := range []struct {
		name  string
		shown func() []map[string]any // the ephemeral message's blocks
		label string
	}{
		{"a step of the Steps list", press("Steps"), "3. Architecture Review"},
		{"Show where I am", press("Next"), "Show where I am"},
		{"status Resume", answer("status"), "Resume 4.4"},
		{"help Start", answer("help"), "Start Lesson 4.4"},
	} {
		blocks := p.shown()
		id := navButton(fakeMsg{Blocks: blocks}, p.label)
		if id == "" {
			t.Fatalf("%s: no %q button in %v", p.name, p.label, blocks)
		}
		callsBefore, _, rsBefore := h.fake.snapshot()
		if code := h.pressEphemeral("U1", th.Channel, blocks, id); code != 200 {
			t.Fatalf("%s: press answered %d", p.name, code)
		}
		h.idle()
		calls, _, rs := h.fake.snapshot()
		for _, c := range calls[len(callsBefore):] {
			if c.Method == "chat.update" && strings.HasPrefix(c.Form.Get("ts"), "1750000002.") {
				t.Errorf("%s: chat.update on the ephemeral message %s", p.name, c.Form.Get("ts"))
			}
		}
		replaced := false
		for _, r := range rs[len(rsBefore):] {
			if r["replace_original"] == true && r["text"] == "✓ "+p.label {
				replaced = true
			}
		}
		if !replaced {
			t.Errorf("%s: the pressed ephemeral message was not replaced through response_url: %v", p.name, rs[len(rsBefore):])
		}
	}
	if strings.Contains(h.logs.String(), "message_not_found") {
		t.Errorf("logged message_not_found:\n%s", h.logs.String())
	}
}
