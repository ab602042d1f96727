package slack

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/coursebot/coursebot/bot"
	"github.com/coursebot/coursebot/bot/bottest"
)

// TestFormModal: a form's button opens a modal with one field (views.open,
// never through the handler); its submission is the form's command, by
// the presser, in the lesson; someone else's press opens nothing.
func TestFormModal(t *testing.T) {
	t.Parallel()
	got := make(chan bot.Message, 16)
	h := newHarness(t, func(storeDB) bot.Handler { return bottest.FormCard{Lesson: "9-9", Got: got} }, func(o *Options) { o.Forms = bot.NewForms(bottest.RepoForm) })
	h.command("U1", "start-9-9", "C1")
	h.idle()
	drain(got)
	th := h.lessonThread("U1", "9-9")
	var msg fakeMsg
	var id string
	for _, m := range h.fake.thread(th.Channel, th.ThreadID) {
		if x := navButton(m, "Check my repository"); x != "" {
			msg, id = m, x
		}
	}
	if id == "" {
		t.Fatal("no Check my repository button")
	}
	if code := h.press("U2", msg, id); code != 200 {
		t.Fatalf("press: %d", code)
	}
	if code := h.press("U1", msg, id); code != 200 {
		t.Fatalf("press: %d", code)
	}
	waitFor(t, func() bool { h.fake.mu.Lock(); defer h.fake.mu.Unlock(); return len(h.fake.views) >= 1 })
	h.idle()
	h.fake.mu.Lock()
	views := h.fake.views
	h.fake.mu.Unlock()
	if len(views) != 1 {
		t.Fatalf("%d modals opened, want 1 (the owner's press)", len(views))
	}
	var v map[string]any
	_ = json.Unmarshal([]byte(views[0].Get("view")), &v)
	if title, _ := v["title"].(map[string]any); title["text"] != "Check my repository" || !strings.Contains(views[0].Get("view"), "Your repository's URL") {
		t.Errorf("modal %s", views[0].Get("view"))
	}
	if n := len(drain(got)); n != 0 {
		t.Errorf("the press reached the handler %d times; a form opens without it", n)
	}
	meta, _ := v["private_metadata"].(string)
	submit := func(user, text string) (int, string) {
		sub := map[string]any{"type": "view_submission", "user": map[string]any{"id": user},
			"view": map[string]any{"id": "V1", "hash": "h-" + user + text, "private_metadata": meta,
				"state": map[string]any{"values": map[string]any{formBlock: map[string]any{answerAction: map[string]any{"type": "plain_text_input", "value": text}}}}}}
		b, _ := json.Marshal(sub)
		return h.send("/slack/interactions", formType, "payload="+urlQuery(string(b)))
	}
	if code, body := submit("U1", "  "); code != 200 || !strings.Contains(body, `"form":"Type it here, or cancel."`) {
		t.Errorf("empty submission: %d %s", code, body)
	}
	if code, body := submit("U2", "https://github.com/mallory/x"); code != 200 || !strings.Contains(body, "belongs to someone else") {
		t.Errorf("someone else's submission: %d %s", code, body)
	}
	if code, body := submit("U1", " https://github.com/alice/svc "); code != 200 || body != "" {
		t.Fatalf("submission: %d %q", code, body)
	}
	h.idle()
	ms := drain(got)
	if len(ms) != 1 || ms[0].Kind != bot.KindCommand || ms[0].Command != "capstone" || ms[0].Args != "submit https://github.com/alice/svc" ||
		ms[0].Lesson != "9-9" || ms[0].Learner.Key() != "slack:U1" {
		t.Fatalf("handler got %+v", ms)
	}
}
