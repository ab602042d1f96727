package insight_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/coursebot/coursebot/insight"
	"github.com/coursebot/coursebot/insight/insighttest"
)

// TestWeekly: the leads' weekly summary counts what the plans did in the
// last seven days and the seven before, and the figures a week ago are
// those of the records as they were then.
func TestWeekly(t *testing.T) {
	t.Parallel()
	db, c := cohort(t)
	ls, err := insight.Cohort(context.Background(), db, db, c.Name, true)
	if err != nil {
		t.Fatal(err)
	}
	s := insight.Weekly(c.Course, ls, insight.Options{Audience: insight.Lead, Now: insighttest.Now})
	week := 7 * 24 * time.Hour
	for n, got := range []insight.Week{s.This, s.Before} {
		to := insighttest.Now.Add(-time.Duration(n) * week)
		in := func(t time.Time) bool { return t.After(to.Add(-week)) && !t.After(to) }
		var want insight.Week
		for _, p := range counted(c, member) {
			moved, quizzed, stuck := false, false, false
			for id, w := range p.Walks {
				for i, at := range w.Arrive {
					moved = moved || in(at)
					les := c.Course.Lessons[id]
					if !p.Figures {
						continue
					}
					if q := les.Cards[i].Quiz(); q != nil && w.Quiz[q.ID] != "" && in(at) {
						want.QuizFirst++
						quizzed = true
						if q.Grade(w.Quiz[q.ID]) {
							want.QuizRight++
						}
					}
					if in(at) && w.Stuck[i] > 0 {
						want.Stuck += w.Stuck[i]
						stuck = true
					}
				}
				if in(w.Completed) {
					moved = true
					want.Finished++
				}
			}
			if moved {
				want.MovedOn++
			}
			if quizzed {
				want.QuizLearners++
			}
			if stuck {
				want.StuckLearners++
			}
		}
		if got != want {
			t.Errorf("week to %s: %+v, want %+v", to.Format("2 Jan"), got, want)
		}
	}
	if s.This.MovedOn == 0 || s.Before.MovedOn == 0 || s.This.Finished == 0 {
		t.Errorf("the fixture moves in both weeks: %+v %+v", s.This, s.Before)
	}
	// A week ago, fewer had started Lesson 4.4: as many as the plans had.
	started := 0
	for _, p := range counted(c, member) {
		if w := p.Walks["4-4"]; w != nil && !w.Arrive[0].After(insighttest.Now.Add(-week)) {
			started++
		}
	}
	if got := lessonOf(t, s.WeekAgo, "4-4").Started; got != started || got >= lessonOf(t, s.Now, "4-4").Started {
		t.Errorf("4.4 started a week ago: %d, want %d (and fewer than now)", got, started)
	}
	text := s.Text(time.UTC)
	for _, want := range []string{"The week to Mon 30 Nov 09:00", "Moved on (reached a new card): ", "the week before", "Lesson 4.4: ", "a week ago", "Hardest quiz question: (2.1) Which of these does git track"} {
		if !strings.Contains(text, want) {
			t.Errorf("summary lacks %q:\n%s", want, text)
		}
	}
}
