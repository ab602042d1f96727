package lessons_test

import (
	"strings"
	"testing"

	"github.com/coursebot/coursebot/bot"
	"github.com/coursebot/coursebot/lessons"
)

func buttonAction(t *testing.T, r bot.Reply, label string) string {
	t.Helper()
	for _, b := range r.Buttons {
		if b.Label == label {
			return b.Action
		}
	}
	t.Fatalf("no %q button in %+v", label, r.Buttons)
	return ""
}

func TestForgetMe(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	alice, bob := h.learner("alice"), h.learner("bob")
	for _, l := range []*learner{alice, bob} {
		l.cmd("start-4-4")
		for question(l.last) == nil {
			l.press("Next")
		}
		l.text("my private answer from " + l.who.UserID)
	}

	ask := alice.cmd(lessons.ForgetCommand)
	if !ask.Ephemeral || !strings.Contains(text(ask), "cannot be undone") {
		t.Fatalf("/forget-me should ask first: %+v", ask)
	}
	// "Keep it" deletes nothing.
	keep := alice.send(bot.Message{Kind: bot.KindAction, Action: buttonAction(t, ask, "Keep it")})
	if !strings.Contains(text(keep), "Nothing was deleted") {
		t.Errorf("Keep it: %q", text(keep))
	}
	if ps, _ := h.db.LearnerProgress(h.ctx, alice.who.Key()); len(ps) != 1 {
		t.Fatalf("after Keep it alice has %d lessons, want 1", len(ps))
	}

	done := alice.send(bot.Message{Kind: bot.KindAction, Action: buttonAction(t, ask, "Delete my data")})
	if !strings.Contains(text(done), "is deleted") {
		t.Errorf("Delete my data: %q", text(done))
	}
	exp, err := h.db.LearnerData(h.ctx, alice.who.Key())
	if err != nil || exp.Found {
		t.Errorf("alice's data after /forget-me: found=%v err=%v", exp.Found, err)
	}
	if ps, _ := h.db.LearnerProgress(h.ctx, bob.who.Key()); len(ps) != 1 || len(ps[0].Answers) != 1 {
		t.Errorf("bob lost his progress: %+v", ps)
	}
	// A second press (a double click, or an old message) finds nothing.
	again := alice.send(bot.Message{Kind: bot.KindAction, Action: buttonAction(t, ask, "Delete my data")})
	if !strings.Contains(text(again), "nothing left") {
		t.Errorf("second press: %q", text(again))
	}
	// Starting again starts from the first card.
	if r := alice.cmd("start-4-4"); r.Card == "" || strings.Contains(text(r), "Welcome back") {
		t.Errorf("after forgetting, /start-4-4 should start afresh: %q", text(r))
	}
}
