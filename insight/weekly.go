package insight

import (
	"fmt"
	"strings"
	"time"

	"github.com/coursebot/coursebot"
	"github.com/coursebot/coursebot/bot/markup"
	"github.com/coursebot/coursebot/course"
)

// The leads' weekly summary: the figures now, what changed in the last
// seven days, and the same for the seven days before, from the times the
// records keep (Learner.asOf).

// Week is one week's activity.
type Week struct {
	// MovedOn counts the learners who reached a card they had not reached
	// before (or started or finished a lesson); Finished the lessons
	// finished.
	MovedOn, Finished int
	// QuizFirst counts the first attempts at quiz questions, QuizRight
	// those right, QuizLearners the learners who made them.
	QuizFirst, QuizRight, QuizLearners int
	// Stuck counts the "I'm stuck" presses, StuckLearners the learners
	// who pressed.
	Stuck, StuckLearners int
}

// Summary is what the leads' weekly summary says.
type Summary struct {
	Now, WeekAgo Figures
	// This is the last seven days to Now, Before the seven days before.
	This, Before Week
}

// Weekly works out the summary as of o.Now.
func Weekly(loaded *course.Course, learners []Learner, o Options) Summary {
	if o.Now.IsZero() {
		o.Now = time.Now()
	}
	ago := o
	ago.Now = o.Now.Add(-7 * 24 * time.Hour)
	s := Summary{Now: Compute(loaded, learners, o), WeekAgo: Compute(loaded, learners, ago)}
	s.This = week(loaded, learners, o, ago.Now, o.Now)
	s.Before = week(loaded, learners, o, ago.Now.Add(-7*24*time.Hour), ago.Now)
	return s
}

// week counts what happened in (from, to].
func week(loaded *course.Course, learners []Learner, o Options, from, to time.Time) Week {
	in := period{from, to}
	var w Week
	for _, l := range learners {
		counted := o.Audience.counts(useCounts, l)
		moved, quizzed := false, false
		for id, p := range l.Progress {
			les := loaded.Lessons[id]
			if les == nil || (o.Lesson != "" && o.Lesson != id) {
				continue
			}
			moved = moved || movedIn(p, in)
			if in.has(p.Completed) {
				w.Finished++
			}
			if counted && w.countQuizzes(p, in) {
				quizzed = true
			}
		}
		if moved {
			w.MovedOn++
		}
		if quizzed {
			w.QuizLearners++
		}
		if counted && w.countStuck(l, o.Lesson, in) {
			w.StuckLearners++
		}
	}
	return w
}

// period is the times after from up to and including to.
type period struct{ from, to time.Time }

func (p period) has(t time.Time) bool { return t.After(p.from) && !t.After(p.to) }

// movedIn reports whether p started, completed or reached a card in in.
func movedIn(p coursebot.Progress, in period) bool {
	if in.has(p.Started) || in.has(p.Completed) {
		return true
	}
	for _, at := range p.Reached {
		if in.has(at) {
			return true
		}
	}
	return false
}

// countQuizzes counts p's first attempts in in, and those right; it
// reports whether there was any.
func (w *Week) countQuizzes(p coursebot.Progress, in period) bool {
	found := false
	for _, r := range p.Quiz {
		if r.Tries > 0 && in.has(r.At) {
			w.QuizFirst++
			found = true
			if r.Correct {
				w.QuizRight++
			}
		}
	}
	return found
}

// countStuck counts l's "I'm stuck" conversations begun in in (in lesson,
// or any lesson when ""); it reports whether there was any.
func (w *Week) countStuck(l Learner, lesson string, in period) bool {
	found := false
	for _, e := range l.Tutor.Exchanges {
		if e.Kind == coursebot.TutorStuck && len(e.Turns) > 0 && in.has(e.Turns[0].At) && (lesson == "" || e.Lesson == lesson) {
			w.Stuck++
			found = true
		}
	}
	return found
}

// Text is the summary as Markdown for the cohort's leads, in loc.
func (s Summary) Text(loc *time.Location) string {
	var b strings.Builder
	fmt.Fprintf(&b, "*The week to %s*\n", s.Now.At.In(loc).Format("Mon 2 Jan 15:04"))
	fmt.Fprintf(&b, "- Moved on (reached a new card): %s learners; the week before %s\n", N(s.This.MovedOn), N(s.Before.MovedOn))
	fmt.Fprintf(&b, "- Lessons finished: %s; the week before %s\n", N(s.This.Finished), N(s.Before.Finished))
	fmt.Fprintf(&b, "- Quiz questions answered for the first time: %s; the week before %s\n", quizWeek(s.This), quizWeek(s.Before))
	fmt.Fprintf(&b, "- \"I'm stuck\" presses: %s; the week before %s\n", stuckWeek(s.This), stuckWeek(s.Before))
	fmt.Fprintf(&b, "- Not moved in 7 days: %s learners; a week ago %s", N(len(s.Now.Stalled)), N(len(s.WeekAgo.Stalled)))
	for i, st := range s.Now.Stalled {
		if i == 10 {
			fmt.Fprintf(&b, ", and %d more", len(s.Now.Stalled)-10)
			break
		}
		sep := ", "
		if i == 0 {
			sep = ": "
		}
		fmt.Fprintf(&b, "%s%s (%s, card %d)", sep, markup.EscapeMarkdown(st.Name), dotted(st.Lesson), st.Card)
	}
	b.WriteString("\n")
	for i, lf := range s.Now.Lessons {
		if lf.Started == 0 {
			continue
		}
		was := LessonFigures{}
		if i < len(s.WeekAgo.Lessons) {
			was = s.WeekAgo.Lessons[i]
		}
		var changed []string
		for j, st := range lf.Funnel {
			before := 0
			if j < len(was.Funnel) {
				before = was.Funnel[j].Reached
			}
			if N(st.Reached) != N(before) {
				changed = append(changed, fmt.Sprintf("%s %s (a week ago %s)", cutLabel(st.Label, 40), N(st.Reached), N(before)))
			}
		}
		if len(changed) == 0 {
			changed = []string{"no change"}
		}
		fmt.Fprintf(&b, "- Lesson %s: %s\n", dotted(lf.ID), markup.EscapeMarkdown(strings.Join(changed, "; ")))
	}
	if items := hardest(s.Now, 1); len(items) > 0 {
		it := items[0]
		fmt.Fprintf(&b, "- Hardest quiz question: (%s) %s, %s right first time", dotted(it.Lesson), markup.EscapeMarkdown(cutLabel(it.Prompt, 100)), rightText(it))
		if w := topWrong(it); w != "" {
			fmt.Fprintf(&b, "; most chosen wrong: %s", markup.EscapeMarkdown(cutLabel(w, 80)))
		}
		b.WriteString("\n")
	}
	return strings.TrimRight(b.String(), "\n")
}

// quizWeek is a week's first attempts: how many and how many right, when
// enough learners made them.
func quizWeek(w Week) string {
	if !shown(w.QuizLearners) {
		return "by " + Few + " learners"
	}
	return fmt.Sprintf("%d by %d learners, %s right", w.QuizFirst, w.QuizLearners, Share(w.QuizRight, w.QuizFirst))
}

// stuckWeek is a week's "I'm stuck" presses, when enough learners pressed.
func stuckWeek(w Week) string {
	if !shown(w.StuckLearners) {
		return "by " + Few + " learners"
	}
	return fmt.Sprintf("%d by %d learners", w.Stuck, w.StuckLearners)
}
