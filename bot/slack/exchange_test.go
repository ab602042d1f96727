package slack

import (
	"fmt"
	"log/slog"
	"strings"
	"testing"

	"github.com/coursebot/coursebot/bot"
	"github.com/coursebot/coursebot/bot/bottest"
	"github.com/coursebot/coursebot/course"
	"github.com/coursebot/coursebot/lessons"
	"github.com/coursebot/coursebot/store"
	"github.com/coursebot/coursebot/tutor"
)

// tutorHandler is the real tutor in front of the real engine over db.
func tutorHandler(t testing.TB, modelURL string) func(*store.DB) bot.Handler {
	return func(db *store.DB) bot.Handler {
		loaded, err := course.LoadBuiltin()
		if err != nil {
			t.Fatal(err)
		}
		eng := lessons.NewEngine(loaded, db, lessons.EngineOptions{Log: slog.New(slog.DiscardHandler)})
		h, err := tutor.New(eng, tutor.Options{Model: tutor.NewClient(tutor.ClientOptions{BaseURL: modelURL, Model: "fake"}),
			Store: db, Course: eng.Course, Search: eng, Log: slog.New(slog.DiscardHandler)})
		if err != nil {
			t.Fatal(err)
		}
		return h
	}
}

// TestAnswerAndTutorReplyReadAsOneExchange: a learner's answer typed in
// the thread gets one message back, "Saved your answer." and the tutor's
// reply written into it, then the card's buttons; not the card's title,
// question and answer again, nor a header on each later turn. The
// notification text of the reply is never the placeholder, and carries no
// Markdown markers.
func TestAnswerAndTutorReplyReadAsOneExchange(t *testing.T) {
	t.Parallel()
	reply := "Good **start**: you named delivery. What breaks first in production?"
	h := newHarness(t, tutorHandler(t, bottest.Model(t, reply)), nil)
	h.command("U1", "start-4-4", "C1")
	h.idle()
	th := h.lessonThread("U1", "4-4")
	for range 2 { // the opening card, the opener: then the question
		_, ctrl := currentCard(t, h.fake.thread(th.Channel, th.ThreadID))
		h.press("U1", ctrl, navButton(ctrl, "Next"))
		h.idle()
	}
	for turn, text := range []string{"Shipping ML that keeps working", "Data drift, I think"} {
		calls, _, _ := h.fake.snapshot()
		if code := h.reply("U1", th.Channel, th.ThreadID, text, fmt.Sprintf("EvX%d", turn)); code != 200 {
			t.Fatalf("event: %d", code)
		}
		h.idle()
		after, _, _ := h.fake.snapshot()
		var posts []apiCall
		for _, c := range after[len(calls):] {
			if c.Method == "chat.postMessage" {
				posts = append(posts, c)
			}
		}
		if len(posts) != 2 {
			t.Fatalf("turn %d: %d messages posted, want 2 (the exchange, the buttons): %v", turn, len(posts), posts)
		}
		thread := h.fake.thread(th.Channel, th.ThreadID)
		exchange, ctrl := thread[len(thread)-2], thread[len(thread)-1]
		body := sectionTexts(exchange)
		for _, want := range []string{"Good *start*: you named delivery. What breaks first in production?"} {
			if !strings.Contains(body, want) {
				t.Errorf("turn %d: the exchange %q lacks %q", turn, body, want)
			}
		}
		if turn == 0 && !strings.Contains(body, "Saved your answer.") {
			t.Errorf("turn 0: the exchange %q does not say the answer was saved", body)
		}
		for _, unwanted := range []string{"Question:", "Your answer", text} {
			if strings.Contains(body, unwanted) {
				t.Errorf("turn %d: the exchange repeats %q: %q", turn, unwanted, body)
			}
		}
		if ht := headerText(exchange); ht != "" {
			t.Errorf("turn %d: the exchange has a header %q", turn, ht)
		}
		if navButton(ctrl, "Next") == "" {
			t.Errorf("turn %d: no Next after the exchange: %v", turn, ctrl.Blocks)
		}
		notified := posts[0].Form.Get("text")
		if notified == "" || strings.Contains(notified, bot.Placeholder) {
			t.Errorf("turn %d: notification text %q", turn, notified)
		}
		if strings.Contains(exchange.Text, "**") || !strings.Contains(exchange.Text, "Good start") {
			t.Errorf("turn %d: the finished text fallback is %q", turn, exchange.Text)
		}
	}
}
