// Package insight turns what the bot keeps about learners into what a
// cohort's leads and a course's author act on: how far learners got (a
// funnel per lesson, who has not moved, time per step), what is hard (quiz
// questions by first-attempt success and the wrong options chosen, cards
// where learners press "I'm stuck", checklist items least ticked,
// self-assessment ratings), answers counted per question with their key
// points, review retention and the tutor's use. It reads the store through
// two small interfaces (Roster, Records), computes Figures (figures.go,
// items.go, hard.go), and renders them for a lead in chat (text.go, with a
// PNG from chart.go) and for an author as one HTML file (report.go). Who
// counts where is decided once, by the Audience and each learner's consent
// (privacy.go). See docs/insights.md.
package insight

import (
	"context"
	"fmt"
	"sort"
	"time"

	"github.com/coursebot/coursebot"
	"github.com/coursebot/coursebot/course"
)

// Members lists a cohort's accepted members (*store.DB).
type Members interface {
	Members(ctx context.Context, cohort string) ([]coursebot.Member, error)
}

// Roster lists every learner and every cohort's members, for an author's
// report (*store.DB).
type Roster interface {
	Members
	Cohorts(ctx context.Context) ([]coursebot.Cohort, error)
	Learners(ctx context.Context) ([]string, error)
}

// Records reads one learner's records (*store.DB).
type Records interface {
	Learner(ctx context.Context, learner string) (coursebot.LearnerRecord, error)
	LearnerProgress(ctx context.Context, learner string) ([]coursebot.Progress, error)
	TutorRecord(ctx context.Context, learner string) (coursebot.TutorRecord, error)
}

// Learner is one learner's records with what they agreed to.
type Learner struct {
	Key  string // "slack:U123"
	Name string // as their platform last gave it
	// Joined is when they joined the cohort (zero outside one).
	Joined time.Time
	// Figures: they were told that their quiz choices, "I'm stuck"
	// presses, ticks, ratings and time per step count in the cohort's
	// figures (coursebot.Member.Figures). Answers: the course shares
	// answers with leads and they agreed to it (coursebot.Member.Answers).
	Figures, Answers bool
	Progress         map[string]coursebot.Progress // by lesson id
	Tutor            coursebot.TutorRecord
}

// Cohort reads the accepted members of cohort (pending invitations are
// never listed by the store) with their consent; shareAnswers is the
// course's course.share_answers_with_leads.
func Cohort(ctx context.Context, members Members, records Records, cohort string, shareAnswers bool) ([]Learner, error) {
	ms, err := members.Members(ctx, cohort)
	if err != nil {
		return nil, fmt.Errorf("insight: members of %s: %w", cohort, err)
	}
	out := make([]Learner, 0, len(ms))
	for _, m := range ms {
		if m.Pending {
			continue // the store lists none; never count one regardless
		}
		l, err := read(ctx, records, m.Learner)
		if err != nil {
			return nil, err
		}
		l.Joined, l.Figures, l.Answers = m.Joined, m.Figures, m.Answers && shareAnswers
		out = append(out, l)
	}
	return out, nil
}

// Everyone reads every learner the store keeps, for an author's report:
// each with the consent of their accepted memberships (Figures or Answers
// in any cohort), none for a learner in no cohort.
func Everyone(ctx context.Context, roster Roster, records Records, shareAnswers bool) ([]Learner, error) {
	keys, err := roster.Learners(ctx)
	if err != nil {
		return nil, fmt.Errorf("insight: learners: %w", err)
	}
	cs, err := roster.Cohorts(ctx)
	if err != nil {
		return nil, fmt.Errorf("insight: cohorts: %w", err)
	}
	agreed := map[string]coursebot.Member{}
	for _, c := range cs {
		ms, err := roster.Members(ctx, c.Name)
		if err != nil {
			return nil, fmt.Errorf("insight: members of %s: %w", c.Name, err)
		}
		for _, m := range ms {
			if m.Pending {
				continue
			}
			a := agreed[m.Learner]
			a.Figures = a.Figures || m.Figures
			a.Answers = a.Answers || m.Answers
			agreed[m.Learner] = a
		}
	}
	out := make([]Learner, 0, len(keys))
	for _, k := range keys {
		l, err := read(ctx, records, k)
		if err != nil {
			return nil, err
		}
		a := agreed[k]
		l.Figures, l.Answers = a.Figures, a.Answers && shareAnswers
		out = append(out, l)
	}
	return out, nil
}

