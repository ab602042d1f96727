package cohorts

import (
	"context"
	"strings"
	"testing"

	"github.com/coursebot/coursebot"
	"github.com/coursebot/coursebot/bot"
)

// TestAnswersArePagedPerQuestion: /cohort answers shows one question's
// answers at a time, with buttons to the previous and next question; a
// number picks a question; a number out of range gets a sentence.
func TestAnswersArePagedPerQuestion(t *testing.T) {
	t.Parallel()
	f := newFixture(t, true)
	les := f.course.Lessons["4-4"]
	var qs []string
	for _, c := range les.Cards {
		if q := c.Question(); q != nil {
			qs = append(qs, q.ID)
		}
	}
	if _, _, err := f.db.UpdateProgress(context.Background(), member.Key(), "4-4", func(_ *coursebot.LearnerRecord, p *coursebot.Progress) error {
		p.Card, p.Started, p.Updated = les.Cards[12].Key, f.now, f.now
		p.Answers = map[string]coursebot.Answer{qs[0]: {Text: "FIRST ANSWER", At: f.now}, qs[1]: {Text: "SECOND ANSWER", At: f.now}}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	page := func(args string) bot.Reply {
		t.Helper()
		rs, err := f.h.Handle(context.Background(), bot.Message{Learner: leadA, Kind: bot.KindCommand, Command: "cohort", Args: args})
		if err != nil || len(rs) != 1 {
			t.Fatalf("%s: %v %+v", args, err, rs)
		}
		return rs[0]
	}
	first := page("answers alpha 4-4")
	if out := text([]bot.Reply{first}); !strings.Contains(out, "FIRST ANSWER") || strings.Contains(out, "SECOND ANSWER") || !strings.Contains(out, "Question 1 of 3 · 1 answer") {
		t.Errorf("page 1:\n%s", out)
	}
	if len(first.Buttons) != 1 || first.Buttons[0].Label != "Question 2" {
		t.Fatalf("page 1 buttons %+v", first.Buttons)
	}
	second := f.press(t, leadA, first.Buttons[0].Action)
	if !strings.Contains(second, "SECOND ANSWER") || strings.Contains(second, "FIRST ANSWER") || !strings.Contains(second, "Question 2 of 3") {
		t.Errorf("page 2:\n%s", second)
	}
	if out := text([]bot.Reply{page("answers alpha 4.4 3")}); !strings.Contains(out, "No answers to this question yet") {
		t.Errorf("page 3:\n%s", out)
	}
	if r := page("answers alpha 4-4 9"); !r.Refused || !strings.Contains(text([]bot.Reply{r}), "questions 1 to 3") {
		t.Errorf("page 9: %+v", r)
	}
	// Someone else pressing the lead's page button reads nothing.
	if out := f.press(t, member, first.Buttons[0].Action); strings.Contains(out, "SECOND ANSWER") {
		t.Errorf("a member paged the answers:\n%s", out)
	}
}
