package lessons

import (
	"context"
	"time"

	"github.com/coursebot/coursebot"
	"github.com/coursebot/coursebot/bot"
	"github.com/coursebot/coursebot/course"
)

// move changes the learner's position. A press carries the card it was
// shown on: a stale or double press changes nothing.
func (e *request) move(ctx context.Context, who coursebot.Learner, les *course.Lesson, a bot.Action) ([]bot.Reply, error) {
	now := e.now()
	var completedNow bool
	_, p, err := e.store.UpdateProgress(ctx, who.Key(), les.ID, func(rec *coursebot.LearnerRecord, p *coursebot.Progress) error {
		touch(rec, who, les.ID, now)
		var err error
		completedNow, err = e.step(les, p, a, now)
		return err
	})
	if err != nil {
		return nil, err
	}
	if completedNow {
		return []bot.Reply{e.completion(les, p)}, nil
	}
	return []bot.Reply{e.render(les, e.cardOf(les, p), p)}, nil
}

// step moves p as the press a asks (restart, resume, back, next or skip)
// and reports whether that press completed the lesson.
func (e *request) step(les *course.Lesson, p *coursebot.Progress, a bot.Action, now time.Time) (completed bool, err error) {
	if p.State() == coursebot.StateNotStarted {
		if a.Verb != bot.VerbRestart && a.Verb != bot.VerbResume {
			return false, refuse(coursebot.ECONFLICT, "You have not started Lesson %s yet: type /%s.", dotted(les.ID), les.Command)
		}
		p.Started = now
	}
	cur := e.cardOf(les, *p)
	if (a.Verb == bot.VerbNext || a.Verb == bot.VerbBack || a.Verb == bot.VerbSkip) && !cur.HasKey(a.At) {
		return false, e.stale(les, cur)
	}
	idx := cur.Index
	switch a.Verb {
	case bot.VerbRestart:
		idx = 0
		p.Completed = time.Time{}
	case bot.VerbResume:
	case bot.VerbBack:
		if idx == 0 {
			return false, refuse(coursebot.ECONFLICT, "This is the first card of the lesson.")
		}
		idx--
	case bot.VerbSkip, bot.VerbNext:
		if idx, completed, err = e.forward(les, cur, p, a.Verb, now); err != nil {
			return false, err
		}
	}
	p.Card, p.CardIndex, p.Updated = les.Cards[idx].Key, idx, now
	p.Reach(p.Card, now)
	return completed, nil
}

// forward leaves cur by Next or Skip: the card's quiz and question must
// allow it, and on the last card the lesson completes (once). It returns
// the index of the card the learner is on after the press.
func (e *request) forward(les *course.Lesson, cur *course.Card, p *coursebot.Progress, verb string, now time.Time) (idx int, completed bool, err error) {
	if err := quizSkip(cur, p, verb, now); err != nil {
		return 0, false, err
	}
	if err := leaveQuestion(cur, p, verb); err != nil {
		return 0, false, err
	}
	if cur.Index < len(les.Cards)-1 {
		return cur.Index + 1, false, nil
	}
	if p.State() == coursebot.StateCompleted {
		return 0, false, e.stale(les, cur)
	}
	p.Completed = now
	return cur.Index, true, nil
}

// leaveQuestion lets the learner past the card's unanswered question:
// Skip records it as skipped, Next is refused unless it was skipped before.
func leaveQuestion(cur *course.Card, p *coursebot.Progress, verb string) error {
	q := cur.Question()
	if q == nil {
		return nil
	}
	if _, answered := p.Answers[q.ID]; answered {
		return nil
	}
	if verb == bot.VerbNext && !p.Skipped[q.ID] {
		return refuse(coursebot.ECONFLICT, "Answer the question (just reply with your answer) or press Skip question.")
	}
	if p.Skipped == nil {
		p.Skipped = map[string]bool{}
	}
	p.Skipped[q.ID] = true
	return nil
}

func (e *request) stale(les *course.Lesson, cur *course.Card) error {
	return bot.Offer(coursebot.Errorf(coursebot.ECONFLICT, "Already done: that button is from an earlier card. You are on card %d of %d (%s).", cur.Index+1, len(les.Cards), cur.Title),
		bot.Button{Label: "Show where I am", Action: bot.Action{Verb: bot.VerbResume, Lesson: les.ID}.Encode()})
}
