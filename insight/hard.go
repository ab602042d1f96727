package insight

import (
	"sort"

	"github.com/coursebot/coursebot"
	"github.com/coursebot/coursebot/course"
)

// What else is hard ("I'm stuck" presses, checklist items least ticked,
// self-assessment ratings), the answers per question, and the tutor's use.

// stuckCards counts the "I'm stuck" presses on each card of les (each
// press starts an exchange with the tutor), most first.
func stuckCards(les *course.Lesson, ls []Learner, o Options) []CardCount {
	presses := map[int]int{}
	who := map[int]map[string]bool{}
	for _, l := range ls {
		if !o.Audience.counts(useCounts, l) {
			continue
		}
		for _, e := range l.Tutor.Exchanges {
			if e.Kind != coursebot.TutorStuck || e.Lesson != les.ID {
				continue
			}
			c := les.CardByKey(e.Card)
			if c == nil {
				continue
			}
			presses[c.Index]++
			if who[c.Index] == nil {
				who[c.Index] = map[string]bool{}
			}
			who[c.Index][l.Key] = true
		}
	}
	var out []CardCount
	for i, n := range presses {
		c := les.Cards[i]
		out = append(out, CardCount{Card: c.Key, Index: i, Title: c.Title, Learners: len(who[i]), Presses: n, LessonID: les.ID, StepLabel: stageName(les, c)})
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Presses != out[j].Presses {
			return out[i].Presses > out[j].Presses
		}
		return out[i].Index < out[j].Index
	})
	return out
}

// ItemCount is one checklist item: ticked by how many of the learners
// who reached its card.
type ItemCount struct {
	ID, Group, Text string
	Card            int // 0-based
	Ticked, Of      int
}

// checklist counts each checklist item's ticks, least ticked (by share)
// first.
func checklist(les *course.Lesson, ls []Learner, o Options) []ItemCount {
	var out []ItemCount
	for _, c := range les.Cards {
		for _, b := range c.Blocks {
			if b.Kind != course.Checklist {
				continue
			}
			for _, it := range b.Items {
				ic := ItemCount{ID: it.ID, Group: it.Group, Text: it.Text, Card: c.Index}
				for _, l := range ls {
					p, ok := l.Progress[les.ID]
					if !ok || !o.Audience.counts(useCounts, l) || farthest(les, p) < c.Index {
						continue
					}
					ic.Of++
					if p.Checks[it.ID] {
						ic.Ticked++
					}
				}
				out = append(out, ic)
			}
		}
	}
	sortItemCounts(out)
	return out
}

// sortItemCounts orders checklist items least ticked first (by share,
// cross-multiplied), items nobody reached last. An item ticked by fewer
// than MinCount counts as ticked by none: its place must not tell how
// many it was.
func sortItemCounts(out []ItemCount) {
	ticked := func(it ItemCount) int {
		if !shown(it.Ticked) {
			return 0
		}
		return it.Ticked
	}
	sort.SliceStable(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if (a.Of == 0) != (b.Of == 0) {
			return b.Of == 0
		}
		return ticked(a)*b.Of < ticked(b)*a.Of
	})
}

// Rating is one self-assessment item's ratings.
type Rating struct {
	ID, Group, Text string
	Mean            float64 // 1 to 5; 0 when N is 0
	N               int
}

// ratings averages each rating item, in lesson order.
func ratings(les *course.Lesson, ls []Learner, o Options) []Rating {
	var out []Rating
	for _, c := range les.Cards {
		for _, b := range c.Blocks {
			if b.Kind != course.Rating {
				continue
			}
			for _, it := range b.Items {
				r := Rating{ID: it.ID, Group: it.Group, Text: it.Text}
				sum := 0
				for _, l := range ls {
					p, ok := l.Progress[les.ID]
					if !ok || !o.Audience.counts(useLinked, l) || p.Ratings[it.ID] <= 0 {
						continue
					}
					r.N++
					sum += p.Ratings[it.ID]
				}
				if r.N > 0 {
					r.Mean = float64(sum) / float64(r.N)
				}
				out = append(out, r)
			}
		}
	}
	return out
}

