package discord_test

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/coursebot/coursebot/bot/bottest"
	"github.com/coursebot/coursebot/bot/discord"
	"github.com/coursebot/coursebot/course"
	"github.com/coursebot/coursebot/lessons"
	"github.com/coursebot/coursebot/tutor"
)

// TestLabelFormIsReadInBothModes: an answer form's submission, as Discord
// sends it for a form whose input sits in a Label (type 18, which
// discordgo v0.29 cannot decode), saves the answer over HTTP interactions
// and over the gateway alike.
func TestLabelFormIsReadInBothModes(t *testing.T) {
	t.Parallel()
	for _, mode := range []string{discord.ModeHTTP, discord.ModeGateway} {
		t.Run(mode, func(t *testing.T) {
			e := newEnv(t, mode, nil, "", false)
			if mode == discord.ModeGateway {
				waitFor(t, "gateway identify", func() bool { _, ids, _ := e.f.gatewayStats(); return ids == 1 })
			}
			card, answer := e.firstQuestion()
			if typ, _, _ := e.initial(componentPayload(e.nextID(), "u1", answer, card)); typ != 9 {
				t.Fatalf("Answer opened response type %d, want the form (9)", typ)
			}
			if typ := e.deliver(modalPayload(e.nextID(), "u1", answer, card.ChannelID, "Shipping ML that keeps working")); typ != 6 {
				t.Fatalf("form submission: response type %d, want 6", typ)
			}
			waitFor(t, "the answer saved", func() bool { return len(e.progress("u1").Answers) == 1 })
		})
	}
}

// TestHTTPModeOffersReplyToTheTutor: in HTTP-interactions mode no thread
// message reaches the bot, so wherever the tutor expects a reply (its
// question after an answer, "what have you tried?" after I'm stuck) the
// message carries a Reply button; it opens a form (a Label), and the
// reply reaches the tutor, who answers again with another Reply.
func TestHTTPModeOffersReplyToTheTutor(t *testing.T) {
	t.Parallel()
	model := bottest.Model(t, "Good start. What breaks first in production?")
	lz := &lazyHandler{}
	e := newEnvWith(t, discord.ModeHTTP, nil, "", false, lz)
	loaded, err := course.LoadBuiltin()
	if err != nil {
		t.Fatal(err)
	}
	eng := lessons.NewEngine(loaded, e.db, lessons.EngineOptions{Now: func() time.Time { return fixedNow }})
	h, err := tutor.New(eng, tutor.Options{Model: tutor.NewClient(tutor.ClientOptions{BaseURL: model, Model: "fake"}),
		Store: e.db, Course: eng.Course, Search: eng, Log: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	lz.h = h
	th := func() string { return onlyThread(t, e.f).ID }
	card, answer := e.firstQuestion()
	e.deliver(modalPayload(e.nextID(), "u1", answer, card.ChannelID, "Shipping ML that keeps working"))
	reply := e.replyButton(th(), 1)

	// The Reply button opens a form whose input sits in a Label.
	body, _ := json.Marshal(componentPayload(e.nextID(), "u1", reply.id, reply.msg))
	w := httptest.NewRecorder()
	e.mux.ServeHTTP(w, e.sign(body, fixedNow))
	if got := w.Body.String(); !strings.Contains(got, `"type":9`) || !strings.Contains(got, `{"type":18,"label":"Your reply"`) {
		t.Fatalf("Reply opened %s, want a form with a Label", got)
	}
	e.deliver(modalPayload(e.nextID(), "u1", reply.id, th(), "Data drift, I think"))
	e.replyButton(th(), 2)
	rec, err := e.db.TutorRecord(context.Background(), "discord:u1")
	if err != nil {
		t.Fatal(err)
	}
	if n := len(rec.Exchanges); n != 1 || len(rec.Exchanges[0].Turns) != 4 {
		t.Fatalf("tutor record %+v, want one exchange of two turns each", rec.Exchanges)
	}

	// I'm stuck on a capstone card asks what was tried: Reply again.
	e.deliver(commandPayload(e.nextID(), "u1", "start-4-4", map[string]any{"name": "args", "type": 3, "value": "step 4"}))
	e.settled()
	stuck, id := currentControl(e.f, th(), "stuck|")
	if id == "" {
		t.Fatal("no I'm stuck on the capstone card")
	}
	e.deliver(componentPayload(e.nextID(), "u1", id, stuck))
	e.replyButton(th(), 3)
}

type pressable struct {
	msg fakeMessage
	id  string
}

// replyButton returns the newest enabled Reply button of the thread, once
// the work in hand is done, and fails unless the thread holds n of them.
func (e *env) replyButton(thread string, n int) pressable {
	e.t.Helper()
	e.settled()
	var out []pressable
	for _, m := range e.f.channelMessages(thread) {
		for _, b := range enabledButtons(m) {
			if b.Label == "Reply" && strings.HasPrefix(b.CustomID, "dc.reply|4-4") {
				out = append(out, pressable{m, b.CustomID})
			}
		}
	}
	if len(out) < n {
		e.t.Fatalf("%d Reply buttons in the thread, want %d", len(out), n)
	}
	return out[len(out)-1]
}
