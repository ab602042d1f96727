package cohorts

import (
	"context"
	"testing"

	"github.com/coursebot/coursebot/bot"
)

// TestRemindersListShowsTheTextAsTyped: a reminder typed in Slack is
// listed in Slack's own markup, untouched ("<#C0GEN|general> at *10*",
// not "&lt;#C0GEN|general&gt; at _10_"); one typed elsewhere stays
// Markdown.
func TestRemindersListShowsTheTextAsTyped(t *testing.T) {
	t.Parallel()
	f := newFixture(t, false)
	typed := "<#C0GEN|general> at *10*"
	f.must(t, slackAdmin, "cohort", "remind alpha every tuesday 09:00 | "+typed)
	rs, err := f.h.Handle(context.Background(), bot.Message{Learner: slackAdmin, Kind: bot.KindCommand, Command: "cohort", Args: "reminders alpha"})
	if err != nil || len(rs) != 1 {
		t.Fatalf("reminders: %v, %+v", err, rs)
	}
	var slackText, other *bot.Block
	for i, b := range rs[0].Blocks {
		switch b.Text {
		case "> " + typed:
			slackText = &rs[0].Blocks[i]
		case "> Standup at 10":
			other = &rs[0].Blocks[i]
		}
	}
	if slackText == nil || slackText.Dialect != bot.DialectSlack {
		t.Errorf("the Slack-typed reminder is not listed as typed, in Slack's markup: %+v", rs[0].Blocks)
	}
	if other == nil || other.Dialect != "" {
		t.Errorf("the reminder typed elsewhere is not listed as Markdown: %+v", rs[0].Blocks)
	}
}
