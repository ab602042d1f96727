package slack

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/coursebot/coursebot/bot"
)

func stub(got chan bot.Message) func(storeDB) bot.Handler {
	return func(storeDB) bot.Handler { return fakeHandler(got) }
}

// posted returns the messages the fake holds in channel.
func posted(f *fakeSlack, channel string) []fakeMsg {
	_, msgs, _ := f.snapshot()
	var out []fakeMsg
	for _, m := range msgs {
		if m.Channel == channel {
			out = append(out, m)
		}
	}
	return out
}

// A start of the stub lesson is one post: its card, with its buttons,
// opens the lesson's thread.
func TestRateLimitedThenOK(t *testing.T) {
	t.Parallel()
	h := newHarness(t, stub(make(chan bot.Message, 16)), nil)
	h.fake.fail("chat.postMessage", fault{status: 429, retryAfter: "1"})
	h.command("U1", "start-9-9", "C1")
	h.idle()
	if n := h.fake.count("chat.postMessage"); n != 2 {
		t.Errorf("%d postMessage calls, want 1 post + 1 rate-limited", n)
	}
	if msgs := posted(h.fake, "D1"); len(msgs) != 1 {
		t.Errorf("%d messages in the DM, want 1 (the card that opens the thread)", len(msgs))
	}
	if !strings.Contains(h.logs.String(), "retry") {
		t.Error("rate limit not logged")
	}
}

func TestServerErrorsRetriedNeverDoubled(t *testing.T) {
	t.Parallel()
	h := newHarness(t, stub(make(chan bot.Message, 16)), nil)
	// The card that opens the thread: one post fails with 500 (not made),
	// the next is made but answered with 500.
	h.fake.fail("chat.postMessage", fault{status: 500}, fault{status: 502, applied: true})
	h.command("U1", "start-9-9", "C1")
	h.idle()
	msgs := posted(h.fake, "D1")
	if len(msgs) != 1 {
		for _, m := range msgs {
			t.Logf("%s %q", m.TS, m.Text)
		}
		t.Fatalf("%d messages in the DM, want exactly 1 (no loss, no double)", len(msgs))
	}
	if h.fake.count("conversations.history") == 0 {
		t.Error("an ambiguous failure of a top-level post was retried without checking the DM first")
	}
	th := h.lessonThread("U1", "9-9")
	if th.ThreadID != msgs[0].TS || th.LastMessage != msgs[0].TS {
		t.Errorf("thread %s with buttons in %q, want both %q", th.ThreadID, th.LastMessage, msgs[0].TS)
	}
	// In the thread: the card answering a reply is made but answered 500.
	h.fake.fail("chat.postMessage", fault{status: 500, applied: true})
	if code := h.reply("U1", th.Channel, th.ThreadID, "an answer", "EvDOUBLE"); code != 200 {
		t.Fatalf("event: %d", code)
	}
	h.idle()
	if got := h.fake.thread(th.Channel, th.ThreadID); len(got) != 2 {
		t.Fatalf("%d messages in the thread, want 2 (no double)", len(got))
	}
	if h.fake.count("conversations.replies") == 0 {
		t.Error("an ambiguous failure in a thread was retried without checking the thread first")
	}
}

func TestPersistentFailureTellsLearner(t *testing.T) {
	t.Parallel()
	h := newHarness(t, stub(make(chan bot.Message, 16)), func(o *Options) { o.Attempts = 3 })
	h.fake.fail("chat.postMessage", fault{status: 500}, fault{status: 500}, fault{status: 500})
	_, body := h.command("U1", "start-9-9", "C1")
	h.idle()
	_, _, responses := h.fake.snapshot()
	// "Starting Lesson 9.9 …" at once, then the failure.
	if !strings.Contains(body, "Starting Lesson 9.9") || len(responses) != 1 ||
		!strings.Contains(responses[0]["text"].(string), "could not post the lesson") {
		t.Fatalf("learner was told %q, then %v", body, responses)
	}
	if !strings.Contains(h.logs.String(), "chat.postMessage") {
		t.Error("operator log lacks the failing call")
	}
	if strings.Contains(h.logs.String(), testBotToken) {
		t.Error("bot token in the log")
	}
}

// TestHandlerErrorIsOneSentence: the start was answered "Starting …" at
// once; the engine's failure replaces that answer with one sentence.
func TestHandlerErrorIsOneSentence(t *testing.T) {
	t.Parallel()
	h := newHarness(t, func(storeDB) bot.Handler {
		return &stubHandler{got: make(chan bot.Message, 4), err: errors.New("store: disk on fire " + testBotToken)}
	}, nil)
	_, body := h.command("U1", "start-9-9", "C1")
	h.idle()
	_, _, responses := h.fake.snapshot()
	if !strings.Contains(body, "Starting Lesson 9.9") || len(responses) != 1 || responses[0]["text"] != sorryInternal || responses[0]["replace_original"] != true {
		t.Fatalf("learner was told %q, then %v; want the sentence in place of the first answer", body, responses)
	}
	logs := h.logs.String()
	if !strings.Contains(logs, "disk on fire") || strings.Contains(logs, testBotToken) {
		t.Errorf("log should have the detail without the token:\n%s", logs)
	}
}

