package discord_test

import (
	"encoding/json"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/coursebot/coursebot/bot/discord"
)

// TestThreadNameAndStarterSay44: the lesson thread and its starter name
// the lesson as everything else does ("4.4", not the id "4-4").
func TestThreadNameAndStarterSay44(t *testing.T) {
	t.Parallel()
	e := newEnv(t, discord.ModeHTTP, nil, "", false)
	e.deliver(commandPayload(e.nextID(), "u1", "start-4-4"))
	th := onlyThread(t, e.f)
	if th.Name != "Lesson 4.4 · user-u1" {
		t.Errorf("thread name %q", th.Name)
	}
	starter := ""
	waitFor(t, "the thread's starter", func() bool {
		for _, c := range append(e.f.callsMatching("PATCH", "/webhooks/"), e.f.callsMatching("POST", "/channels/chan1/")...) {
			if strings.Contains(c.Body, "follow along") {
				starter = c.Body
				return true
			}
		}
		return false
	})
	if !strings.Contains(starter, "is working through Lesson 4.4 — follow along in the thread.") {
		t.Errorf("starter %s", starter)
	}
}

// TestLessonThatCannotStartIsRefusedPrivately: a lesson command is
// deferred ephemerally, so the refusal of /start-1-1 (no material) is seen
// by the learner only, and nothing is posted in the channel.
func TestLessonThatCannotStartIsRefusedPrivately(t *testing.T) {
	t.Parallel()
	e := newEnv(t, discord.ModeHTTP, nil, "", false)
	typ, _, flags := e.initial(commandPayload(e.nextID(), "u1", "start-1-1"))
	if typ != 5 || flags&64 == 0 {
		t.Fatalf("/start-1-1 deferred as type %d flags %d, want 5 ephemeral", typ, flags)
	}
	waitFor(t, "the refusal", func() bool {
		for _, c := range e.f.callsMatching("PATCH", "/webhooks/") {
			if strings.Contains(c.Body, "material is not installed yet") {
				return true
			}
		}
		return false
	})
	if posts := e.f.callsMatching("POST", "/channels/"); len(posts) != 0 {
		t.Errorf("a lesson that cannot start posted %d messages in the channel", len(posts))
	}
	typ, _, flags = e.initial(commandPayload(e.nextID(), "u1", "start-4-4"))
	if typ != 5 || flags&64 == 0 {
		t.Fatalf("/start-4-4 deferred as type %d flags %d, want 5 ephemeral", typ, flags)
	}
	th := onlyThread(t, e.f)
	waitFor(t, "the pointer to the thread", func() bool {
		for _, c := range e.f.callsMatching("PATCH", "/webhooks/") {
			if strings.Contains(c.Body, "your lesson continues in") && strings.Contains(c.Body, th.ID) {
				return true
			}
		}
		return false
	})
}

// TestAnswerModalShowsTheQuestion: the Answer button's modal shows the
// question it answers (a text display above the input, and the input's
// placeholder), names the lesson as 4.4, and puts its input in a Label.
func TestAnswerModalShowsTheQuestion(t *testing.T) {
	t.Parallel()
	e := newEnv(t, discord.ModeHTTP, nil, "", false)
	card, answer := e.firstQuestion()
	body, _ := json.Marshal(componentPayload(e.nextID(), "u1", answer, card))
	w := httptest.NewRecorder()
	e.mux.ServeHTTP(w, e.sign(body, fixedNow))
	got := w.Body.String()
	// The input sits in a Label (type 18), not in an action row, which
	// Discord's typings mark deprecated for text inputs; it has no label of
	// its own.
	want := `{"type":9,"data":{"components":[{"content":"**❓ If you had to explain MLOps to a colleague in one sentence, what would you say?**","type":10},{"type":18,"label":"Your answer","component":{"type":4,"custom_id":"answer","style":2,"placeholder":"If you had to explain MLOps to a colleague in one sentence, what would you say?","required":true,"max_length":4000}}],"custom_id":"` + answer + `","title":"Answer · Lesson 4.4"}}`
	if got != want {
		t.Errorf("modal\n got %s\nwant %s", got, want)
	}
}

// firstQuestion starts Lesson 4.4 for u1 and presses Next up to the first
// question card; it returns that card's message and its Answer custom_id.
func (e *env) firstQuestion() (card fakeMessage, answer string) {
	t := e.t
	e.deliver(commandPayload(e.nextID(), "u1", "start-4-4"))
	var th []fakeChannel
	waitFor(t, "the lesson thread", func() bool { th = e.f.threads(); return len(th) == 1 })
	for step := 0; answer == ""; step++ {
		if step > 10 {
			t.Fatal("no question in the first ten cards")
		}
		var nav fakeMessage
		var next string
		waitFor(t, "a card", func() bool {
			card, answer = currentControl(e.f, th[0].ID, "dc.answer|")
			nav, next = currentControl(e.f, th[0].ID, "next|")
			return answer != "" || next != ""
		})
		if answer == "" {
			e.deliver(componentPayload(e.nextID(), "u1", next, nav))
			waitFor(t, "the next card", func() bool { _, id := currentControl(e.f, th[0].ID, "next|"); return id != next })
		}
	}
	return card, answer
}

// TestQuestionHintFitsTheMode: HTTP-interactions mode never receives thread
// replies, so its questions say to press Answer; the gateway's keep "Reply
// in this thread".
func TestQuestionHintFitsTheMode(t *testing.T) {
	t.Parallel()
	for mode, want := range map[string]string{
		discord.ModeHTTP:    "**❓ If you had to explain MLOps to a colleague in one sentence, what would you say?**\n_Press **Answer** to answer._",
		discord.ModeGateway: "**❓ If you had to explain MLOps to a colleague in one sentence, what would you say?**\n_Reply in this thread to answer, or press **Answer**._",
	} {
		t.Run(mode, func(t *testing.T) {
			e := newEnv(t, mode, nil, "", false)
			card, _ := e.firstQuestion()
			if !strings.Contains(card.Content, want) {
				t.Errorf("question card:\n%s\nwant it to contain\n%s", card.Content, want)
			}
		})
	}
}
