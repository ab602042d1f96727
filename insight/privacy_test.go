package insight_test

import (
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/coursebot/coursebot"
	"github.com/coursebot/coursebot/insight"
	"github.com/coursebot/coursebot/insight/insighttest"
)

// TestFewerThanThree: a cohort of two shows no count of learners under 3
// anywhere a lead reads it (the sections, the picture's alt text, the
// weekly summary): each reads "fewer than 3".
func TestFewerThanThree(t *testing.T) {
	t.Parallel()
	course := insighttest.Course(t)
	les := course.Lessons["2-1"]
	now := insighttest.Now
	var ls []insight.Learner
	for i, name := range []string{"Ann", "Bo"} {
		p := coursebot.Progress{Lesson: "2-1", Card: les.Cards[4].Key, CardIndex: 4, Started: now.Add(-time.Hour), Updated: now.Add(-time.Minute),
			Reached: map[string]time.Time{}, Quiz: map[string]coursebot.QuizResult{}}
		for _, c := range les.Cards[:5] {
			p.Reached[c.Key] = now.Add(-time.Hour + time.Duration(c.Index)*time.Minute)
			if q := c.Quiz(); q != nil {
				p.Quiz[q.ID] = coursebot.QuizResult{First: "A", Correct: q.Grade("A"), Tries: 1, At: now.Add(-30 * time.Minute)}
			}
		}
		ls = append(ls, insight.Learner{Key: "slack:U" + name, Name: name, Joined: now.Add(-time.Duration(i+1) * time.Hour), Figures: true, Answers: true,
			Progress: map[string]coursebot.Progress{"2-1": p}})
	}
	f := insight.Compute(course, ls, insight.Options{Audience: insight.Lead, Now: now})
	var all []string
	for _, s := range insight.Sections(f, time.UTC, true, "cohort", "tiny") {
		all = append(all, s.Heading, s.Text, s.Table)
	}
	_, alt, err := insight.Picture(f)
	if err != nil {
		t.Fatal(err)
	}
	all = append(all, alt, insight.Weekly(course, ls, insight.Options{Audience: insight.Lead, Now: now}).Text(time.UTC))
	text := strings.Join(all, "\n")
	if !strings.Contains(text, "fewer than 3") {
		t.Fatalf("no count reads fewer than 3:\n%s", text)
	}
	// Numbers that remain are times, dates, lesson and step numbers,
	// never a count of 1 or 2 learners.
	for _, re := range []string{`\b[0-9]+ (started|finished|learners|of|right|presses|answered|skipped|timed|by)\b`, `\b[12] \(a week ago`, `(reached|Started|Completed|step \d) +[12]\b`,
		`\([12] of `, `\b[12]%`} {
		if m := regexp.MustCompile(re).FindString(strings.ReplaceAll(text, insight.Few, "FEW")); m != "" {
			t.Errorf("a count under 3 is shown (%q):\n%s", m, text)
		}
	}
}
