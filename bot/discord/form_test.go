package discord_test

import (
	"encoding/json"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/coursebot/coursebot/bot"
	"github.com/coursebot/coursebot/bot/bottest"
	"github.com/coursebot/coursebot/bot/discord"
)

// TestFormModal: a form's button answers with a modal of one Label and
// text input at once (never through the handler); its submission is the
// form's command, deferred for the learner; someone else's press is refused.
func TestFormModal(t *testing.T) {
	t.Parallel()
	got := make(chan bot.Message, 16)
	e := newEnvWith(t, discord.ModeHTTP, nil, "", false, bottest.FormCard{Lesson: "4-4", Got: got}, func(o *discord.Options) { o.Forms = bot.NewForms(bottest.RepoForm) })
	e.deliver(commandPayload(e.nextID(), "u1", "start-4-4"))
	th := onlyThread(t, e.f)
	var card fakeMessage
	var cid string
	waitFor(t, "the form button", func() bool { card, cid = currentControl(e.f, th.ID, "form|"); return cid != "" })
	<-got
	if typ, content, _ := e.initial(componentPayload(e.nextID(), "u2", cid, card)); typ != 4 || !strings.Contains(content, "belongs to someone else") {
		t.Errorf("someone else's press: type %d %q", typ, content)
	}
	body, _ := json.Marshal(componentPayload(e.nextID(), "u1", cid, card))
	w := httptest.NewRecorder()
	e.mux.ServeHTTP(w, e.sign(body, fixedNow))
	want := `{"type":9,"data":{"components":[{"type":18,"label":"Your repository's URL","component":{"type":4,"custom_id":"text","style":1,"placeholder":"https://github.com/you/project","required":true,"max_length":300}}],"custom_id":"dc.form|repo|4-4|`
	if got := w.Body.String(); !strings.HasPrefix(got, want) || !strings.HasSuffix(got, `","title":"Check my repository"}}`) {
		t.Fatalf("modal\n got %s\nwant %s…", got, want)
	}
	var resp struct {
		Data struct {
			CustomID string `json:"custom_id"`
		} `json:"data"`
	}
	_ = json.Unmarshal(w.Body.Bytes(), &resp)
	if typ, content, _ := e.initial(modalPayload(e.nextID(), "u2", resp.Data.CustomID, th.ID, "https://github.com/mallory/x")); typ != 4 || !strings.Contains(content, "belongs to someone else") {
		t.Errorf("someone else's submission: type %d %q", typ, content)
	}
	typ, _, flags := e.initial(modalPayload(e.nextID(), "u1", resp.Data.CustomID, th.ID, " https://github.com/alice/svc "))
	if typ != 5 || flags&64 == 0 {
		t.Errorf("submission deferred as type %d flags %d, want 5 ephemeral", typ, flags)
	}
	m := <-got
	if m.Kind != bot.KindCommand || m.Command != "capstone" || m.Args != "submit https://github.com/alice/svc" || m.Lesson != "4-4" || m.Learner.Key() != "discord:u1" {
		t.Fatalf("handler got %+v", m)
	}
	e.settled()
	select {
	case m := <-got:
		t.Errorf("the handler got %+v more", m)
	default:
	}
}
