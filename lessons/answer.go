package lessons

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/coursebot/coursebot"
	"github.com/coursebot/coursebot/bot"
	"github.com/coursebot/coursebot/course"
)

// answer saves free text as the answer to the pending question.
func (e *request) answer(ctx context.Context, m bot.Message) ([]bot.Reply, error) {
	who := m.Learner
	les, err := e.answeredLesson(ctx, m)
	if err != nil {
		return nil, err
	}
	if IsNavWord(m.Text) {
		// "next" typed where an answer goes means the button, not an answer.
		return nil, e.notAnAnswer(ctx, who, les, m.Text)
	}
	if r, ok, err := e.quizText(ctx, m); ok || err != nil {
		return r, err
	}
	text := strings.TrimSpace(m.Text)
	if text == "" {
		return nil, refuse(coursebot.EINVALID, "Your answer is empty. Write a sentence or two, or press Skip question.")
	}
	text, truncated := clipRunes(text, e.answerLimit)
	now := e.now()
	var card *course.Card
	var q *course.QuestionDef
	_, p, err := e.store.UpdateProgress(ctx, who.Key(), les.ID, func(rec *coursebot.LearnerRecord, p *coursebot.Progress) error {
		card, q = nil, nil
		if p.State() == coursebot.StateNotStarted {
			return refuse(coursebot.ECONFLICT, "You have not started Lesson %s yet: type /%s.", dotted(les.ID), les.Command)
		}
		var err error
		if card, q, err = e.answeredQuestion(les, *p, m.Question); err != nil {
			return err
		}
		touch(rec, who, les.ID, now)
		saveAnswer(p, q.ID, coursebot.Answer{Text: text, At: now, Truncated: truncated}, now)
		return nil
	})
	if errors.Is(err, errNoQuestion) {
		return nil, e.notAnAnswer(ctx, who, les, text)
	}
	if err != nil {
		return nil, err
	}
	return []bot.Reply{e.answerReply(les, card, p, truncated)}, nil
}

// answeredLesson is the lesson a typed answer belongs to: the one the
// message names (its thread's), else the learner's active lesson.
func (e *request) answeredLesson(ctx context.Context, m bot.Message) (*course.Lesson, error) {
	lessonID := m.Lesson
	if lessonID == "" {
		rec, err := e.store.Learner(ctx, m.Learner.Key())
		if err != nil {
			return nil, err
		}
		lessonID = rec.Active
	}
	if lessonID == "" {
		return nil, refuse(coursebot.ECONFLICT, "No question is waiting for an answer. Start a lesson with /%s, or type /%s.", e.firstInstalled(), e.statusName())
	}
	return e.lesson(lessonID)
}

// answeredQuestion is the question an answer is for: the one the message
// names (a reply to an earlier card's question), else the question on the
// learner's current card (errNoQuestion when it has none).
func (e *request) answeredQuestion(les *course.Lesson, p coursebot.Progress, id string) (*course.Card, *course.QuestionDef, error) {
	if id == "" {
		card := e.cardOf(les, p)
		if q := card.Question(); q != nil {
			return card, q, nil
		}
		return nil, nil, errNoQuestion
	}
	var card *course.Card
	var q *course.QuestionDef
	for _, c := range les.Cards {
		if cq := c.Question(); cq != nil && cq.ID == id {
			card, q = c, cq // the last card asking it, as before
		}
	}
	if q == nil {
		return nil, nil, refuse(coursebot.ENOTFOUND, "That question is no longer in Lesson %s; your answer was not saved.", dotted(les.ID))
	}
	return card, q, nil
}

// clipRunes keeps the first limit characters of text and says whether it
// cut any.
func clipRunes(text string, limit int) (string, bool) {
	if utf8.RuneCountInString(text) <= limit {
		return text, false
	}
	return string([]rune(text)[:limit]), true
}

// saveAnswer records a as the answer to question id (no longer skipped).
func saveAnswer(p *coursebot.Progress, id string, a coursebot.Answer, now time.Time) {
	if p.Answers == nil {
		p.Answers = map[string]coursebot.Answer{}
	}
	p.Answers[id] = a
	delete(p.Skipped, id)
	p.Updated = now
}

// answerReply confirms a saved answer. The card's reading is already on
// screen above the learner's answer: it shows the question, the answer and
// the follow-up only.
func (e *request) answerReply(les *course.Lesson, card *course.Card, p coursebot.Progress, truncated bool) bot.Reply {
	r := e.render(les, card, p)
	note := "Saved your answer."
	if truncated {
		note = fmt.Sprintf("Saved the first %d characters of your answer (that is the longest answer kept).", e.answerLimit)
	}
	for i, b := range r.Blocks {
		if b.Kind == bot.BlockQuestion {
			r.Blocks = r.Blocks[i:]
			break
		}
	}
	r.Blocks = append([]bot.Block{{Kind: bot.BlockMarkdown, Text: note}}, r.Blocks...)
	return r
}
