package lessons

import (
	"context"
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"github.com/coursebot/coursebot"
	"github.com/coursebot/coursebot/bot"
	"github.com/coursebot/coursebot/course"
)

// Jumping to a step: `/start-4-4 step 5`, or the Steps button on every card,
// which lists the lesson's steps as buttons.
const (
	verbSteps = "steps" // list the steps of Action.Lesson
	verbGoto  = "goto"  // go to step Action.Value of Action.Lesson
)

var stepArg = regexp.MustCompile(`(?i)^(?:step\s*)?(\d+)$`)

// parseStepArg reads "step 5" (or "5") after /start-X-Y.
func parseStepArg(args string) (int, bool) {
	m := stepArg.FindStringSubmatch(strings.TrimSpace(args))
	if m == nil {
		return 0, false
	}
	n, err := strconv.Atoi(m[1])
	return n, err == nil
}

// stepsButton is the Steps button shown on every card of a lesson.
func stepsButton(les *course.Lesson) bot.Button {
	return bot.Button{Label: "Steps", Action: bot.Action{Verb: verbSteps, Lesson: les.ID}.Encode()}
}

// steps lists a lesson's steps, each a button that goes there.
func (e *request) steps(les *course.Lesson) []bot.Reply {
	var lines []string
	var buttons []bot.Button
	for i, s := range les.Steps {
		dur := ""
		if s.Minutes > 0 {
			dur = fmt.Sprintf(" (%d min)", s.Minutes)
		}
		lines = append(lines, fmt.Sprintf("%d. %s%s", s.Number, escapeMarkdown(s.Title), dur))
		buttons = append(buttons, bot.Button{Label: course.Clip(fmt.Sprintf("%d. %s", s.Number, s.Title), 70),
			Action: bot.Action{Verb: verbGoto, Lesson: les.ID, Value: strconv.Itoa(i + 1)}.Encode()})
	}
	text := strings.Join(lines, "\n") + fmt.Sprintf("\n\nPress a step, or type /%s step N.", les.Command)
	return []bot.Reply{{Ephemeral: true, Title: "Steps of Lesson " + dotted(les.ID), Blocks: []bot.Block{{Kind: bot.BlockMarkdown, Text: text}}, Buttons: buttons}}
}

// jump moves the learner to the first card of step n (1-based, in the
// script's order) and shows it; the learner's answers, ticks and ratings
// stay as they are.
func (e *request) jump(ctx context.Context, who coursebot.Learner, les *course.Lesson, n int) ([]bot.Reply, error) {
	if n < 1 || n > len(les.Steps) {
		return nil, bot.Offer(coursebot.Errorf(coursebot.EINVALID, "Lesson %s has steps 1 to %d.", dotted(les.ID), len(les.Steps)), stepsButton(les))
	}
	var target *course.Card
	for _, c := range les.Cards {
		if c.Step == n-1 {
			target = c
			break
		}
	}
	if target == nil {
		return nil, refuse(coursebot.ECONFLICT, "Step %d of Lesson %s has nothing to show.", n, dotted(les.ID))
	}
	now := e.now()
	_, p, err := e.store.UpdateProgress(ctx, who.Key(), les.ID, func(rec *coursebot.LearnerRecord, p *coursebot.Progress) error {
		touch(rec, who, les.ID, now)
		if p.State() == coursebot.StateNotStarted {
			p.Started = now
		}
		p.Card, p.CardIndex, p.Updated = target.Key, target.Index, now
		p.Reach(p.Card, now)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return []bot.Reply{e.render(les, target, p)}, nil
}

// stepAction handles the Steps button and a step's button.
func (e *request) stepAction(ctx context.Context, who coursebot.Learner, les *course.Lesson, a bot.Action) ([]bot.Reply, error) {
	if a.Verb == verbSteps {
		return e.steps(les), nil
	}
	n, err := strconv.Atoi(a.Value)
	if err != nil {
		return nil, refuse(coursebot.ENOTFOUND, "That button is not one of mine any more. Type /%s to see where you are.", les.Command)
	}
	return e.jump(ctx, who, les, n)
}

// startAt handles /start-X-Y with arguments: "step N" jumps there.
func (e *request) startAt(ctx context.Context, who coursebot.Learner, id, args string) ([]bot.Reply, error) {
	les, err := e.lesson(id)
	if err != nil {
		return nil, err
	}
	n, ok := parseStepArg(args)
	if !ok {
		return nil, bot.Offer(coursebot.Errorf(coursebot.EINVALID, "Type /%s to open the lesson, or /%s step N to go to step N (1 to %d).", les.Command, les.Command, len(les.Steps)),
			stepsButton(les))
	}
	return e.jump(ctx, who, les, n)
}
