package lessons

import (
	"github.com/coursebot/coursebot"
	"github.com/coursebot/coursebot/course"
)

// Summary is how far a learner is in one lesson, for leads' progress
// tables, digests and nudges.
type Summary struct {
	State     coursebot.LessonState
	Card      int    // 1-based position of the learner's card (0 = not started)
	Cards     int    // cards in the lesson
	CardTitle string // title of the learner's card
	Step      int    // 1-based tutor-script step of the card (0 = the opening card)
	Steps     int
	Questions int
	Answered  int
	Items     int // checklist items
	Checked   int
	Ratings   int
	Rated     int
	// Quizzes counts the lesson's graded questions, QuizCorrect those
	// answered right at the first attempt (the score).
	Quizzes     int
	QuizCorrect int
	// Open lists the checklist items not ticked yet, in lesson order.
	Open []course.ItemDef
}

// Summarize counts what the learner has done in les.
func Summarize(les *course.Lesson, p coursebot.Progress) Summary {
	s := Summary{State: p.State(), Cards: len(les.Cards), Steps: len(les.Steps)}
	for _, c := range les.Cards {
		for _, b := range c.Blocks {
			s.count(b, p)
		}
	}
	if s.State != coursebot.StateNotStarted && len(les.Cards) > 0 {
		card := les.CardAt(p.Card, p.CardIndex)
		s.Card, s.CardTitle, s.Step = card.Index+1, card.Title, card.Step+1
	}
	return s
}

// count adds what block b holds, and what the learner did of it, to s.
func (s *Summary) count(b course.Block, p coursebot.Progress) {
	switch b.Kind {
	case course.Question:
		s.Questions++
		if _, ok := p.Answers[b.Question.ID]; ok {
			s.Answered++
		}
	case course.Checklist:
		for _, it := range b.Items {
			s.Items++
			if p.Checks[it.ID] {
				s.Checked++
			} else {
				s.Open = append(s.Open, it)
			}
		}
	case course.Quiz:
		s.Quizzes++
		if p.Quiz[b.Quiz.ID].Correct {
			s.QuizCorrect++
		}
	case course.Rating:
		for _, it := range b.Items {
			s.Ratings++
			if p.Ratings[it.ID] > 0 {
				s.Rated++
			}
		}
	}
}
