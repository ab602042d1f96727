package insight

import (
	"sort"
	"strconv"
	"time"

	"github.com/coursebot/coursebot"
	"github.com/coursebot/coursebot/course"
)

// Options say what to compute.
type Options struct {
	Audience Audience
	// Now is the time the figures are as of; the records are read as they
	// were then (Learner.asOf), so a week ago's figures come from the same
	// records.
	Now time.Time
	// Lesson limits the figures to one lesson ("" = every installed
	// lesson).
	Lesson string
	// Stalled is how long without a move makes a learner "not moved"
	// (default a week).
	Stalled time.Duration
}

// Figures are the computed figures, as of At.
type Figures struct {
	Audience Audience
	At       time.Time
	// Learners counts everyone the figures may rest on; WithFigures those
	// who agreed that their figures count, WithAnswers those whose
	// answers may be read.
	Learners, WithFigures, WithAnswers int
	Lessons                            []LessonFigures
	// Stalled are the learners in a lesson who have not moved for
	// Options.Stalled, longest first (named: only for leads, whose
	// consent covers progress).
	Stalled []Stalled
	// NotStarted are members who joined at least Options.Stalled ago and
	// started no lesson (names, sorted).
	NotStarted []string
	// Retention is the spaced-review answers per stage, across lessons.
	Retention []Retention
	Tutor     TutorUse
}

// LessonFigures are one lesson's figures.
type LessonFigures struct {
	ID, Title string
	// Started and Completed count learners.
	Started, Completed int
	// Funnel is how many reached each stage: started, each step,
	// completed.
	Funnel []Stage
	// Times are the median times from reaching each stage to reaching
	// the next (the last step: to completing), over the learners whose
	// records keep both times.
	Times []StepTime
	// Leave are the cards where learners who have not moved for
	// Options.Stalled stopped, most first.
	Leave     []CardCount
	Quizzes   []Item
	Stuck     []CardCount
	Checklist []ItemCount
	Ratings   []Rating
	Questions []Question
	Retention []Retention
}

// Stage is one stage of a lesson's funnel.
type Stage struct {
	Label   string // "Started", "1. Opener", "Completed"
	Reached int
}

// StepTime is the median time spent at one stage.
type StepTime struct {
	Label  string
	Median time.Duration
	N      int // learners timed
}

// Stalled is a learner who has not moved in a lesson.
type Stalled struct {
	Learner, Name       string
	Lesson, LessonTitle string
	Card, Cards         int // 1-based card of the lesson, of how many
	CardTitle           string
	Since               time.Time // their last move
	For                 time.Duration
}

// CardCount counts learners (and presses) on one card.
type CardCount struct {
	Card      string // key
	Index     int    // 0-based
	Title     string
	Learners  int
	Presses   int // "I'm stuck" presses (Stuck only)
	LessonID  string
	StepLabel string
}

