package cohorts

import (
	"context"
	"strings"
	"testing"

	"github.com/coursebot/coursebot"
	"github.com/coursebot/coursebot/course"
)

// TestLeadSeesHowManyAnswersReachedEachKeyPoint: where answers are shared,
// a question with key points is summed up above the answers: per point,
// how many of the answers the lead may read touched it.
func TestLeadSeesHowManyAnswersReachedEachKeyPoint(t *testing.T) {
	t.Parallel()
	f := newFixture(t, true)
	c, err := course.LoadDir("../testdata/tutor/course")
	if err != nil {
		t.Fatal(err)
	}
	f.course = c
	var q *course.QuestionDef
	for _, cd := range c.Lessons["1-1"].Cards {
		if cq := cd.Question(); cq != nil && len(cq.Points) > 0 {
			q = cq
		}
	}
	bob, carol := learner("bob"), learner("carol")
	f.enrol(t, leadA, "alpha", bob)
	f.enrol(t, leadA, "alpha", carol)
	answer := func(who, text string) {
		if _, _, err := f.db.UpdateProgress(context.Background(), who, "1-1", func(r *coursebot.LearnerRecord, p *coursebot.Progress) error {
			p.Card, p.Started, p.Updated = "why-package", f.now, f.now
			p.Answers = map[string]coursebot.Answer{q.ID: {Text: text, At: f.now}}
			return nil
		}); err != nil {
			t.Fatal(err)
		}
	}
	answer(member.Key(), "The same environment everywhere, even in production.")
	answer(bob.Key(), "Pinned dependencies.")
	answer(carol.Key(), "Containers are cool.")
	out := f.must(t, leadA, "cohort", "answers alpha 1-1")
	want := "*Key points* of Why would you put a trained model inside a container image? (3 answers, by their words):\n" +
		"- the same environment everywhere: 2 of 3\n" +
		"- it runs the same on a laptop and in production: 1 of 3\n" +
		"- it can be versioned and rolled back: 0 of 3\n"
	if !strings.Contains(out, want) {
		t.Errorf("answers view lacks the key points' tally:\n%s", out)
	}
	if i, j := strings.Index(out, "*Key points*"), strings.Index(out, "Containers are cool."); i < 0 || j < i {
		t.Errorf("the tally does not come first:\n%s", out)
	}
}
