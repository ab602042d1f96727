package lessons

import (
	"fmt"
	"strings"

	"github.com/coursebot/coursebot"
	"github.com/coursebot/coursebot/bot"
	"github.com/coursebot/coursebot/course"
)

// render turns a card and the learner's progress into a platform-neutral
// reply: content, the learner's ticks, ratings and answer, and the buttons
// that fit where the learner is.
func (e *request) render(les *course.Lesson, c *course.Card, p coursebot.Progress) bot.Reply {
	r := bot.Reply{Lesson: les.ID, Card: c.Key, Title: c.Title, Context: cardContext(les, c)}
	if c.Step < 0 {
		r.Context = fmt.Sprintf("Lesson %s · %s%d steps", dotted(les.ID), course.AboutMinutes(les.Minutes), len(les.Steps))
	}
	var options []bot.Button
	for _, b := range c.Blocks {
		switch b.Kind {
		case course.Markdown:
			r.Blocks = append(r.Blocks, bot.Block{Kind: bot.BlockMarkdown, Text: b.Text})
		case course.Code:
			r.Blocks = append(r.Blocks, bot.Block{Kind: bot.BlockCode, Text: b.Text, Lang: b.Lang})
		case course.Checklist, course.Rating:
			out := bot.Block{Kind: bot.BlockChecklist}
			if b.Kind == course.Rating {
				out.Kind = bot.BlockRating
			}
			for _, it := range b.Items {
				out.Items = append(out.Items, bot.Item{ID: it.ID, Group: it.Group, Text: it.Text, Checked: p.Checks[it.ID], Value: p.Ratings[it.ID]})
			}
			r.Blocks = append(r.Blocks, out)
		case course.Question:
			q := b.Question
			a, ok := p.Answers[q.ID]
			r.Blocks = append(r.Blocks, bot.Block{Kind: bot.BlockQuestion, Text: q.Prompt,
				Question: &bot.Question{ID: q.ID, Prompt: q.Prompt, Answered: ok, Answer: a.Text}})
			follow := q.FollowUp
			if ok {
				follow = course.AnswerFollowUp(q, a.Text)
			}
			if (ok || p.Skipped[q.ID]) && follow != "" {
				r.Blocks = append(r.Blocks, bot.Block{Kind: bot.BlockMarkdown, Text: follow})
			}
		case course.Quiz:
			var blocks []bot.Block
			blocks, options, _ = quizView(les, b.Quiz, c.Key, p)
			r.Blocks = append(r.Blocks, blocks...)
		}
	}
	r.Buttons = append(r.Buttons, options...)
	if bg := e.backgroundButtons(les, c, p); len(bg) > 0 {
		r.Blocks = append(r.Blocks, bot.Block{Kind: bot.BlockMarkdown, Text: backgroundPrompt(p)})
		r.Buttons = append(r.Buttons, bg...)
	}
	r.Buttons = append(r.Buttons, navButtons(les, c, p)...)
	return r
}

func cardContext(les *course.Lesson, c *course.Card) string {
	if c.Step < 0 {
		return ""
	}
	s := les.Steps[c.Step]
	dur := ""
	if s.Minutes > 0 {
		dur = fmt.Sprintf(" · about %d min", s.Minutes)
	}
	return fmt.Sprintf("Lesson %s · step %d of %d: %s%s · card %d of %d", dotted(les.ID), s.Number, len(les.Steps), s.Title, dur, c.Index+1, len(les.Cards))
}

// completion is the card shown when a learner finishes a lesson.
func (e *request) completion(les *course.Lesson, p coursebot.Progress) bot.Reply {
	sum := Summarize(les, p)
	var sb strings.Builder
	fmt.Fprintf(&sb, "You completed Lesson %s: %s.\n", dotted(les.ID), les.ShortTitle())
	// Only what the lesson has: a lesson without a checklist says nothing
	// of checklists.
	for _, l := range []struct {
		what      string
		done, all int
	}{{"Questions answered", sum.Answered, sum.Questions}, {"Checklist items ticked", sum.Checked, sum.Items}, {"Self-assessment items rated", sum.Rated, sum.Ratings}} {
		if l.all > 0 {
			fmt.Fprintf(&sb, "\n- %s: %d of %d", l.what, l.done, l.all)
		}
	}
	quiz, retry := quizCompletion(les, p)
	if quiz != "" {
		sb.WriteString("\n- " + quiz)
	}
	fmt.Fprintf(&sb, "\n\nType /%s to see your whole course, or /%s to go through it again.", e.statusName(), les.Command)
	text := sb.String()
	return bot.Reply{Lesson: les.ID, Card: "completed", Title: "Lesson complete", Blocks: []bot.Block{{Kind: bot.BlockMarkdown, Text: text}},
		Buttons: append(retry, statusButton(les), bot.Button{Label: "Back", Action: bot.Action{Verb: bot.VerbBack, Lesson: les.ID, At: les.Cards[len(les.Cards)-1].Key}.Encode()})}
}

// PreviewReplies renders every card of a lesson as a fresh learner sees
// it; adapters use it for renderer golden tests, authors to proofread.
func PreviewReplies(c *course.Course, lessonID string) ([]bot.Reply, error) {
	les, ok := c.Lessons[lessonID]
	if !ok {
		return nil, fmt.Errorf("preview: lesson %q is not installed", lessonID)
	}
	e := &request{Engine: &Engine{}, loaded: &loaded{course: c}}
	out := make([]bot.Reply, 0, len(les.Cards))
	for _, c := range les.Cards {
		out = append(out, e.render(les, c, coursebot.Progress{Lesson: lessonID, Card: c.Key}))
	}
	return out, nil
}

// quizPrompt is the quiz as the learner reads it: the question and, for
// multiple choice, the lettered options.
func quizPrompt(q *course.QuizDef) string {
	var sb strings.Builder
	sb.WriteString("**Quiz:** " + q.Prompt)
	if len(q.Options) > 0 {
		sb.WriteString("\n")
	}
	for _, o := range q.Options {
		fmt.Fprintf(&sb, "\n- **%s)** %s", o.Letter, o.Text)
	}
	switch {
	case q.Multi():
		sb.WriteString("\n\n_Choose all that apply: tick them (or type their letters, such as \"B D\"), then press Check answer._")
	case len(q.Options) == 0:
		sb.WriteString("\n\n_Type your answer._")
	}
	return sb.String()
}
