package scheduler

import (
	"context"
	"fmt"
	"time"

	"github.com/coursebot/coursebot"
)

// Who a run goes to: a cohort's members or channel, or the learners a
// nudge is due for (Eligible).

// Audience says who a run can reach: a cohort's members, every learner
// (*store.DB).
type Audience interface {
	Cohort(ctx context.Context, name string) (coursebot.Cohort, bool, error)
	Members(ctx context.Context, cohort string) ([]coursebot.Member, error)
	Learners(ctx context.Context) ([]string, error)
}

// NudgeStore keeps what the scheduler knows about nudging each learner
// (*store.DB).
type NudgeStore interface {
	NudgeState(ctx context.Context, learner string) (coursebot.NudgeState, error)
	UpdateNudgeState(ctx context.Context, learner string, fn func(*coursebot.NudgeState)) (coursebot.NudgeState, error)
}

// recipients fixes whom a run reaches: the cohort channel, or each member
// by DM when the cohort has none; for nudges, the eligible learners.
func (s *Scheduler) recipients(ctx context.Context, sch coursebot.Schedule, at time.Time) ([]string, error) {
	switch sch.Kind {
	case coursebot.KindReminder:
		c, ok, err := s.o.Store.Cohort(ctx, sch.Cohort)
		if err != nil || !ok {
			return nil, err
		}
		var out []string
		if c.Channel != "" {
			out = append(out, channelRecipient(c.Channel))
		} else {
			members, err := s.o.Store.Members(ctx, sch.Cohort)
			if err != nil {
				return nil, err
			}
			for _, m := range members {
				out = append(out, m.Learner)
			}
		}
		if sch.Digest && s.o.LeadSummary != nil {
			for _, l := range c.Leads {
				out = append(out, leadPrefix+l)
			}
		}
		return out, nil
	case coursebot.KindNudge:
		return s.learnersDue(ctx, at, func(l string) (bool, error) {
			ok, _, err := s.eligible(ctx, l, at)
			return ok, err
		})
	case coursebot.KindReview:
		return s.reviewRecipients(ctx, at)
	}
	return nil, fmt.Errorf("schedule %s: unknown kind %q", sch.ID, sch.Kind)
}

// learnersDue are the learners a DM to every learner reaches at at (a
// nudge, a review): none in quiet hours, else those for whom due says yes.
func (s *Scheduler) learnersDue(ctx context.Context, at time.Time, due func(learner string) (bool, error)) ([]string, error) {
	if s.o.Nudges.Quiet(at) {
		return nil, nil
	}
	learners, err := s.o.Store.Learners(ctx)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, l := range learners {
		ok, err := due(l)
		if err != nil {
			return nil, err
		}
		if ok {
			out = append(out, l)
		}
	}
	return out, nil
}

func channelRecipient(channel string) string { return "#" + channel }

// leadPrefix marks a recipient of a reminder's run who gets the leads'
// weekly summary by direct message ("lead:slack:U123").
const leadPrefix = "lead:"

func (s *Scheduler) eligible(ctx context.Context, learner string, now time.Time) (bool, string, error) {
	p, err := s.o.Store.Progress(ctx, learner, s.o.Nudges.Lesson)
	if err != nil {
		return false, "", err
	}
	st, err := s.o.Store.NudgeState(ctx, learner)
	if err != nil {
		return false, "", err
	}
	ok, why := Eligible(now, p, st, s.o.Nudges)
	return ok, why, nil
}

// Eligible says whether a learner with progress p and nudge state st gets a
// nudge at now, and if not, why not.
func Eligible(now time.Time, p coursebot.Progress, st coursebot.NudgeState, o NudgeOptions) (bool, string) {
	lesson := o.Lesson
	switch {
	case p.State() == coursebot.StateNotStarted:
		return false, "not started"
	case p.State() == coursebot.StateCompleted:
		return false, "finished"
	case st.OptOut:
		return false, "opted out"
	case now.Before(st.SnoozeUntil):
		return false, "snoozed"
	case st.Sent[lesson] >= o.Max:
		return false, "had the most nudges"
	case now.Sub(lastActive(p)) < o.After:
		return false, "active recently"
	case now.Sub(st.Last[lesson]) < o.After:
		return false, "nudged recently"
	case o.Quiet(now):
		return false, "quiet hours"
	}
	return true, ""
}

func lastActive(p coursebot.Progress) time.Time {
	t := p.Updated
	if p.Started.After(t) {
		t = p.Started
	}
	return t
}
