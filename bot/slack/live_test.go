package slack

import (
	"context"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/coursebot/coursebot/bot"
	"github.com/coursebot/coursebot/bot/bottest"
	"github.com/coursebot/coursebot/store"
)

// liveHandler answers text with a live reply whose Run writes words 300 ms
// apart (on the fake clock) and notes when each edit reached Slack.
type liveHandler struct {
	bottest.Writer
	inner bot.Handler
}

func (l *liveHandler) Handle(ctx context.Context, m bot.Message) ([]bot.Reply, error) {
	if m.Kind != bot.KindText {
		return l.inner.Handle(ctx, m)
	}
	ph := bot.Reply{Lesson: "9-9", Card: "c1",
		Blocks:  []bot.Block{{Kind: bot.BlockMarkdown, Text: "Saved your answer."}, {Kind: bot.BlockMarkdown, Text: bot.Placeholder}},
		Buttons: []bot.Button{{Label: "Next", Action: bot.Action{Verb: bot.VerbNext, Lesson: "9-9", At: "c1"}.Encode()}}}
	ph.Live = &bot.Live{Block: 1, Run: func(ctx context.Context, update func(string)) bot.Reply {
		return ph.WithText(1, l.Write(update))
	}}
	return []bot.Reply{ph}, nil
}

func TestLiveReplyIsEditedInPlaceWithinTheRateLimit(t *testing.T) {
	fake := newFakeSlack(t)
	clk := bottest.NewClock(time.Unix(1_750_000_000, 0))
	words := strings.Fields(strings.Repeat("tutor words stream in slowly ", 10))
	for i := range words {
		words[i] += " "
	}
	words = append(words, strings.Repeat("long ", 300)) // the finished text is long: within limits
	var lh *liveHandler
	h := newHarnessFake(t, fake, func(db *store.DB) bot.Handler {
		lh = &liveHandler{inner: stub(make(chan bot.Message, 64))(db),
			Writer: bottest.Writer{Clock: clk, Words: words, Edits: func() int { return fake.count("chat.update") }}}
		return lh
	}, func(o *Options) { o.Now = clk.Now })
	h.command("U1", "start-9-9", "C1")
	h.idle()
	th := h.lessonThread("U1", "9-9")
	if code := h.reply("U1", th.Channel, th.ThreadID, "my answer", "EvLIVE1"); code != 200 {
		t.Fatalf("event: %d", code)
	}
	h.idle()

	lh.CheckPace(t, LiveEditInterval)
	thread := fake.thread(th.Channel, th.ThreadID)
	var live *fakeMsg
	for i := range thread {
		if thread[i].Updates > 0 && strings.Contains(thread[i].Text, "tutor words") {
			live = &thread[i]
		}
	}
	if live == nil {
		t.Fatalf("no live message edited in the thread: %+v", thread)
	}
	if want := len(lh.EditTimes()) + 1; live.Updates != want {
		t.Errorf("live message edited %d times, want %d (throttled edits + the final one)", live.Updates, want)
	}
	final := strings.Join(words, "")
	if !strings.Contains(sectionTexts(*live), strings.TrimSpace(final[:40])) || !strings.Contains(sectionTexts(*live), "long long") {
		t.Errorf("live message does not hold the finished text: %q", sectionTexts(*live))
	}
	for _, b := range live.Blocks {
		if txt, _ := b["text"].(map[string]any); txt != nil {
			if s, _ := txt["text"].(string); utf8.RuneCountInString(s) > maxSectionText {
				t.Errorf("section of %d characters", utf8.RuneCountInString(s))
			}
		}
	}
	// The controls come after the live message, and are the learner's.
	_, ctrl := currentCard(t, fake.thread(th.Channel, th.ThreadID))
	if navButton(ctrl, "Next") == "" || ctrl.TS <= live.TS {
		t.Errorf("controls %+v after live %s", ctrl, live.TS)
	}
}

func sectionTexts(m fakeMsg) string {
	var sb strings.Builder
	for _, b := range m.Blocks {
		if txt, _ := b["text"].(map[string]any); txt != nil {
			s, _ := txt["text"].(string)
			sb.WriteString(s)
		}
	}
	return sb.String()
}