// Question is one free-text question's answers: how many of the learners
// who reached it answered and skipped it, and how many answers reached
// each of its key points (by their words: lessons.QuestionDef.Reached).
type Question struct {
	ID, Prompt                 string
	Card                       int
	Reached, Answered, Skipped int
	Points                     []Point
	// PointAnswers counts the answers the points were looked for in.
	PointAnswers int
}

// Point is one key point and how many answers reached it.
type Point struct {
	Text    string
	Reached int
}

// questions counts the answers to each question of les, in lesson order.
func questions(les *course.Lesson, ls []Learner, o Options) []Question {
	var out []Question
	for _, c := range les.Cards {
		qd := c.Question()
		if qd == nil {
			continue
		}
		q := Question{ID: qd.ID, Prompt: qd.Prompt, Card: c.Index}
		for _, pt := range qd.Points {
			q.Points = append(q.Points, Point{Text: pt.Text})
		}
		for _, l := range ls {
			p, ok := l.Progress[les.ID]
			if !ok || !o.Audience.counts(useAnswered(o.Audience), l) || farthest(les, p) < c.Index {
				continue
			}
			q.Reached++
			a, answered := p.Answers[qd.ID]
			switch {
			case answered:
				q.Answered++
			case p.Skipped[qd.ID]:
				q.Skipped++
			}
			if !answered || len(qd.Points) == 0 || !o.Audience.counts(useAnswers, l) {
				continue
			}
			q.PointAnswers++
			for i, hit := range qd.Reached(a.Text) {
				if hit {
					q.Points[i].Reached++
				}
			}
		}
		out = append(out, q)
	}
	return out
}

// useAnswered is what counting answered and skipped questions uses: a
// count for an author, the answers a lead may read for a lead.
func useAnswered(a Audience) use {
	if a == Author {
		return useCounts
	}
	return useAnswers
}

// TutorUse is how learners used the optional AI tutor in the lessons
// shown (and /help, which belongs to no lesson).
type TutorUse struct {
	// Learners counts those with any exchange.
	Learners int
	// Exchanges by kind: about an answer, "I'm stuck", /help.
	Answer, Stuck, Help int
	// Replies counts the tutor's turns; Fallbacks those where the course's
	// own text stood in for the model's, by cause.
	Replies, Fallbacks int
	Causes             []Cause
}

// Cause is one reason the tutor fell back and how often.
type Cause struct {
	Cause string // "timeout", "budget", ...
	N     int
}

func tutorUse(shown []*course.Lesson, ls []Learner, o Options) TutorUse {
	in := map[string]bool{}
	for _, les := range shown {
		in[les.ID] = true
	}
	var u TutorUse
	causes := map[string]int{}
	for _, l := range ls {
		if !o.Audience.counts(useCounts, l) {
			continue
		}
		used := false
		for _, e := range l.Tutor.Exchanges {
			if e.Kind != coursebot.TutorHelp && !in[e.Lesson] {
				continue
			}
			used = true
			switch e.Kind {
			case coursebot.TutorAnswer:
				u.Answer++
			case coursebot.TutorStuck:
				u.Stuck++
			case coursebot.TutorHelp:
				u.Help++
			}
			for _, t := range e.Turns {
				if t.Role != coursebot.RoleTutor {
					continue
				}
				u.Replies++
				if t.Fallback != "" {
					u.Fallbacks++
					causes[t.Fallback]++
				}
			}
		}
		if used {
			u.Learners++
		}
	}
	for _, c := range sortedKeys(causes) {
		u.Causes = append(u.Causes, Cause{Cause: c, N: causes[c]})
	}
	sort.SliceStable(u.Causes, func(i, j int) bool { return u.Causes[i].N > u.Causes[j].N })
	return u
}
