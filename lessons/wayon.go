package lessons

import (
	"context"
	"fmt"
	"strings"

	"github.com/coursebot/coursebot"
	"github.com/coursebot/coursebot/bot"
	"github.com/coursebot/coursebot/course"
)

// No dead ends: every reply the engine gives a learner in a lesson offers
// a way on that works (docs/learner-experience.md "A way on from
// everywhere"). The card's own buttons do on a card; a reply about the
// card (the plan, a refusal of typed text) carries the same buttons; the
// end of a lesson and of its retries offer the learner's progress.

// verbStatus shows the learner's progress (the course's status command),
// the way on from the end of a lesson.
const verbStatus = "status"

// statusButton shows the learner's progress.
func statusButton(les *course.Lesson) bot.Button {
	return bot.Button{Label: "Your progress", Action: bot.Action{Verb: verbStatus, Lesson: les.ID}.Encode()}
}

// navButtons are the buttons of card c for a learner with progress p:
// Back (except on the first card), then Skip question on a question or
// quiz still waiting for its answer, Finish lesson on the last card, Next
// on the others, and Steps in a lesson of more than one step.
func navButtons(les *course.Lesson, c *course.Card, p coursebot.Progress) []bot.Button {
	at := func(verb string) string { return bot.Action{Verb: verb, Lesson: les.ID, At: c.Key}.Encode() }
	var out []bot.Button
	if c.Index > 0 {
		out = append(out, bot.Button{Label: "Back", Action: at(bot.VerbBack)})
	}
	switch {
	case waiting(les, c, p):
		out = append(out, bot.Button{Label: "Skip question", Action: at(bot.VerbSkip)})
	case c.Index == len(les.Cards)-1:
		out = append(out, bot.Button{Label: "Finish lesson", Action: at(bot.VerbNext), Style: bot.StylePrimary})
	default:
		out = append(out, bot.Button{Label: "Next", Action: at(bot.VerbNext), Style: bot.StylePrimary})
	}
	if len(les.Steps) > 1 {
		out = append(out, stepsButton(les))
	}
	return out
}

// waiting reports whether card c's question or quiz still waits for the
// learner's answer (neither answered nor skipped).
func waiting(les *course.Lesson, c *course.Card, p coursebot.Progress) bool {
	if q := c.Question(); q != nil {
		_, answered := p.Answers[q.ID]
		return !answered && !p.Skipped[q.ID]
	}
	if q := c.Quiz(); q != nil {
		r := p.Quiz[q.ID]
		return r.Tries == 0 && !r.Skipped
	}
	return false
}

// wayOn returns the buttons that move a learner with progress p on in
// les, and the sentence that names the first of them: on a card, its own
// buttons; in a completed lesson, Retry missed (when a quiz was missed)
// and Your progress; in a lesson not started, Start.
func wayOn(les *course.Lesson, c *course.Card, p coursebot.Progress) (string, []bot.Button) {
	switch p.State() {
	case coursebot.StateNotStarted:
		return fmt.Sprintf("Press Start (or type /%s) to begin.", les.Command),
			[]bot.Button{{Label: "Start Lesson " + dotted(les.ID), Action: bot.Action{Verb: bot.VerbOpen, Lesson: les.ID}.Encode(), Style: bot.StylePrimary}}
	case coursebot.StateCompleted:
		_, retry := quizCompletion(les, p)
		if len(retry) > 0 {
			return fmt.Sprintf("You have finished Lesson %s: press Retry missed for the quiz questions you missed, or Your progress for the whole course.", dotted(les.ID)),
				append(retry, statusButton(les))
		}
		return fmt.Sprintf("You have finished Lesson %s: press Your progress for the whole course.", dotted(les.ID)), []bot.Button{statusButton(les)}
	}
	buttons := navButtons(les, c, p)
	forward := buttons[0]
	if c.Index > 0 {
		forward = buttons[1]
	}
	return fmt.Sprintf("Press %s to go on (or type %s).", forward.Label, strings.ToLower(strings.Fields(forward.Label)[0])), buttons
}

// navWords are what a learner types to move on. Typed where an answer is
// expected they are not saved as the answer (a learner who types "next"
// means the button).
var navWords = map[string]bool{"next": true, "back": true, "skip": true, "continue": true, "finish": true, "done": true}

// IsNavWord reports whether text is only such a word ("Next.", "skip!"):
// a press meant, never an answer or a reply to the tutor.
func IsNavWord(text string) bool {
	return navWords[strings.ToLower(strings.TrimRight(strings.TrimSpace(text), ".!"))]
}

// notAnAnswer answers typed text that is not an answer: a navigation word,
// or any text where no question waits. It is a refusal that names the way
// on and carries its buttons (or the store's error); nothing is saved.
func (e *request) notAnAnswer(ctx context.Context, who coursebot.Learner, les *course.Lesson, text string) error {
	p, err := e.store.Progress(ctx, who.Key(), les.ID)
	if err != nil {
		return err
	}
	card := e.cardOf(les, p)
	how, buttons := wayOn(les, card, p)
	msg := "No question is waiting on this card. " + how
	if IsNavWord(text) {
		msg = fmt.Sprintf("“%s” is not saved as an answer. %s", strings.TrimSpace(text), how)
		if p.State() == coursebot.StateInProgress && waiting(les, card, p) {
			msg = fmt.Sprintf("“%s” is not saved as your answer: type your answer, or press Skip question to go on without one.", strings.TrimSpace(text))
		}
	}
	return bot.Offer(coursebot.Errorf(coursebot.ECONFLICT, "%s", msg), buttons...)
}
