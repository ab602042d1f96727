package slack

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/coursebot/coursebot/bot"
)

// navButton returns the action_id of the button labelled one of labels in
// a controls message.
func navButton(m fakeMsg, labels ...string) string {
	for _, b := range m.Blocks {
		els, _ := b["elements"].([]any)
		for _, e := range els {
			el, _ := e.(map[string]any)
			txt, _ := el["text"].(map[string]any)
			for _, l := range labels {
				if txt["text"] == l {
					id, _ := el["action_id"].(string)
					return id
				}
			}
		}
	}
	return ""
}

// firstControl returns the first control with action_id prefix in msgs.
func firstControl(msgs []fakeMsg, prefix string) (fakeMsg, map[string]any, bool) {
	for _, m := range msgs {
		for _, b := range m.Blocks {
			els, _ := b["elements"].([]any)
			if acc, ok := b["accessory"].(map[string]any); ok {
				els = append(els, acc)
			}
			for _, e := range els {
				el, _ := e.(map[string]any)
				if id, _ := el["action_id"].(string); strings.HasPrefix(id, prefix) {
					return m, el, true
				}
			}
		}
	}
	return fakeMsg{}, nil, false
}

// currentCard returns the messages of the current card (a card is one
// message with its buttons, unless Slack's 50 blocks split it) and the
// one that holds its live buttons.
func currentCard(t testing.TB, thread []fakeMsg) (content []fakeMsg, controls fakeMsg) {
	t.Helper()
	content, controls, ok := liveCard(thread)
	if !ok {
		t.Fatalf("no live controls in thread of %d messages", len(thread))
	}
	return content, controls
}

// liveCard is currentCard that says when the thread has no live controls
// (a press spent them and the next card is not there yet).
func liveCard(thread []fakeMsg) (content []fakeMsg, controls fakeMsg, ok bool) {
	last := -1
	for i, m := range thread {
		if hasActionPrefix(m, actNav) {
			last = i
		}
	}
	if last < 0 {
		return nil, fakeMsg{}, false
	}
	start := 0
	for i := last - 1; i >= 0; i-- {
		if spentNote(thread[i]) != "" || hasActionPrefix(thread[i], actNav) {
			start = i + 1
			break
		}
	}
	return thread[start : last+1], thread[last], true
}

// spentNote is the note a card's spent buttons gave way to ("✓ Next",
// "Continued below ↓"), "" when it has none.
func spentNote(m fakeMsg) string {
	if len(m.Blocks) == 0 || m.Blocks[len(m.Blocks)-1]["type"] != "context" {
		return ""
	}
	els, _ := m.Blocks[len(m.Blocks)-1]["elements"].([]any)
	if len(els) == 0 {
		return ""
	}
	el, _ := els[0].(map[string]any)
	text, _ := el["text"].(string)
	if strings.HasPrefix(text, "✓ ") || strings.HasPrefix(text, "Continued below") {
		return text
	}
	return ""
}

// TestLearnerCompletesLesson44 drives the real engine through the real HTTP
// routes: /start-4-4, thread replies to questions, a checkbox, a rating,
// Next on every card, until the lesson is complete.
func TestLearnerCompletesLesson44(t *testing.T) {
	t.Parallel()
	h := newHarness(t, nil, nil)
	code, body := h.command("U1", "start-4-4", "C1")
	if code != 200 || !strings.Contains(body, `"response_type":"ephemeral"`) || !strings.Contains(body, "Starting Lesson 4.4 … it opens in our direct messages.") {
		t.Fatalf("ack = %d %s, want 200 saying where the lesson opens", code, body)
	}
	h.idle()
	if _, _, responses := h.fake.snapshot(); len(responses) != 0 {
		t.Fatalf("response_url got %v, want nothing (the command's answer said it all)", responses)
	}
	th := h.lessonThread("U1", "4-4")
	if th.Channel != "D1" {
		t.Fatalf("lesson thread in %q, want the learner's DM D1", th.Channel)
	}
	answered, ticked, rated := 0, false, false
	events := 0
	for step := 0; ; step++ {
		if step > 300 {
			t.Fatal("lesson did not complete in 300 steps")
		}
		thread := h.fake.thread(th.Channel, th.ThreadID)
		content, ctrl := currentCard(t, thread)
		if headerText(content[0]) == "Lesson complete" {
			break
		}
		if skip := navButton(ctrl, "Skip question"); skip != "" {
			events++
			if code := h.reply("U1", th.Channel, th.ThreadID, "My answer &amp; my reasons "+strings.Repeat("x", step), "Ev"+string(rune('A'+events%26))+strings.Repeat("z", events)); code != 200 {
				t.Fatalf("event: %d", code)
			}
			h.idle()
			answered++
			continue
		}
		if m, el, ok := firstControl(content, actCheck); ok && !ticked {
			opts, _ := el["options"].([]any)
			first, _ := opts[0].(map[string]any)
			if code := h.press("U1", m, el["action_id"].(string), first["value"].(string)); code != 200 {
				t.Fatalf("checkbox: %d", code)
			}
			h.idle()
			ticked = true
			updated := h.fake.thread(th.Channel, th.ThreadID)
			for _, u := range updated {
				if u.TS == m.TS && u.Updates == 0 {
					t.Fatalf("checkbox card was not updated in place")
				}
			}
		}
		if m, el, ok := firstControl(content, actRate); ok && !rated {
			if code := h.press("U1", m, el["action_id"].(string)); code != 200 {
				t.Fatalf("rating: %d", code)
			}
			h.idle()
			rated = true
		}
		next := navButton(ctrl, "Next", "Finish lesson")
		if next == "" {
			t.Fatalf("no Next on controls %v", ctrl.Blocks)
		}
		if code := h.press("U1", ctrl, next); code != 200 {
			t.Fatalf("next: %d", code)
		}
		h.idle()
	}
	p, err := h.db.Progress(context.Background(), "slack:U1", "4-4")
	if err != nil {
		t.Fatal(err)
	}
	if p.Completed.IsZero() {
		t.Fatalf("lesson not completed: %+v", p)
	}
	if answered == 0 || len(p.Answers) != answered || !ticked || !rated || len(p.Checks) == 0 || len(p.Ratings) == 0 {
		t.Fatalf("answers %d (sent %d), checks %v, ratings %v", len(p.Answers), answered, p.Checks, p.Ratings)
	}
	for _, a := range p.Answers {
		if !strings.HasPrefix(a.Text, "My answer & my reasons") {
			t.Errorf("answer saved as %q: Slack's &amp; not unescaped", a.Text)
		}
	}
	t.Logf("completed: %d answers, %d checks, %d ratings, %d Web API calls", len(p.Answers), len(p.Checks), len(p.Ratings), len(func() []apiCall { c, _, _ := h.fake.snapshot(); return c }()))
	// Only the last controls message is live: every earlier one is spent.
	thread := h.fake.thread(th.Channel, th.ThreadID)
	live := 0
	for _, m := range thread {
		if hasActionPrefix(m, actNav) {
			live++
		}
	}
	if live != 1 {
		t.Errorf("%d live controls messages, want 1", live)
	}
	if n := h.fake.count("reactions.add"); n != answered {
		t.Errorf("%d reactions for %d answers", n, answered)
	}
	if strings.Contains(h.logs.String(), testBotToken) || strings.Contains(h.logs.String(), testSecret) {
		t.Error("a secret leaked into the log")
	}
}