// TestSlowAPIAckFirst: with the Web API not answering, every request is
// still answered before any work reaches Slack, and the work completes
// once the API answers.
func TestSlowAPIAckFirst(t *testing.T) {
	t.Parallel()
	h := newHarness(t, stub(make(chan bot.Message, 16)), func(o *Options) { o.CallTimeout = time.Minute })
	slow := make(chan struct{})
	h.fake.fail("chat.postMessage", fault{hold: slow})
	code, body := h.command("U1", "start-9-9", "C1")
	close(slow)
	if code != 200 || !strings.Contains(body, "Starting Lesson 9.9") {
		t.Fatalf("ack %d %q, want 200 with where the lesson opens", code, body)
	}
	if n := len(posted(h.fake, "D1")); n != 0 {
		t.Fatalf("ack came after %d posts: it waited for the slow API", n)
	}
	h.idle()
	if msgs := posted(h.fake, "D1"); len(msgs) != 1 {
		t.Fatalf("%d messages after the slow API, want 1", len(msgs))
	}
}

// TestSlowHandlerStatusFallsBackToResponseURL: a status answer that is not
// ready within FastAnswer goes to response_url; the request returns empty.
func TestSlowHandlerStatusFallsBackToResponseURL(t *testing.T) {
	t.Parallel()
	slow := make(chan struct{})
	h := newHarness(t, func(storeDB) bot.Handler {
		return &stubHandler{got: make(chan bot.Message, 4), hold: slow}
	}, func(o *Options) { o.FastAnswer = 50 * time.Millisecond })
	code, body := h.command("U1", "status", "C1")
	close(slow) // the answer is ready only after the request was answered
	if code != 200 || body != "" {
		t.Fatalf("ack %d %q, want an empty 200", code, body)
	}
	h.idle()
	_, _, responses := h.fake.snapshot()
	if len(responses) != 1 || responses[0]["response_type"] != "ephemeral" || !strings.Contains(responses[0]["text"].(string), "Your progress") {
		t.Fatalf("response_url got %v", responses)
	}
}

func TestDuplicateDeliveriesDropped(t *testing.T) {
	t.Parallel()
	got := make(chan bot.Message, 32)
	h := newHarness(t, stub(got), nil)
	h.command("U1", "start-9-9", "C1")
	h.idle()
	th := h.lessonThread("U1", "9-9")
	drain(got)
	// Slack retries an event up to 3 times with the same event_id.
	for range 4 {
		if code := h.reply("U1", th.Channel, th.ThreadID, "an answer", "EvDUP1"); code != 200 {
			t.Fatalf("event: %d", code)
		}
	}
	h.idle()
	// A double-click on the same button.
	_, ctrl := currentCard(t, h.fake.thread(th.Channel, th.ThreadID))
	next := navButton(ctrl, "Next")
	h.press("U1", ctrl, next)
	h.press("U1", ctrl, next)
	h.idle()
	var texts, actions int
	for _, m := range drain(got) {
		switch m.Kind {
		case bot.KindText:
			texts++
			if m.Lesson != "9-9" || m.Text != "an answer" {
				t.Errorf("text message %+v", m)
			}
		case bot.KindAction:
			actions++
		}
	}
	if texts != 1 || actions != 1 {
		t.Fatalf("handler got %d answers and %d actions, want 1 and 1", texts, actions)
	}
	if n := h.fake.count("reactions.add"); n != 1 {
		t.Errorf("%d reactions, want 1", n)
	}
	// Bot messages, edits and messages outside lesson threads are ignored.
	h.reply("U1", th.Channel, "", "not in a thread", "EvTOP")
	h.reply("U2", th.Channel, th.ThreadID, "someone else", "EvOTHER")
	h.idle()
	if ms := drain(got); len(ms) != 0 {
		t.Errorf("ignored messages reached the handler: %+v", ms)
	}
}

