package tutor_test

import (
	"strings"
	"testing"
	"time"

	"github.com/coursebot/coursebot/bot"
	"github.com/coursebot/coursebot/tutor"
)

func TestBudgetHoldsAcrossRestarts(t *testing.T) {
	x := newHarness(t, func(o *tutor.Options) { o.DailyBudget, o.MaxTurns = 2, 10 })
	x.goTo("Socratic Question")
	live(t, x.answer("Shipping models."))
	live(t, x.answer("Is that enough?"))
	x.restart()
	rs := x.answer("Third try")
	if len(rs) != 1 || rs[0].Live != nil || !strings.Contains(text(rs[0]), "today's 2 replies from the tutor") {
		t.Fatalf("over budget: %s", dump(rs))
	}
	x.restart()
	rs = x.answer("Fourth try")
	if len(rs) != 1 || rs[0].Live != nil || strings.Contains(text(rs[0]), "today's 2 replies") {
		t.Fatalf("told twice in a day, or asked the model: %s", dump(rs))
	}
	if n := len(x.llm.requests()); n != 2 {
		t.Errorf("%d model requests, want 2", n)
	}
	budget := 0
	for _, o := range x.obs.list() {
		if o.Result == "budget" {
			budget++
		}
	}
	if budget != 2 {
		t.Errorf("%d budget refusals, want 2", budget)
	}
	// The next day (UTC) the budget is back.
	x.clock.Advance(24 * time.Hour)
	x.goTo("Production Checklist Review")
	_, final, _ := live(t, x.answer("Privacy review."))
	if !strings.Contains(text(final), "Good start") {
		t.Errorf("next day: %s", text(final))
	}
}

func TestStuckOnTheCapstone(t *testing.T) {
	x := newHarness(t, nil)
	card := x.goTo("Capstone Exercise: End-to-End")
	if !hasButton([]bot.Reply{card}, "I'm stuck") {
		t.Fatalf("capstone card without I'm stuck: %s", dump([]bot.Reply{card}))
	}
	_, final, _ := live(t, x.press("I'm stuck"))
	if !strings.Contains(text(final), "Good start") || !hasButton([]bot.Reply{final}, "Next") {
		t.Errorf("stuck reply: %s", dump([]bot.Reply{final}))
	}
	sys := systemOf(x.llm.last(t))
	for _, s := range []string{"stuck", "Ask what they have tried", "Do not give the solution", "Simulate a full MLOps cycle", "Part 7: Capstone Exercise"} {
		if !strings.Contains(sys, s) {
			t.Errorf("stuck prompt lacks %q", s)
		}
	}
	// A reply on the card continues the conversation; /stuck starts again.
	live(t, x.answer("I cannot get MLflow to log."))
	if got := userMessages(x.llm.last(t)); len(got) != 2 || got[1] != "I cannot get MLflow to log." {
		t.Errorf("user messages = %q", got)
	}
	live(t, x.send(bot.Message{Kind: bot.KindCommand, Command: "stuck", Lesson: "4-4"}))
	// Not on a capstone card: /stuck explains itself.
	x.command("start-4-4", "")
	x.press("Restart")
	rs := x.command("stuck", "")
	if len(rs) != 1 || rs[0].Live != nil || !strings.Contains(text(rs[0]), "capstone") {
		t.Errorf("/stuck off the capstone: %s", dump(rs))
	}
	if hasButton(x.command("start-4-4", ""), "I'm stuck") {
		t.Error("I'm stuck on a card outside the capstone")
	}
}

func TestHelpAnswersFromPassagesAndCites(t *testing.T) {
	x := newHarness(t, nil)
	x.llm.setReply(streamPieces("Drift detection compares live data with training data [1]."))
	rs := x.command("help-mlops", "drift detection")
	ph, final, _ := live(t, rs)
	if !ph.Ephemeral {
		t.Error("help answer is not ephemeral")
	}
	all := text(final)
	if !strings.Contains(all, "compares live data") || !strings.Contains(all, "[1] Lesson 4.4 · card ") || !strings.Contains(all, "(/start-4-4)") {
		t.Errorf("help answer: %s", all)
	}
	req := x.llm.last(t)
	if !strings.Contains(systemOf(req), "Answer only from the passages") || !strings.Contains(systemOf(req), "[1] Lesson 4.4 · card ") {
		t.Errorf("help prompt:\n%s", systemOf(req))
	}
	if got := userMessages(req); len(got) != 1 || got[0] != "drift detection" {
		t.Errorf("user messages = %q", got)
	}
	// Nothing in the course matches: the course's answer, no model call.
	n := len(x.llm.requests())
	rs = x.command("help-mlops", "zebra husbandry")
	if len(rs) != 1 || rs[0].Live != nil || !strings.Contains(text(rs[0]), "Nothing in the course matches") {
		t.Errorf("off-course: %s", dump(rs))
	}
	if len(x.llm.requests()) != n {
		t.Error("an off-course question reached the model")
	}
	// The model fails: the course's search results.
	x.llm.setReply(errorReply(503, "server_error"))
	_, final, _ = live(t, x.command("help-mlops", "drift detection"))
	if !strings.Contains(text(final), "What the course says about") || strings.Contains(text(final), bot.Placeholder) {
		t.Errorf("help fallback: %s", dump([]bot.Reply{final}))
	}
}
