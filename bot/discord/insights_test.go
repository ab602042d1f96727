package discord_test

import (
	"bytes"
	"image/png"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/coursebot/coursebot/bot/discord"
	"github.com/coursebot/coursebot/cohorts"
	"github.com/coursebot/coursebot/course"
	"github.com/coursebot/coursebot/insight/insighttest"
	"github.com/coursebot/coursebot/lessons"
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
	c := insighttest.Build(t, e.db, discord.Platform, "discord:200000002")
	now := func() time.Time { return insighttest.Now }
	eng := lessons.NewEngine(c.Course, e.db, lessons.EngineOptions{Now: now, Log: slog.New(slog.DiscardHandler)})
	t.Cleanup(func() { _ = eng.Close() })
	ch, err := cohorts.NewHandler(eng, cohorts.Options{Store: e.db, Course: func() *course.Course { return c.Course },
		DefaultTimezone: "UTC", ShareAnswers: true, Now: now, Log: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
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
	for _, want := range append(c.Headlines(), "Not moved in 7 days", "Omar: Lesson 4.4, card 31 of 41", "fewer than 3") {
		if !strings.Contains(all.String(), want) {
			t.Errorf("the answer lacks %q:\n%s", want, all.String())
		}
	}
	files := withFile(ms)
	if len(files) != 1 || len(files[0].Attachments) != 1 {
		t.Fatalf("messages with files: %+v", files)
	}
	at := files[0].Attachments[0]
	if at.Field != "files[0]" || at.Filename != "insights-spring.png" || at.ContentType != "image/png" {
		t.Errorf("attachment %s %q %s, want files[0] insights-spring.png image/png", at.Field, at.Filename, at.ContentType)
	}
	if _, err := png.Decode(bytes.NewReader(at.Data)); err != nil {
		t.Fatalf("the attachment is not a PNG: %v", err)
	}
	for _, want := range []string{"Lesson 4.4: 27 started", "Hardest quiz questions, right at the first attempt: 2.1 Which of these does git track in a DVC project? 32% (8 of 25)"} {
		if !strings.Contains(at.Description, want) {
			t.Errorf("attachment description lacks %q: %q", want, at.Description)
		}
	}
	if dir := os.Getenv("COURSEBOT_INSIGHT_PICTURES"); dir != "" {
		if err := os.WriteFile(filepath.Join(dir, "insights-spring-discord.png"), at.Data, 0o644); err != nil {
			t.Error(err)
		}
	}
}

func contents(ms []fakeMessage) []string {
	var out []string
	for _, m := range ms {
		out = append(out, m.Content)
	}
	return out
}
