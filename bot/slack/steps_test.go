package slack

import (
	"testing"
	"time"

	"github.com/coursebot/coursebot/bot"
	"github.com/coursebot/coursebot/bot/bottest"
	"github.com/coursebot/coursebot/store"
)

// stepCounter counts the calls each step of a learner makes: Web API
// methods by name, response_url posts as "response_url".
type stepCounter struct {
	fake        *fakeSlack
	calls, resp int
}

func (c *stepCounter) mark() {
	calls, _, resp := c.fake.snapshot()
	c.calls, c.resp = len(calls), len(resp)
}

func (c *stepCounter) since() bottest.Calls {
	calls, _, resp := c.fake.snapshot()
	out := bottest.Calls{}
	for _, call := range calls[c.calls:] {
		out[call.Method]++
	}
	if n := len(resp) - c.resp; n > 0 {
		out["response_url"] = n
	}
	return out
}

// TestCallsPerStep counts the calls of each step a learner takes through
// Lesson 4.4 and a streamed tutor reply, against the figures in
// docs/slack.md ("Calls per step"): a start is one post (its card opens
// the thread; no conversations.open, no separate controls, the "Starting"
// answer is the command's HTTP response); presses change messages through
// their response_url, never Slack's Tier 3 chat.update.
func TestCallsPerStep(t *testing.T) {
	t.Parallel()
	fake := newFakeSlack(t)
	clk := bottest.NewClock(time.Unix(1_750_000_000, 0))
	h := newHarnessFake(t, fake, nil, func(o *Options) { o.Now = clk.Now })
	c := &stepCounter{fake: fake}
	check := func(name string, want bottest.Calls, do func()) {
		t.Helper()
		c.mark()
		do()
		h.idle()
		got := c.since()
		t.Logf("%-30s %s", name, got.String())
		if got.String() != want.String() {
			t.Errorf("%s made %s, want %s", name, got.String(), want.String())
		}
	}
	post, update, resp, react := "chat.postMessage", "chat.update", "response_url", "reactions.add"
	check("start (command in a channel)", bottest.Calls{post: 1}, func() { h.command("U1", "start-4-4", "C1") })
	th := h.lessonThread("U1", "4-4")
	check("start (typed in the DM)", bottest.Calls{post: 1}, func() { h.command("U2", "start-4-4", "D2") })
	current := func() ([]fakeMsg, fakeMsg) { return currentCard(t, fake.thread(th.Channel, th.ThreadID)) }
	next := func() {
		_, ctrl := current()
		h.press("U1", ctrl, navButton(ctrl, "Next", "Skip question", "Finish lesson"))
		h.idle()
	}
	check("Next", bottest.Calls{post: 1, resp: 1}, next)
	for range 40 { // to the first question
		if _, ctrl := current(); navButton(ctrl, "Skip question") != "" {
			break
		}
		next()
	}
	check("answer a question (a reply)", bottest.Calls{post: 1, update: 1, react: 1}, func() {
		h.reply("U1", th.Channel, th.ThreadID, "my answer", "EvSTEP1")
	})
	check("Next after the answer", bottest.Calls{post: 1, resp: 1}, next)
	for range 60 { // to a checklist
		if content, _ := current(); hasControl(content, actCheck) {
			break
		}
		next()
	}
	check("tick a checklist item", bottest.Calls{resp: 1}, func() {
		content, _ := current()
		m, el, _ := firstControl(content, actCheck)
		opts, _ := el["options"].([]any)
		first, _ := opts[0].(map[string]any)
		h.press("U1", m, el["action_id"].(string), first["value"].(string))
	})
	for range 80 { // to a rating
		if content, _ := current(); hasControl(content, actRate) {
			break
		}
		next()
	}
	check("choose a rating", bottest.Calls{resp: 1}, func() {
		content, _ := current()
		m, el, _ := firstControl(content, actRate)
		h.press("U1", m, el["action_id"].(string))
	})

	// A tutor's streamed reply (a stub lesson whose answer streams 16
	// words 300 ms apart on a fake clock). Its edits in between are
	// optional: their number depends on the Tier 3 budget left, here
	// little (the wall clock hardly moves), so one or two.
	words := bottest.Words("tutor words stream in slowly ", 4)
	fake2 := newFakeSlack(t)
	var lh *bottest.LiveAnswers
	h2 := newHarnessFake(t, fake2, func(db *store.DB) bot.Handler {
		lh = &bottest.LiveAnswers{Inner: stub(make(chan bot.Message, 64))(db), Lesson: "9-9",
			Writer: bottest.Writer{Clock: clk, Words: words, Edits: func() int { return fake2.count(update) }}}
		return lh
	}, func(o *Options) { o.Now = clk.Now })
	h2.command("U1", "start-9-9", "C1")
	h2.idle()
	th2 := h2.lessonThread("U1", "9-9")
	c2 := &stepCounter{fake: fake2}
	c2.mark()
	h2.reply("U1", th2.Channel, th2.ThreadID, "my answer", "EvLIVE1")
	h2.idle()
	got := c2.since()
	edits := len(lh.EditTimes())
	t.Logf("%-30s %s (%d of them edits as it was written)", "tutor reply, streamed", got.String(), edits)
	// The exchange message and the card after it; the previous card's
	// buttons disabled, the edits, the final text; the ✅.
	if want := (bottest.Calls{post: 2, update: 2 + edits, react: 1}); got.String() != want.String() {
		t.Errorf("a streamed reply made %s, want %s", got.String(), want.String())
	}
}

func hasControl(msgs []fakeMsg, prefix string) bool {
	_, _, ok := firstControl(msgs, prefix)
	return ok
}
