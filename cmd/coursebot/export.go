package main

import (
	"sort"
	"time"

	"github.com/coursebot/coursebot/course"
	"github.com/coursebot/coursebot/store"
)

// learnerExport is what `coursebot export` prints: the store's record and,
// so a learner can read their own export, each saved answer next to the
// lesson, card and question it answers (the store keys answers by ids).
type learnerExport struct {
	store.LearnerExport
	AnswersReadable []readableAnswer `json:"answers_readable"`
}

type readableAnswer struct {
	Lesson      string    `json:"lesson"`
	LessonTitle string    `json:"lesson_title,omitempty"`
	Card        string    `json:"card,omitempty"`
	Question    string    `json:"question,omitempty"`
	QuestionID  string    `json:"question_id"`
	Answer      string    `json:"answer"`
	At          time.Time `json:"at"`
}

// readable pairs the learner's answers with the course's questions, in
// lesson and card order; an answer to a question the course no longer has
// keeps its id only.
func readable(data store.LearnerExport, loaded *course.Course) learnerExport {
	out := learnerExport{LearnerExport: data, AnswersReadable: []readableAnswer{}}
	for _, p := range data.Progress {
		type where struct {
			card, question string
			index          int
		}
		qs := map[string]where{}
		title := ""
		if les := loaded.Lessons[p.Lesson]; les != nil {
			title = les.Title
			for i, c := range les.Cards {
				if q := c.Question(); q != nil {
					qs[q.ID] = where{c.Title, q.Prompt, i}
				}
			}
		}
		var rs []readableAnswer
		for id, a := range p.Answers {
			w := qs[id]
			rs = append(rs, readableAnswer{Lesson: p.Lesson, LessonTitle: title, Card: w.card, Question: w.question, QuestionID: id, Answer: a.Text, At: a.At})
		}
		sort.SliceStable(rs, func(i, j int) bool {
			wi, wj := qs[rs[i].QuestionID], qs[rs[j].QuestionID]
			if wi.index != wj.index {
				return wi.index < wj.index
			}
			return rs[i].QuestionID < rs[j].QuestionID
		})
		out.AnswersReadable = append(out.AnswersReadable, rs...)
	}
	return out
}
