package discord_test

import (
	"context"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coursebot/coursebot"
	"github.com/coursebot/coursebot/bot"
	"github.com/coursebot/coursebot/bot/discord"
	"github.com/coursebot/coursebot/cohorts"
	"github.com/coursebot/coursebot/course"
	"github.com/coursebot/coursebot/lessons"
)

// lateHandler is a bot.Handler set after the env (and its store) exist.
type lateHandler struct {
	mu sync.Mutex
	h  bot.Handler
}

func (l *lateHandler) Handle(ctx context.Context, m bot.Message) ([]bot.Reply, error) {
	l.mu.Lock()
	h := l.h
	l.mu.Unlock()
	return h.Handle(ctx, m)
}

// TestCohortInvitationOverDiscord: a lead's invitation reaches the learner
// as a DM from the bot with Accept and Decline buttons; the learner's
// press (a signed interaction) makes them a member, and the lead's
// members list shows them only then. Someone else pressing the same
// button accepts nothing.
func TestCohortInvitationOverDiscord(t *testing.T) {
	t.Parallel()
	f := newFakeDiscord(t)
	late := &lateHandler{}
	e := newEnvWith(t, discord.ModeHTTP, f, "", false, late)
	loaded, err := course.LoadBuiltin()
	if err != nil {
		t.Fatal(err)
	}
	now := func() time.Time { return fixedNow }
	eng := lessons.NewEngine(loaded, e.db, lessons.EngineOptions{Now: now, Log: slog.New(slog.DiscardHandler)})
	ch, err := cohorts.NewHandler(eng, cohorts.Options{Store: e.db, Course: func() *course.Course { return loaded },
		Admins: []string{"discord:100000001"}, DefaultTimezone: "UTC", Now: now, Log: slog.New(slog.DiscardHandler),
		DMs: map[string]bot.Sender{discord.Platform: e.a}, Channels: map[string]cohorts.ChannelAccess{discord.Platform: e.a}})
	if err != nil {
		t.Fatal(err)
	}
	late.mu.Lock()
	late.h = ch
	late.mu.Unlock()
	ctx := context.Background()
	say := func(user, args string) string {
		t.Helper()
		rs, err := ch.Handle(ctx, bot.Message{Learner: coursebot.Learner{Platform: discord.Platform, UserID: user}, Kind: bot.KindCommand, Command: "cohort", Args: args})
		if err != nil {
			t.Fatal(err)
		}
		var b strings.Builder
		for _, r := range rs {
			for _, bl := range r.Blocks {
				b.WriteString(bl.Text)
			}
		}
		return b.String()
	}
	say("100000001", "create spring")
	say("100000001", "lead spring <@200000002>")
	if out := say("200000002", "join spring <@!300000003>"); !strings.Contains(out, "direct message") {
		t.Fatalf("invite: %s", out)
	}
	var inv fakeMessage
	waitFor(t, "the invitation DM", func() bool {
		for _, m := range f.channelMessages("dm-300000003") {
			if strings.Contains(m.Content, "Invitation to cohort spring") {
				inv = m
				return true
			}
		}
		return false
	})
	if !strings.Contains(inv.Content, "see your progress") {
		t.Errorf("the invitation does not say what the lead sees:\n%s", inv.Content)
	}
	accept := ""
	for _, b := range buttonsOf(inv) {
		if b.Label == "Accept" {
			accept = b.CustomID
		}
	}
	if accept == "" {
		t.Fatalf("no Accept button: %+v", buttonsOf(inv))
	}
	if out := say("200000002", "members spring"); strings.Contains(out, "300000003") {
		t.Errorf("the lead sees the invitee before they accepted:\n%s", out)
	}
	e.deliver(componentPayload(e.nextID(), "400000004", accept, inv)) // someone else
	e.deliver(componentPayload(e.nextID(), "300000003", accept, inv))
	waitFor(t, "the membership", func() bool {
		cs, _ := e.db.LearnerCohorts(ctx, "discord:300000003")
		return len(cs) == 1
	})
	if cs, _ := e.db.LearnerCohorts(ctx, "discord:400000004"); len(cs) != 0 {
		t.Errorf("someone else's press made them a member of %v", cs)
	}
	if out := say("200000002", "members spring"); !strings.Contains(out, "discord:300000003") {
		t.Errorf("after Accept the lead does not see the member:\n%s", out)
	}
}
