package scheduler

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/coursebot/coursebot"

	"github.com/coursebot/coursebot/bot"
	"github.com/coursebot/coursebot/bot/markup"
	"github.com/coursebot/coursebot/course"
)

// TestNudgeEscapesChecklistItems: a checklist item is plain text; in the
// nudge DM's Markdown it must come out as written on both platforms, not
// "project/src/*init*.py" (Slack) or "**init**" (Discord).
func TestNudgeEscapesChecklistItems(t *testing.T) {
	t.Parallel()
	src := filepath.Join("..", "course", "testdata", "course2")
	dir := t.TempDir()
	if err := os.CopyFS(dir, os.DirFS(src)); err != nil {
		t.Fatal(err)
	}
	script := filepath.Join(dir, "commands", "start-1-2.md")
	b, err := os.ReadFile(script)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(script, []byte(strings.Replace(string(b), "- [ ] Wipe the board", "- [ ] Create `project/src/__init__.py`", 1)), 0o644); err != nil {
		t.Fatal(err)
	}
	loaded, err := course.LoadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	p := coursebot.Progress{Lesson: "1-2", Card: loaded.Lessons["1-2"].Cards[1].Key}
	rs := NudgeReplies(loaded, p, NudgeOptions{Lesson: "1-2", After: 48 * time.Hour})
	md := rs[0].Blocks[0].Text
	if got := markup.ToSlack(md); !strings.Contains(got, "• Create project/src/__init__.py\n") {
		t.Errorf("Slack rendering:\n%s", got)
	}
	if got := markup.ToDiscord(md); !strings.Contains(got, `- Create project/src/\_\_init\_\_.py`+"\n") {
		t.Errorf("Discord rendering:\n%s", got)
	}
}

// TestSlackReminderTextPostedAsTyped: a reminder a lead typed in Slack is
// Slack mrkdwn already; it is marked so the Slack adapter posts it as
// typed. One typed on Discord stays CommonMark.
func TestSlackReminderTextPostedAsTyped(t *testing.T) {
	t.Parallel()
	s := &Scheduler{}
	for by, want := range map[string]string{"slack:ULEAD": bot.DialectSlack, "discord:42": ""} {
		rs, err := s.reminderReplies(context.Background(), coursebot.Schedule{Cohort: "c1", CreatedBy: by, Text: "Standup at *10* <https://example.com|the board>"}, coursebot.Run{})
		if err != nil {
			t.Fatal(err)
		}
		if b := rs[0].Blocks[0]; b.Dialect != want || b.Text != "Standup at *10* <https://example.com|the board>" {
			t.Errorf("reminder by %s: block %+v", by, b)
		}
	}
}