// TestStatusAnsweredInPlace: /status is answered in the HTTP response.
func TestStatusAnsweredInPlace(t *testing.T) {
	t.Parallel()
	h := newHarness(t, nil, nil)
	code, body := h.command("U1", "status", "C1")
	if code != 200 {
		t.Fatalf("status: %d", code)
	}
	var resp struct {
		ResponseType string           `json:"response_type"`
		Blocks       []map[string]any `json:"blocks"`
	}
	if err := json.Unmarshal([]byte(body), &resp); err != nil || resp.ResponseType != "ephemeral" || len(resp.Blocks) == 0 || !strings.Contains(body, "4.4 Capstone") {
		t.Fatalf("status response %q (%v)", body, err)
	}
	h.idle()
	if n := h.fake.count("chat.postMessage"); n != 0 {
		t.Errorf("status posted %d messages, want none", n)
	}
}

// TestAnswerModal: the Answer button opens a modal (views.open), and its
// submission becomes a KindText message for that question.
func TestAnswerModal(t *testing.T) {
	t.Parallel()
	got := make(chan bot.Message, 16)
	h := newHarness(t, func(_ storeDB) bot.Handler { return fakeHandler(got) }, nil)
	h.command("U1", "start-9-9", "C1")
	h.idle()
	th := h.lessonThread("U1", "9-9")
	msg, el, ok := firstControl(h.fake.thread(th.Channel, th.ThreadID), actAnswer)
	if !ok {
		t.Fatal("no Answer button")
	}
	if code := h.press("U1", msg, el["action_id"].(string)); code != 200 {
		t.Fatalf("press: %d", code)
	}
	waitFor(t, func() bool { h.fake.mu.Lock(); defer h.fake.mu.Unlock(); return len(h.fake.views) == 1 })
	h.fake.mu.Lock()
	view := h.fake.views[0]
	h.fake.mu.Unlock()
	var v map[string]any
	_ = json.Unmarshal([]byte(view.Get("view")), &v)
	meta, _ := v["private_metadata"].(string)
	sub := map[string]any{"type": "view_submission", "user": map[string]any{"id": "U1"},
		"view": map[string]any{"id": "V1", "hash": "h1", "private_metadata": meta,
			"state": map[string]any{"values": map[string]any{answerBlock: map[string]any{answerAction: map[string]any{"type": "plain_text_input", "value": "Because tests."}}}}}}
	b, _ := json.Marshal(sub)
	code, body := h.send("/slack/interactions", formType, "payload="+urlQuery(string(b)))
	if code != 200 || body != "" {
		t.Fatalf("submission: %d %q", code, body)
	}
	h.idle()
	var m bot.Message
	for _, x := range drain(got) {
		if x.Kind == bot.KindText {
			m = x
		}
	}
	if m.Kind != bot.KindText || m.Text != "Because tests." || m.Lesson != "9-9" || m.Question != "q1" {
		t.Fatalf("handler got %+v (all: %+v); log:\n%s", m, drain(got), h.logs.String())
	}
}
