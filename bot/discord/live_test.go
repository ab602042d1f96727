package discord_test

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coursebot/coursebot/bot"
	"github.com/coursebot/coursebot/bot/discord"
)

// liveClock is the adapter's clock: the tutor's Run moves it.
type liveClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *liveClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *liveClock) advance(d time.Duration) time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
	return c.now
}

// liveHandler answers typed text with a live reply that writes words 300
// ms apart and records when each edit reached Discord.
type liveHandler struct {
	inner  bot.Handler
	clk    *liveClock
	edits  func() int
	words  []string
	mu     sync.Mutex
	at     []time.Time
	finish chan struct{}
}

func (l *liveHandler) Handle(ctx context.Context, m bot.Message) ([]bot.Reply, error) {
	if m.Kind != bot.KindText {
		return l.inner.Handle(ctx, m)
	}
	ph := bot.Reply{Lesson: "4-4", Card: "c-live",
		Blocks:  []bot.Block{{Kind: bot.BlockMarkdown, Text: "Saved your answer."}, {Kind: bot.BlockMarkdown, Text: bot.Placeholder}},
		Buttons: []bot.Button{{Label: "Next", Action: bot.Action{Verb: bot.VerbNext, Lesson: "4-4", At: "c-live"}.Encode()}}}
	ph.Live = &bot.Live{Block: 1, Run: func(ctx context.Context, update func(string)) bot.Reply {
		defer close(l.finish)
		var sb strings.Builder
		for _, w := range l.words {
			at := l.clk.advance(300 * time.Millisecond)
			sb.WriteString(w)
			before := l.edits()
			update(sb.String())
			if l.edits() > before {
				l.mu.Lock()
				l.at = append(l.at, at)
				l.mu.Unlock()
			}
		}
		return ph.WithText(1, sb.String())
	}}
	return []bot.Reply{ph}, nil
}

func TestGatewayLiveReplyIsEditedWithinLimits(t *testing.T) {
	f := newFakeDiscord(t)
	clk := &liveClock{now: time.Unix(1_750_000_000, 0)}
	words := strings.Fields(strings.Repeat("the tutor writes this reply ", 8))
	for i := range words {
		words[i] += " "
	}
	words = append(words, strings.Repeat("long ", 500)) // past 2000 characters in all
	lh := &liveHandler{clk: clk, words: words, finish: make(chan struct{})}
	var e *env
	lh.edits = func() int { return len(e.f.callsMatching("PATCH", "/channels/")) }
	e = newEnvWith(t, discord.ModeGateway, f, "", true, nil, func(o *discord.Options) {
		lh.inner = o.Handler
		o.Handler = lh
		o.Now = clk.Now
	})
	waitFor(t, "gateway identify", func() bool { _, ids, _ := e.f.gatewayStats(); return ids == 1 })
	e.deliver(commandPayload(e.nextID(), "u2", "start-4-4"))
	th := onlyThread(t, e.f)
	// A message in the thread is the learner's answer once the thread's
	// record is there (it is put just after the learner is added).
	waitFor(t, "the thread's record", func() bool {
		_, ok, err := e.db.ThreadAt(context.Background(), discord.Platform, th.ID, th.ID)
		return err == nil && ok
	})
	id := e.nextID()
	e.f.push("MESSAGE_CREATE", map[string]any{"id": id, "channel_id": th.ID, "guild_id": "guild1", "type": 0,
		"content": "my answer", "author": map[string]any{"id": "u2", "username": "u2"}})
	waitFor(t, "the live reply's run to finish", func() bool {
		select {
		case <-lh.finish:
			return true
		default:
			return false
		}
	})
	waitFor(t, "the live reply's buttons after it", func() bool {
		msgs := e.f.channelMessages(th.ID)
		if len(msgs) == 0 {
			return false
		}
		for _, b := range buttonsOf(msgs[len(msgs)-1]) {
			if b.Label == "Next" {
				return true
			}
		}
		return false
	})
	lh.mu.Lock()
	at := append([]time.Time(nil), lh.at...)
	lh.mu.Unlock()
	if len(at) < 2 {
		t.Fatalf("edits while streaming at %v, want several", at)
	}
	for i := 1; i < len(at); i++ {
		if gap := at[i].Sub(at[i-1]); gap < discord.LiveEditInterval {
			t.Errorf("edits %d and %d only %v apart", i-1, i, gap)
		}
	}
	var live *fakeMessage
	for _, m := range e.f.channelMessages(th.ID) {
		checkLimits(t, m)
		if strings.Contains(m.Content, "the tutor writes") {
			m := m
			live = &m
		}
	}
	if live == nil {
		t.Fatal("no live message in the thread")
	}
	if !strings.Contains(live.Content, "long long") {
		t.Errorf("the live message does not end with the finished text: %q", live.Content[max(0, len(live.Content)-80):])
	}
}