// Compute works out the figures of learners in course.
func Compute(loaded *course.Course, learners []Learner, o Options) Figures {
	if o.Stalled <= 0 {
		o.Stalled = 7 * 24 * time.Hour
	}
	if o.Now.IsZero() {
		o.Now = time.Now()
	}
	ls := make([]Learner, len(learners))
	for i, l := range learners {
		ls[i] = l.asOf(loaded, o.Now)
	}
	f := Figures{Audience: o.Audience, At: o.Now}
	for _, l := range ls {
		f.Learners++
		if l.Figures {
			f.WithFigures++
		}
		if l.Answers {
			f.WithAnswers++
		}
	}
	for _, e := range loaded.Catalogue {
		les := loaded.Lessons[e.ID]
		if les == nil || len(les.Cards) == 0 || (o.Lesson != "" && o.Lesson != e.ID) {
			continue
		}
		lf := LessonFigures{ID: les.ID, Title: les.Title}
		funnel(les, ls, o, &lf)
		lf.Times = stepTimes(les, ls, o)
		lf.Quizzes = quizItems(les, ls, o)
		lf.Stuck = stuckCards(les, ls, o)
		lf.Checklist = checklist(les, ls, o)
		lf.Ratings = ratings(les, ls, o)
		lf.Questions = questions(les, ls, o)
		lf.Retention = retention([]*course.Lesson{les}, ls, o)
		st := stalled(les, ls, o)
		lf.Leave = leave(les, st)
		f.Lessons = append(f.Lessons, lf)
		if o.Audience == Lead {
			f.Stalled = append(f.Stalled, st...) // named: leads only
		}
	}
	sort.SliceStable(f.Stalled, func(i, j int) bool { return f.Stalled[i].For > f.Stalled[j].For })
	var shown []*course.Lesson
	for _, lf := range f.Lessons {
		shown = append(shown, loaded.Lessons[lf.ID])
	}
	f.Retention = retention(shown, ls, o)
	f.Tutor = tutorUse(shown, ls, o)
	for _, l := range ls {
		if o.Audience != Lead || l.Joined.IsZero() || o.Now.Sub(l.Joined) < o.Stalled {
			continue
		}
		started := false
		for _, p := range l.Progress {
			started = started || p.State() != coursebot.StateNotStarted
		}
		if !started {
			f.NotStarted = append(f.NotStarted, nameOf(l))
		}
	}
	sort.Strings(f.NotStarted)
	return f
}

// stageOf is the funnel stage of a card: 0 for the opening card, else
// its step's number.
func stageOf(c *course.Card) int { return c.Step + 1 }

// stages labels a lesson's funnel: Started, each step, Completed.
func stages(les *course.Lesson) []string {
	out := []string{"Started"}
	for _, s := range les.Steps {
		out = append(out, stepLabel(s))
	}
	return append(out, "Completed")
}

func stepLabel(s course.Step) string {
	return strconv.Itoa(s.Number) + ". " + s.Title
}

// farthest is the index of the farthest card the learner reached in les:
// from the cards Reached keeps and where they are; -1 when not started.
func farthest(les *course.Lesson, p coursebot.Progress) int {
	if p.State() == coursebot.StateNotStarted {
		return -1
	}
	if p.State() == coursebot.StateCompleted {
		return len(les.Cards) - 1
	}
	far := 0
	if c := les.CardByKey(p.Card); c != nil {
		far = c.Index
	} else {
		far = max(0, min(p.CardIndex, len(les.Cards)-1))
	}
	for k := range p.Reached {
		if c := les.CardByKey(k); c != nil && c.Index > far {
			far = c.Index
		}
	}
	return far
}

// funnel counts who reached each stage of les.
func funnel(les *course.Lesson, ls []Learner, o Options, lf *LessonFigures) {
	labels := stages(les)
	reached := make([]int, len(labels))
	for _, l := range ls {
		if !o.Audience.counts(useProgress, l) {
			continue
		}
		p, ok := l.Progress[les.ID]
		if !ok || p.State() == coursebot.StateNotStarted {
			continue
		}
		lf.Started++
		far := stageOf(les.Cards[farthest(les, p)])
		for s := 0; s <= far; s++ {
			reached[s]++
		}
		if p.State() == coursebot.StateCompleted {
			lf.Completed++
			reached[len(reached)-1]++
		}
	}
	for i, label := range labels {
		lf.Funnel = append(lf.Funnel, Stage{Label: label, Reached: reached[i]})
	}
}