func read(ctx context.Context, records Records, key string) (Learner, error) {
	rec, err := records.Learner(ctx, key)
	if err != nil {
		return Learner{}, fmt.Errorf("insight: %w", err)
	}
	ps, err := records.LearnerProgress(ctx, key)
	if err != nil {
		return Learner{}, fmt.Errorf("insight: %w", err)
	}
	tr, err := records.TutorRecord(ctx, key)
	if err != nil {
		return Learner{}, fmt.Errorf("insight: %w", err)
	}
	l := Learner{Key: key, Name: rec.Name, Progress: make(map[string]coursebot.Progress, len(ps)), Tutor: tr}
	for _, p := range ps {
		l.Progress[p.Lesson] = p
	}
	return l, nil
}

// asOf is what l's records said at t, as far as they keep times: a lesson
// started after t is not started, one completed after t not completed;
// cards first reached after t, quiz first attempts and review answers
// given after t, and tutor turns after t are left out. Ticks and ratings
// keep no times and stay as they are now (the figures' changes over a
// week leave them out).
func (l Learner) asOf(loaded *course.Course, t time.Time) Learner {
	out := l
	out.Progress = make(map[string]coursebot.Progress, len(l.Progress))
	for id, p := range l.Progress {
		les := loaded.Lessons[id]
		if les == nil || len(les.Cards) == 0 || p.State() == coursebot.StateNotStarted || p.Started.After(t) {
			continue
		}
		out.Progress[id] = progressAsOf(les, p, t)
	}
	out.Tutor.Exchanges = nil
	for _, e := range l.Tutor.Exchanges {
		var turns []coursebot.TutorTurn
		for _, tt := range e.Turns {
			if !tt.At.After(t) {
				turns = append(turns, tt)
			}
		}
		if len(turns) > 0 {
			e.Turns = turns
			out.Tutor.Exchanges = append(out.Tutor.Exchanges, e)
		}
	}
	return out
}

// progressAsOf is what p, a lesson started by t, said at t (see asOf).
func progressAsOf(les *course.Lesson, p coursebot.Progress, t time.Time) coursebot.Progress {
	q := p
	if q.Completed.After(t) {
		q.Completed = time.Time{}
	}
	q.Reached = map[string]time.Time{}
	for k, at := range p.Reached {
		if !at.After(t) {
			q.Reached[k] = at
		}
	}
	if q.Updated.After(t) {
		// Where they were at t is not kept: the farthest card they
		// had reached by then, or the lesson's first.
		q.Card, q.CardIndex, q.Updated = les.Cards[0].Key, 0, q.Started
		for k, at := range q.Reached {
			if c := les.CardByKey(k); c != nil && c.Index >= q.CardIndex {
				q.Card, q.CardIndex, q.Updated = c.Key, c.Index, at
			}
		}
	}
	q.Quiz = map[string]coursebot.QuizResult{}
	for id, r := range p.Quiz {
		if r.Tries > 0 && r.At.After(t) {
			continue
		}
		var rs []coursebot.ReviewAnswer
		for _, a := range r.Reviews {
			if !a.At.After(t) {
				rs = append(rs, a)
			}
		}
		r.Reviews = rs
		q.Quiz[id] = r
	}
	return q
}

// sortedKeys returns m's keys in order.
func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
