package cohorts

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/coursebot/coursebot"
	"github.com/coursebot/coursebot/course"
)

// TestProgressShowsQuizScores: a lesson with quizzes adds "quiz N/M" to the
// member's cell in the table and a quiz_X-Y column to the CSV; a learner
// invited but not yet accepted shows no score at all.
func TestProgressShowsQuizScores(t *testing.T) {
	t.Parallel()
	f := newFixture(t, false)
	quizCourse, err := course.LoadDir("../testdata/quiz/course")
	if err != nil {
		t.Fatal(err)
	}
	f.course = quizCourse
	les := quizCourse.Lessons["2-1"]
	var ids []string
	for _, c := range les.Cards {
		if q := c.Quiz(); q != nil {
			ids = append(ids, q.ID)
		}
	}
	ctx := context.Background()
	f.must(t, leadA, "cohort", "join alpha test:invitee")
	for _, who := range []string{member.Key(), "test:invitee"} {
		_, _, err = f.db.UpdateProgress(ctx, who, "2-1", func(_ *coursebot.LearnerRecord, p *coursebot.Progress) error {
			p.Card, p.Started, p.Updated = les.Cards[3].Key, f.now, f.now
			p.Quiz = map[string]coursebot.QuizResult{ids[0]: {Correct: true, Tries: 1}, ids[1]: {Tries: 1}, ids[2]: {Correct: true, Tries: 1}}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	tab, err := f.h.Progress(ctx, "alpha")
	if err != nil {
		t.Fatal(err)
	}
	if got := tab.Text(time.UTC); !strings.Contains(got, "step 2/3 · quiz 2/5") {
		t.Errorf("table:\n%s", got)
	}
	if got := tab.Text(time.UTC); strings.Contains(got, "invitee") {
		t.Errorf("a learner who has not accepted is in the table:\n%s", got)
	}
	var buf bytes.Buffer
	if err := tab.WriteCSV(&buf); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	if len(lines) != 2 || !strings.Contains(lines[0], ",lesson_2-1,quiz_2-1,") || !strings.Contains(lines[1], ",step 2/3,2/5,") {
		t.Errorf("csv:\n%s", buf.String())
	}
}
