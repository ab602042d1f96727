package discord_test

import (
	"strings"
	"testing"

	"github.com/coursebot/coursebot/bot/discord"
	"github.com/coursebot/coursebot/insight/insighttest"
)

// TestCohortInsightsOverDiscord: the lead of the simulated cohort of 30
// sends /cohort insights spring as a signed interaction. The ephemeral
// follow-ups carry the figures the plans make; the picture is attached
// as files[0], a PNG whose attachment description is its alt text. With
// $COURSEBOT_INSIGHT_PICTURES set, the PNG Discord got is kept there.
func TestCohortInsightsOverDiscord(t *testing.T) {
	t.Parallel()
	late := &lateHandler{}
	e := newEnvWith(t, discord.ModeHTTP, nil, "", false, late, func(o *discord.Options) {
		o.Commands = append(o.Commands, discord.Command{Name: "cohort", Description: "Cohorts", Usage: "[args]"})
	})
	c, ch := insighttest.Lead(t, e.db, discord.Platform, "discord:200000002")
	late.mu.Lock()
	late.h = ch
	late.mu.Unlock()
	id := e.nextID()
	if typ := e.deliver(commandPayload(id, "200000002", "cohort", map[string]any{"name": "args", "type": 3, "value": "insights spring"})); typ != 5 {
		t.Fatalf("response type %d, want 5 (deferred)", typ)
	}
	var ms []fakeMessage
	waitFor(t, "the picture's follow-up", func() bool { ms = e.f.channelMessages("followups:itok-" + id); return len(withFile(ms)) > 0 })
	// The answer's first message is the deferred response's original;
	// the rest are follow-ups.
	var all strings.Builder
	all.WriteString(strings.Join(contents(e.f.channelMessages("original:itok-"+id)), "\n") + "\n")
	for _, m := range ms {
		all.WriteString(m.Content + "\n")
		if m.Flags&64 == 0 {
			t.Errorf("follow-up not ephemeral: %q", m.Content)
		}
	}
	c.CheckAnswer(t, all.String(), nil)
	files := withFile(ms)
	if len(files) != 1 || len(files[0].Attachments) != 1 {
		t.Fatalf("messages with files: %+v", files)
	}
	at := files[0].Attachments[0]
	if at.Field != "files[0]" || at.Filename != "insights-spring.png" || at.ContentType != "image/png" {
		t.Errorf("attachment %s %q %s, want files[0] insights-spring.png image/png", at.Field, at.Filename, at.ContentType)
	}
	insighttest.CheckPicture(t, at.Data, at.Description, "insights-spring-discord.png")
}

func contents(ms []fakeMessage) []string {
	var out []string
	for _, m := range ms {
		out = append(out, m.Content)
	}
	return out
}
