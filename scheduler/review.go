package scheduler

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/coursebot/coursebot"
	"github.com/coursebot/coursebot/bot"
	"github.com/coursebot/coursebot/lessons"
)

// ProgressStore reads learners' progress for nudges and digests and
// updates it for reviews (*store.DB).
type ProgressStore interface {
	Progress(ctx context.Context, learner, lesson string) (coursebot.Progress, error)
	LearnerProgress(ctx context.Context, learner string) ([]coursebot.Progress, error)
	UpdateProgress(ctx context.Context, learner, lesson string, fn func(*coursebot.LearnerRecord, *coursebot.Progress) error) (coursebot.LearnerRecord, coursebot.Progress, error)
}

// ReviewScheduleID is the id of the spaced-review check: on the nudges'
// check spec, it DMs learners whose missed quiz questions have come due
// (lessons.ReviewStages: 1, 3 and 7 days after the miss).
const ReviewScheduleID = "review"

// syncReviewSchedule keeps the review check's schedule in step with the
// options (the nudges' check spec and zone).
func (s *Scheduler) syncReviewSchedule(ctx context.Context) error {
	if !s.o.Nudges.Reviews {
		return nil
	}
	spec, zone, err := nudgeSpec(s.o.Nudges)
	if err != nil {
		return err
	}
	cur, ok, err := s.o.Store.Schedule(ctx, ReviewScheduleID)
	if err != nil {
		return err
	}
	if ok && cur.Spec == spec && cur.Timezone == zone {
		return nil
	}
	sch := coursebot.Schedule{ID: ReviewScheduleID, Kind: coursebot.KindReview, Spec: spec, Timezone: zone, Created: s.o.Now()}
	if ok {
		sch.Created, sch.Last = cur.Created, cur.Last
	}
	_, err = s.o.Store.PutSchedule(ctx, sch)
	return err
}

// reviewRecipients are the learners who get a review DM at at.
func (s *Scheduler) reviewRecipients(ctx context.Context, at time.Time) ([]string, error) {
	return s.learnersDue(ctx, at, func(l string) (bool, error) {
		due, why, err := s.reviewDue(ctx, l, at)
		return why == "" && len(due) > 0, err
	})
}

// reviewDue returns what a learner has due for review and, when they get
// no DM now, why not.
func (s *Scheduler) reviewDue(ctx context.Context, learner string, now time.Time) ([]lessons.ReviewDue, string, error) {
	st, err := s.o.Store.NudgeState(ctx, learner)
	if err != nil {
		return nil, "", err
	}
	switch {
	case st.OptOut:
		return nil, "opted out", nil
	case now.Before(st.SnoozeUntil):
		return nil, "snoozed", nil
	case s.o.Nudges.Quiet(now):
		return nil, "quiet hours", nil
	}
	all, err := s.o.Store.LearnerProgress(ctx, learner)
	if err != nil {
		return nil, "", err
	}
	due := lessons.DueReviews(s.o.Course(), all, now)
	for _, d := range due {
		if d.Announce {
			return due, "", nil
		}
	}
	if len(due) == 0 {
		return nil, "nothing due", nil
	}
	return nil, "already announced", nil
}

// reviewReplies is the DM for one learner, or a reason to skip them.
func (s *Scheduler) reviewReplies(ctx context.Context, learner string) ([]bot.Reply, []lessons.ReviewDue, string, error) {
	due, why, err := s.reviewDue(ctx, learner, s.o.Now())
	if err != nil || why != "" {
		return nil, nil, why, err
	}
	return ReviewReplies(due), due, "", nil
}

// reviewSent records that the DM announced the learner's due questions, so
// the same stage is not announced twice.
func (s *Scheduler) reviewSent(ctx context.Context, learner string, due []lessons.ReviewDue) error {
	now := s.o.Now()
	course := s.o.Course()
	for _, d := range due {
		_, _, err := s.o.Store.UpdateProgress(ctx, learner, d.Lesson, func(_ *coursebot.LearnerRecord, p *coursebot.Progress) error {
			lessons.MarkAnnounced(course, p, now)
			return nil
		})
		if err != nil {
			return fmt.Errorf("record review DM: %w", err)
		}
	}
	return nil
}

// ReviewReplies renders the review DM: "2 questions from Lesson 2.1 to
// review", with Review now, Snooze 1 day and Stop these reminders.
func ReviewReplies(due []lessons.ReviewDue) []bot.Reply {
	var lines []string
	for _, d := range due {
		n := len(d.Quizzes)
		what := "1 question"
		if n != 1 {
			what = fmt.Sprintf("%d questions", n)
		}
		lines = append(lines, fmt.Sprintf("%s from Lesson %s to review", what, strings.Replace(d.Lesson, "-", ".", 1)))
	}
	text := strings.Join(lines, "\n") + fmt.Sprintf("\n\nQuestions you missed come back after 1, 3 and 7 days. Press Review now, or type /%s.", lessons.ReviewCommand)
	return []bot.Reply{{
		Title:  "Time to review",
		Blocks: []bot.Block{{Kind: bot.BlockMarkdown, Text: text}},
		Buttons: []bot.Button{
			{Label: "Review now", Action: bot.Action{Verb: lessons.VerbReview}.Encode(), Style: bot.StylePrimary},
			{Label: "Snooze 1 day", Action: bot.Action{Verb: bot.VerbSnooze, Value: "24"}.Encode()},
			{Label: "Stop these reminders", Action: bot.Action{Verb: VerbNudges, Value: "off"}.Encode()},
		},
	}}
}
