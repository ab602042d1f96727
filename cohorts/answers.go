package cohorts

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/coursebot/coursebot"
	"github.com/coursebot/coursebot/bot"
	"github.com/coursebot/coursebot/bot/markup"
	"github.com/coursebot/coursebot/course"
)

// /cohort answers NAME LESSON [N]: members' free-text answers to one
// question of a lesson at a time (a page per question, with buttons to
// the previous and next), only when the course shares answers with leads
// and only of members who agreed to it; each with the tutor's exchange
// about it, and the question's key points tallied first.

// VerbAnswers is the action of the answers' page buttons: Lesson the
// lesson, Value the cohort, Item the question's number (1-based).
const VerbAnswers = "cohort-answers"

func (h *Handler) answers(ctx context.Context, who coursebot.Learner, args []string) ([]bot.Reply, error) {
	if len(args) < 2 || len(args) > 3 {
		return nil, refuse(coursebot.EINVALID, "Usage: /%s answers NAME LESSON [QUESTION-NUMBER]", h.o.Command)
	}
	page := 1
	if len(args) == 3 {
		n, err := strconv.Atoi(strings.TrimPrefix(args[2], "#"))
		if err != nil {
			return nil, refuse(coursebot.EINVALID, "%q is not a question number: /%s answers %s %s 2 shows the second question's answers.", args[2], h.o.Command, args[0], args[1])
		}
		page = n
	}
	return h.answersPage(ctx, who, args[0], args[1], page)
}

// answersPress is a press of a page button.
func (h *Handler) answersPress(ctx context.Context, who coursebot.Learner, a bot.Action) ([]bot.Reply, error) {
	n, err := strconv.Atoi(a.Item)
	if err != nil {
		return nil, refuse(coursebot.ENOTFOUND, "That button is not one of mine any more. Type /%s answers NAME LESSON.", h.o.Command)
	}
	return h.answersPage(ctx, who, a.Value, a.Lesson, n)
}

func (h *Handler) answersPage(ctx context.Context, who coursebot.Learner, cohort, lesson string, page int) ([]bot.Reply, error) {
	c, _, err := h.leadOf(ctx, who, cohort, "read answers")
	if err != nil {
		return nil, err
	}
	if !h.o.ShareAnswers {
		return nil, refuse(coursebot.EFORBIDDEN, "Learners' answers are private in this course (course.share_answers_with_leads is off); leads see progress only.")
	}
	id := strings.Replace(lesson, ".", "-", 1)
	les, ok := h.o.Course().Lessons[id]
	if !ok {
		return nil, refuse(coursebot.ENOTFOUND, "There is no installed lesson %s.", lesson)
	}
	var qs []*course.QuestionDef
	for _, card := range les.Cards {
		if q := card.Question(); q != nil {
			qs = append(qs, q)
		}
	}
	if len(qs) == 0 {
		return []bot.Reply{notice(fmt.Sprintf("Lesson %s has no questions to answer in words.", dotted(id)))}, nil
	}
	if page < 1 || page > len(qs) {
		return nil, refuse(coursebot.EINVALID, "Lesson %s has questions 1 to %d.", dotted(id), len(qs))
	}
	q := qs[page-1]
	ms, err := h.o.Store.Members(ctx, c.Name)
	if err != nil {
		return nil, err
	}
	var b strings.Builder
	points := newPointTally(les)
	n := 0
	for _, m := range ms {
		if !m.Answers {
			continue // they were not told their answers would be shared
		}
		p, err := h.progressIn(ctx, m.Learner, id)
		if err != nil {
			return nil, err
		}
		a, ok := p.Answers[q.ID]
		if !ok {
			continue
		}
		tutored, err := h.o.Store.TutorRecord(ctx, m.Learner)
		if err != nil {
			return nil, err
		}
		rec, err := h.o.Store.Learner(ctx, m.Learner)
		if err != nil {
			return nil, err
		}
		// The name the platform last gave, with the id when there is one
		// (two learners may share a name).
		name := display(Row{Learner: m.Learner, Name: rec.Name})
		if name != m.Learner {
			fmt.Fprintf(&b, "*%s* (%s)\n", markup.EscapeMarkdown(name), markup.EscapeMarkdown(m.Learner))
		} else {
			fmt.Fprintf(&b, "*%s*\n", markup.EscapeMarkdown(name))
		}
		points.add(q, a.Text)
		fmt.Fprintf(&b, "%s\n", markup.Truncate(a.Text, 600))
		b.WriteString(tutorLines(tutored.AnswerExchange(id, q.ID), a.Text, markup.EscapeMarkdown(name)))
		n++
	}
	if n == 0 {
		b.WriteString("No answers to this question yet.")
	}
	r := titled(fmt.Sprintf("Answers in Lesson %s, cohort %s", dotted(id), c.Name),
		fmt.Sprintf("> %s\n\n", markup.Truncate(q.Prompt, 300))+points.String()+b.String())
	r.Context = fmt.Sprintf("Question %d of %d · %d %s", page, len(qs), n, plural(n, "answer", "answers"))
	at := func(n int) string {
		return bot.Action{Verb: VerbAnswers, Lesson: id, Item: strconv.Itoa(n), Value: c.Name}.Encode()
	}
	if page > 1 {
		r.Buttons = append(r.Buttons, bot.Button{Label: fmt.Sprintf("Question %d", page-1), Action: at(page - 1)})
	}
	if page < len(qs) {
		r.Buttons = append(r.Buttons, bot.Button{Label: fmt.Sprintf("Question %d", page+1), Action: at(page + 1), Style: bot.StylePrimary})
	}
	return []bot.Reply{r}, nil
}

// progressIn is the learner's progress in lesson (zero when none).
func (h *Handler) progressIn(ctx context.Context, learner, lesson string) (coursebot.Progress, error) {
	ps, err := h.o.Store.LearnerProgress(ctx, learner)
	if err != nil {
		return coursebot.Progress{}, err
	}
	for _, p := range ps {
		if p.Lesson == lesson {
			return p, nil
		}
	}
	return coursebot.Progress{Lesson: lesson}, nil
}