// stepTimes are the median times per stage: from the first time the
// learner reached a card of the stage to the first time they reached a
// card of a later one (or completed the lesson), for the learners whose
// records keep both.
func stepTimes(les *course.Lesson, ls []Learner, o Options) []StepTime {
	labels := stages(les)
	spans := make([][]time.Duration, len(labels)-1)
	for _, l := range ls {
		if !o.Audience.counts(useLinked, l) {
			continue
		}
		p, ok := l.Progress[les.ID]
		if !ok || len(p.Reached) == 0 {
			continue
		}
		first := stageReached(les, p, len(labels))
		for s := range spans {
			if d, ok := stageSpan(first, s); ok {
				spans[s] = append(spans[s], d)
			}
		}
	}
	out := make([]StepTime, 0, len(spans))
	for s, d := range spans {
		out = append(out, StepTime{Label: labels[s], Median: median(d), N: len(d)})
	}
	return out
}

// stageReached is when p first reached a card of each of the lesson's
// stages (zero where it did not); the last of the n is its completion.
func stageReached(les *course.Lesson, p coursebot.Progress, n int) []time.Time {
	first := make([]time.Time, n)
	for k, at := range p.Reached {
		c := les.CardByKey(k)
		if c == nil {
			continue
		}
		s := stageOf(c)
		if first[s].IsZero() || at.Before(first[s]) {
			first[s] = at
		}
	}
	first[n-1] = p.Completed
	return first
}

// stageSpan is the time from the first reach of stage s to the first
// reach of any later stage; ok is false where the records do not keep both.
func stageSpan(first []time.Time, s int) (time.Duration, bool) {
	if first[s].IsZero() {
		return 0, false
	}
	var next time.Time
	for n := s + 1; n < len(first); n++ {
		if !first[n].IsZero() && (next.IsZero() || first[n].Before(next)) {
			next = first[n]
		}
	}
	if next.IsZero() || next.Before(first[s]) {
		return 0, false
	}
	return next.Sub(first[s]), true
}

func median(ds []time.Duration) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := append([]time.Duration(nil), ds...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

// stalled lists the learners in les who have not moved for o.Stalled.
func stalled(les *course.Lesson, ls []Learner, o Options) []Stalled {
	var out []Stalled
	for _, l := range ls {
		p, ok := l.Progress[les.ID]
		if !ok || p.State() != coursebot.StateInProgress || !o.Audience.counts(useProgress, l) {
			continue
		}
		last := p.Updated
		if last.IsZero() {
			last = p.Started
		}
		if o.Now.Sub(last) < o.Stalled {
			continue
		}
		c := les.CardByKey(p.Card)
		if c == nil {
			c = les.Cards[max(0, min(p.CardIndex, len(les.Cards)-1))]
		}
		out = append(out, Stalled{Learner: l.Key, Name: nameOf(l), Lesson: les.ID, LessonTitle: les.Title, Card: c.Index + 1, Cards: len(les.Cards),
			CardTitle: c.Title, Since: last, For: o.Now.Sub(last)})
	}
	return out
}

// leave counts the stalled learners by the card they stopped on.
func leave(les *course.Lesson, st []Stalled) []CardCount {
	by := map[int]int{}
	for _, s := range st {
		if s.Lesson == les.ID {
			by[s.Card-1]++
		}
	}
	var out []CardCount
	for i, n := range by {
		c := les.Cards[i]
		out = append(out, CardCount{Card: c.Key, Index: i, Title: c.Title, Learners: n, LessonID: les.ID, StepLabel: stageName(les, c)})
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Learners != out[j].Learners {
			return out[i].Learners > out[j].Learners
		}
		return out[i].Index < out[j].Index
	})
	return out
}

// stageName labels the stage a card belongs to.
func stageName(les *course.Lesson, c *course.Card) string {
	if c.Step < 0 || c.Step >= len(les.Steps) {
		return "Opening"
	}
	return stepLabel(les.Steps[c.Step])
}

// nameOf is how a learner is named: the name their platform last gave, or
// their user id.
func nameOf(l Learner) string {
	if l.Name != "" {
		return l.Name
	}
	for i := 0; i < len(l.Key); i++ {
		if l.Key[i] == ':' {
			return l.Key[i+1:]
		}
	}
	return l.Key
}