// TestRestartMidLesson: the process stops after two cards and a new one on
// the same store file carries on in the same thread; a retry of an event
// handled before the restart is still dropped.
func TestRestartMidLesson(t *testing.T) {
	t.Parallel()
	h := newHarness(t, nil, nil)
	h.command("U1", "start-4-4", "C1")
	h.idle()
	th := h.lessonThread("U1", "4-4")
	for range 2 {
		_, ctrl := currentCard(t, h.fake.thread(th.Channel, th.ThreadID))
		next := navButton(ctrl, "Next")
		if next == "" {
			t.Fatal("no Next")
		}
		h.press("U1", ctrl, next)
		h.idle()
	}
	before, _ := h.db.Progress(context.Background(), "slack:U1", "4-4")
	h.reply("U1", th.Channel, th.ThreadID, "pre-restart text", "EvRESTART")
	h.idle()

	h.restart(nil)

	if got := h.lessonThread("U1", "4-4"); got.ThreadID != th.ThreadID || got.LastMessage == "" {
		t.Fatalf("thread after restart %+v, want %+v with its controls", got, th)
	}
	calls := h.fake.count("chat.postMessage")
	h.reply("U1", th.Channel, th.ThreadID, "pre-restart text", "EvRESTART") // Slack's retry
	h.idle()
	if n := h.fake.count("chat.postMessage"); n != calls {
		t.Errorf("a retried event was handled again after restart (%d new posts)", n-calls)
	}
	_, ctrl := currentCard(t, h.fake.thread(th.Channel, th.ThreadID))
	btn := navButton(ctrl, "Next", "Skip question")
	h.press("U1", ctrl, btn)
	h.idle()
	after, _ := h.db.Progress(context.Background(), "slack:U1", "4-4")
	if after.CardIndex <= before.CardIndex {
		t.Fatalf("no progress after restart: card %d, was %d", after.CardIndex, before.CardIndex)
	}
	thread := h.fake.thread(th.Channel, th.ThreadID)
	if thread[len(thread)-1].ThreadTS != th.ThreadID {
		t.Error("post-restart card not in the lesson thread")
	}
	live := 0
	for _, m := range thread {
		if hasActionPrefix(m, actNav) {
			live++
		}
	}
	if live != 1 {
		t.Errorf("%d live controls messages after restart, want 1", live)
	}
}

// TestFailedPressKeepsButtons: when a press fails on our side the learner
// is told and the buttons stay, so they can press again.
func TestFailedPressKeepsButtons(t *testing.T) {
	t.Parallel()
	h := newHarness(t, func(storeDB) bot.Handler {
		return &stubHandler{got: make(chan bot.Message, 8), actionErr: errors.New("engine hiccup")}
	}, nil)
	h.command("U1", "start-9-9", "C1")
	h.idle()
	th := h.lessonThread("U1", "9-9")
	_, ctrl := currentCard(t, h.fake.thread(th.Channel, th.ThreadID))
	h.press("U1", ctrl, navButton(ctrl, "Skip question"))
	h.idle()
	_, after := currentCard(t, h.fake.thread(th.Channel, th.ThreadID))
	if after.TS != ctrl.TS || after.Updates != 0 {
		t.Fatalf("buttons were replaced after a failed press")
	}
	_, _, responses := h.fake.snapshot()
	if len(responses) == 0 || responses[len(responses)-1]["text"] != sorryInternal {
		t.Fatalf("learner was told %v", responses)
	}
}

// TestRequestsAfterShutdownGetTheRestartingAnswer: once the adapter's
// pipeline is closed (Run returned) while its routes still take requests,
// a slash command is told the bot is restarting, a modal stays open with
// that sentence, an event gets 503 (Slack delivers it again later), and
// nothing is stored for a pipeline that will not run it.
func TestRequestsAfterShutdownGetTheRestartingAnswer(t *testing.T) {
	t.Parallel()
	got := make(chan bot.Message, 16)
	h := newHarness(t, stub(got), nil)
	h.cancel()
	if err := <-h.done; err != nil {
		t.Fatalf("Run: %v", err)
	}
	h.done <- nil // for the cleanup's stop
	code, body := h.command("U1", "status", "C1")
	if code != 200 || !strings.Contains(body, sorryRestart) {
		t.Errorf("a command after shutdown: HTTP %d %s, want the restarting answer", code, body)
	}
	sub := map[string]any{"type": "view_submission", "user": map[string]any{"id": "U1"},
		"view": map[string]any{"id": "V1", "hash": "h1", "private_metadata": `{"l":"9-9","q":"q1"}`,
			"state": map[string]any{"values": map[string]any{answerBlock: map[string]any{answerAction: map[string]any{"type": "plain_text_input", "value": "kept"}}}}}}
	b, _ := json.Marshal(sub)
	if code, body := h.send("/slack/interactions", formType, "payload="+urlQuery(string(b))); code != 200 || !strings.Contains(body, sorryRestart) {
		t.Errorf("an answer after shutdown: HTTP %d %s, want the modal kept open with the restarting answer", code, body)
	}
	if code := h.reply("U1", "D1", "1750000000.000001", "an answer", "Ev1"); code != 503 {
		t.Errorf("an event after shutdown: HTTP %d, want 503", code)
	}
	if items, err := h.db.InboxItems(context.Background()); err != nil || len(items) != 0 {
		t.Errorf("inbox after refused requests: %d items, %v; want none", len(items), err)
	}
	if len(drain(got)) != 0 {
		t.Error("the handler got a request the pipeline refused")
	}
}
