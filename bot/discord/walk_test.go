package discord_test

import (
	"context"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/coursebot/coursebot/bot"
	"github.com/coursebot/coursebot/bot/discord"
	"github.com/coursebot/coursebot/internal/walktest"
	"github.com/coursebot/coursebot/lessons"
)

// lazyHandler lets a test build its handler over the env's store.
type lazyHandler struct{ h bot.Handler }

func (l *lazyHandler) Handle(ctx context.Context, m bot.Message) ([]bot.Reply, error) {
	return l.h.Handle(ctx, m)
}

// discordLearner is walktest's learner in Discord (gateway mode): slash
// commands and presses as interactions, replies typed in the lesson's
// thread as MESSAGE_CREATE, read back from the fake's messages.
type discordLearner struct {
	t    *testing.T
	e    *env
	user string
	out  []fakeMessage // what the last action posted, oldest first
	walktest.Stored
}

// all returns every message the fake holds, in the order they were made.
func (l *discordLearner) all() []fakeMessage {
	f := l.e.f
	f.mu.Lock()
	var out []fakeMessage
	for _, ms := range f.messages {
		for _, m := range ms {
			out = append(out, *m)
		}
	}
	f.mu.Unlock()
	sort.Slice(out, func(i, j int) bool { a, _ := strconv.Atoi(out[i].ID); b, _ := strconv.Atoi(out[j].ID); return a < b })
	return out
}

func (l *discordLearner) act(f func()) {
	l.t.Helper()
	before := map[string]bool{}
	for _, m := range l.all() {
		before[m.ID] = true
	}
	f()
	l.e.settled()
	l.out = nil
	for _, m := range l.all() {
		if !before[m.ID] {
			l.out = append(l.out, m)
		}
	}
}

func (l *discordLearner) Command(name string) {
	l.act(func() { l.e.deliver(commandPayload(l.e.nextID(), l.user, name)) })
}

// live are the messages with enabled buttons, newest first: what the last
// action posted, then the thread's current card.
func (l *discordLearner) live() []fakeMessage {
	var out []fakeMessage
	for i := len(l.out) - 1; i >= 0; i-- {
		if len(enabledButtons(l.out[i])) > 0 {
			out = append(out, l.out[i])
		}
	}
	all := l.all()
	for i := len(all) - 1; i >= 0; i-- {
		if len(enabledButtons(all[i])) > 0 {
			out = append(out, all[i])
		}
	}
	return out
}

func (l *discordLearner) Buttons() []string {
	var out []string
	for _, m := range l.live() {
		for _, b := range enabledButtons(m) {
			out = append(out, b.Label)
		}
	}
	return out
}

func (l *discordLearner) Press(label string) {
	l.t.Helper()
	for _, m := range l.live() {
		for _, b := range enabledButtons(m) {
			if walktest.Matches(b.Label, label) {
				l.act(func() { l.e.deliver(componentPayload(l.e.nextID(), l.user, b.CustomID, m)) })
				return
			}
		}
	}
	l.t.Fatalf("no button %q to press: %q", label, l.Buttons())
}

// Type writes text in the lesson's thread and waits for the bot's answer
// there (a saved answer or a notice: every typed line gets one).
func (l *discordLearner) Type(text string) {
	l.t.Helper()
	th := onlyThread(l.t, l.e.f)
	l.act(func() {
		id := l.e.nextID()
		n := len(l.e.f.channelMessages(th.ID))
		l.e.f.mu.Lock()
		l.e.f.messages[th.ID] = append(l.e.f.messages[th.ID], &fakeMessage{ID: id, ChannelID: th.ID, Content: text})
		l.e.f.mu.Unlock()
		l.e.f.push("MESSAGE_CREATE", map[string]any{"id": id, "channel_id": th.ID, "guild_id": "guild1", "type": 0,
			"content": text, "author": map[string]any{"id": l.user, "username": l.user}})
		waitFor(l.t, "the bot's answer in the thread", func() bool { return len(l.e.f.channelMessages(th.ID)) > n+1 })
	})
}

func (l *discordLearner) Said() string {
	var sb strings.Builder
	for _, m := range l.out {
		sb.WriteString(m.Content + "\n")
	}
	return sb.String()
}

// TestEveryStateHasAWayOn walks every card of the built-in lesson and of
// the quiz course in Discord (see walktest.Walk).
func TestEveryStateHasAWayOn(t *testing.T) {
	t.Parallel()
	walktest.Each(t, "../..", func(t *testing.T, tc walktest.Case) (walktest.Platform, func()) {
		lz := &lazyHandler{}
		e := newEnvWith(t, discord.ModeGateway, nil, "", false, lz)
		lz.h = lessons.NewEngine(tc.Course, e.db, lessons.EngineOptions{Now: func() time.Time { return fixedNow }})
		waitFor(t, "gateway identify", func() bool { _, ids, _ := e.f.gatewayStats(); return ids == 1 })
		l := &discordLearner{t: t, e: e, user: "uwalk", Stored: walktest.Stored{T: t, DB: e.db, Key: "discord:uwalk", Lesson: tc.Lesson.ID}}
		return l, func() {
			for _, m := range e.f.channelMessages(onlyThread(t, e.f).ID) {
				checkLimits(t, m)
			}
		}
	})
}
