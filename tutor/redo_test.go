package tutor_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/coursebot/coursebot/bot"
	"github.com/coursebot/coursebot/delivery"
	"github.com/coursebot/coursebot/tutor"
)

// item does m as the inbox does an item's work: under its idempotency key
// and its store unit, which is never committed (the process dies before
// the item is done), then runs the live reply as an adapter would. It
// returns the finished reply.
func (x *harness) item(key string, recovered bool, m bot.Message, runCtx context.Context) bot.Reply {
	x.t.Helper()
	ctx, _ := x.db.Begin(delivery.WithKey(context.Background(), key, recovered, time.Time{}), 7)
	m.Learner = x.who
	rs, err := x.h.Handle(ctx, m)
	if err != nil {
		x.t.Fatalf("handle %+v: %v", m, err)
	}
	x.last = rs
	if len(rs) != 1 || rs[0].Live == nil {
		x.t.Fatalf("want one live reply, got %s", dump(rs))
	}
	if runCtx == nil {
		runCtx = ctx
	}
	return rs[0].Live.Run(runCtx, func(string) {})
}

// budget is the learner's tutor replies used today and their exchanges'
// turns about the first question.
func (x *harness) budget() (used int, turns []string) {
	x.t.Helper()
	rec, err := x.db.TutorRecord(context.Background(), x.who.Key())
	if err != nil {
		x.t.Fatal(err)
	}
	for _, e := range rec.Exchanges {
		for _, t := range e.Turns {
			turns = append(turns, t.Role+": "+t.Text+" ["+t.Fallback+"]")
		}
	}
	return rec.Used, turns
}

// TestRedoneItemGetsTheSameReplyFree: the inbox does an item again after a
// crash (at-least-once). The tutor's reply, recorded before the crash, is
// given again by the item's key: the model is not asked a second time, no
// second unit of the budget is spent, and the exchange has one turn each.
func TestRedoneItemGetsTheSameReplyFree(t *testing.T) {
	x := newHarness(t, nil)
	x.goTo("Socratic Question")
	answer := bot.Message{Kind: bot.KindText, Text: "Shipping models that keep working.", Lesson: "4-4"}

	first := x.item("k1.a", false, answer, nil) // ... and the process dies
	again := x.item("k1.a", true, answer, nil)  // the next start does it again

	if n := len(x.llm.requests()); n != 1 {
		t.Errorf("the model was asked %d times, want 1", n)
	}
	if got, want := text(again), text(first); got != want {
		t.Errorf("the redone item's reply:\n%s\nwant the first one's:\n%s", got, want)
	}
	used, turns := x.budget()
	if used != 1 || len(turns) != 2 {
		t.Errorf("budget used %d (want 1), turns %q (want the answer and one reply)", used, turns)
	}

	// A later message (another item) is a reply to the tutor, as usual.
	x.item("k2.a", false, bot.Message{Kind: bot.KindText, Text: "Monitoring, I think.", Lesson: "4-4"}, nil)
	if used, turns := x.budget(); used != 2 || len(turns) != 4 || len(x.llm.requests()) != 2 {
		t.Errorf("after a new item: used %d, turns %q, requests %d", used, turns, len(x.llm.requests()))
	}
}

// TestRedoneItemAsksAgainWhenNoReplyWasKept: the process stopped while the
// model was answering (a shutdown cancels the request; the item stays in
// the inbox). The next start asks the model again, once, without a second
// unit of the budget, and the stopped turn is replaced by the reply.
func TestRedoneItemAsksAgainWhenNoReplyWasKept(t *testing.T) {
	x := newHarness(t, nil)
	x.goTo("Socratic Question")
	answer := bot.Message{Kind: bot.KindText, Text: "Shipping models that keep working.", Lesson: "4-4"}

	x.llm.setReply(hang)
	stopping, stop := context.WithCancel(context.Background())
	go func() {
		<-x.llm.arrived // the model is answering: shut down
		stop()
	}()
	x.item("k1.b", false, answer, stopping)
	if _, turns := x.budget(); len(turns) != 2 || turns[1] != "tutor: "+framing+" ["+tutor.CauseCanceled+"]" {
		t.Fatalf("after the shutdown, turns %q", turns)
	}

	x.llm.setReply(streamPieces("Good ", "start: ", "you named delivery."))
	again := x.item("k1.b", true, answer, nil)
	if n := len(x.llm.requests()); n != 2 {
		t.Errorf("the model was asked %d times, want 2 (the stopped request and the redo)", n)
	}
	if got := again.Blocks[x.last[0].Live.Block].Text; got != "Good start: you named delivery." {
		t.Errorf("the redone item's reply says %q", got)
	}
	used, turns := x.budget()
	if used != 1 || len(turns) != 2 || turns[1] != "tutor: Good start: you named delivery. []" {
		t.Errorf("budget used %d (want 1), turns %q (want the answer and the model's reply)", used, turns)
	}
	// Done a third time (crashed again before the commit): the kept reply.
	x.item("k1.b", true, answer, nil)
	if n := len(x.llm.requests()); n != 2 {
		t.Errorf("the model was asked %d times, want still 2", n)
	}
}

// TestRedoneLastTurnIsNotRefused: the item that got the tutor's last
// reply (max_turns) is done again after a crash: it gets that reply again,
// not "that was the tutor's last reply".
func TestRedoneLastTurnIsNotRefused(t *testing.T) {
	x := newHarness(t, func(o *tutor.Options) { o.MaxTurns = 2 })
	x.goTo("Socratic Question")
	live(t, x.answer("Shipping models that keep working.")) // the tutor's first reply
	x.llm.setReply(streamPieces("Right: ", "monitoring."))
	reply := bot.Message{Kind: bot.KindText, Text: "Monitoring, I think.", Lesson: "4-4"}
	x.item("k2.c", false, reply, nil) // the last reply max_turns allows; then a crash
	again := x.item("k2.c", true, reply, nil)
	if got := again.Blocks[x.last[0].Live.Block].Text; got != "Right: monitoring." || len(x.llm.requests()) != 2 {
		t.Errorf("redone reply %q (want the kept one), requests %d (want 2)", got, len(x.llm.requests()))
	}
	// A new message past max_turns is refused as before.
	if rs := x.answer("And alerts?"); len(rs) != 1 || rs[0].Live != nil || !strings.Contains(text(rs[0]), "last reply") {
		t.Errorf("a new reply past max_turns: %s", dump(rs))
	}
}
