package scheduler

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/coursebot/coursebot"
	"github.com/coursebot/coursebot/bot"
	"github.com/coursebot/coursebot/bot/markup"
	"github.com/coursebot/coursebot/course"
	"github.com/coursebot/coursebot/lessons"
)

// VerbNudges is the action verb of the "Stop these reminders" button
// (Value "off" or "on"); the cohorts handler answers it.
const VerbNudges = "nudges"

// ReminderText is a reminder's text as its lead typed it: text typed in
// Slack is Slack mrkdwn already ("<#C0GEN|general> at *10*") and is posted
// as typed; anything else is Markdown.
func ReminderText(sch coursebot.Schedule) bot.Block {
	b := bot.Block{Kind: bot.BlockMarkdown, Text: sch.Text}
	if strings.HasPrefix(sch.CreatedBy, bot.DialectSlack+":") {
		b.Dialect = bot.DialectSlack
	}
	return b
}

func (s *Scheduler) reminderReplies(ctx context.Context, sch coursebot.Schedule, run coursebot.Run) ([]bot.Reply, error) {
	blocks := []bot.Block{ReminderText(sch)}
	if sch.Digest && s.o.Digest != nil {
		d, err := s.o.Digest(ctx, sch.Cohort, run.At)
		if err != nil {
			return nil, fmt.Errorf("digest for %s: %w", sch.Cohort, err)
		}
		if d != "" {
			blocks = append(blocks, bot.Block{Kind: bot.BlockMarkdown, Text: d})
		}
	}
	return []bot.Reply{{Title: "Reminder from cohort " + sch.Cohort, Blocks: blocks}}, nil
}

// nudgeReplies is the DM a stalled learner gets: where they stopped, what
// is left of the checklist, Resume and Snooze.
func (s *Scheduler) nudgeReplies(ctx context.Context, learner string) ([]bot.Reply, error) {
	n := s.o.Nudges
	p, err := s.o.Store.Progress(ctx, learner, n.Lesson)
	if err != nil {
		return nil, err
	}
	return NudgeReplies(s.o.Course(), p, n), nil
}

// NudgeReplies renders a nudge for a learner with progress p.
func NudgeReplies(loaded *course.Course, p coursebot.Progress, n NudgeOptions) []bot.Reply {
	dotted := strings.Replace(n.Lesson, "-", ".", 1)
	title := "Lesson " + dotted
	var b strings.Builder
	if les, ok := loaded.Lessons[n.Lesson]; ok {
		title = les.Title
		sum := lessons.Summarize(les, p)
		fmt.Fprintf(&b, "You stopped Lesson %s on card %d of %d, *%s*. Pick it up where you left off whenever you are ready.\n",
			dotted, sum.Card, sum.Cards, markup.EscapeMarkdown(sum.CardTitle))
		if sum.Items > 0 {
			fmt.Fprintf(&b, "\nChecklist: %d of %d ticked.", sum.Checked, sum.Items)
			if len(sum.Open) > 0 {
				b.WriteString(" Still to do:\n")
				for i, it := range sum.Open {
					if i == 8 {
						fmt.Fprintf(&b, "- and %d more\n", len(sum.Open)-8)
						break
					}
					fmt.Fprintf(&b, "- %s\n", markup.EscapeMarkdown(it.Text))
				}
			}
		}
	} else {
		fmt.Fprintf(&b, "You have not finished Lesson %s yet.", dotted)
	}
	hours := max(1, int(n.After.Hours()))
	return []bot.Reply{{
		Title:  "Still there? " + title,
		Blocks: []bot.Block{{Kind: bot.BlockMarkdown, Text: strings.TrimSpace(b.String())}},
		Buttons: []bot.Button{
			{Label: "Resume", Action: bot.Action{Verb: bot.VerbOpen, Lesson: n.Lesson}.Encode(), Style: bot.StylePrimary},
			{Label: fmt.Sprintf("Snooze %s", snoozeLabel(hours)), Action: bot.Action{Verb: bot.VerbSnooze, Lesson: n.Lesson, Value: strconv.Itoa(hours)}.Encode()},
			{Label: "Stop these reminders", Action: bot.Action{Verb: VerbNudges, Value: "off"}.Encode()},
		},
	}}
}

func snoozeLabel(hours int) string {
	if hours%24 == 0 {
		if hours == 24 {
			return "1 day"
		}
		return fmt.Sprintf("%d days", hours/24)
	}
	return fmt.Sprintf("%dh", hours)
}
