// Package scheduler runs cohort leads' reminders and the course's nudges
// from schedules kept in the store, exactly once across restarts: each run
// (schedule id + fire time) is recorded with its recipients before anything
// is sent, and each delivery after it is made, so a restart resumes a run
// where it stopped and catches up a missed schedule once. Deliveries go
// through the adapters' send paths, paced per platform, retried with
// backoff; a permanently failing recipient is recorded and reported to the
// cohort's leads (or, for nudges, to the admins). See docs/scheduling.md.
package scheduler

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/coursebot/coursebot/bot"
	"github.com/coursebot/coursebot/course"
	"github.com/coursebot/coursebot/internal/recovery"
)

// ChannelSender posts replies to a channel (a cohort's Slack channel or
// Discord channel) outside of a request.
type ChannelSender interface {
	SendChannel(ctx context.Context, channel string, replies []bot.Reply) error
}

// Store is everything the scheduler keeps (*store.DB). Each part is
// declared, with the few methods it needs, in the file that uses it.
type Store interface {
	ScheduleStore // loop.go: the schedules
	RunStore      // loop.go: each firing, claimed before sending
	DeliveryLog   // deliver.go: each recipient's outcome
	Audience      // recipients.go: cohorts, members, learners
	NudgeStore    // recipients.go: nudge state per learner
	ProgressStore // review.go: learners' progress
	Reacher       // deliver.go: which linked account to message
}

// Reacher says which of a person's linked accounts a direct message goes
// to (*store.DB): the one they last came through, or learner itself.
type Reacher interface {
	Reach(ctx context.Context, learner string) (string, error)
}

// NudgeOptions configure the capstone nudges.
type NudgeOptions struct {
	Enabled bool
	Lesson  string
	After   time.Duration // inactivity before a nudge, and between nudges
	Max     int           // nudges per learner and lesson
	// Check is the cron spec on which candidates are checked; a
	// "CRON_TZ=Zone " prefix sets its zone, else Zone.
	Check string
	Zone  string // zone of Check and of the quiet hours
	// Quiet hours, minutes after midnight in Zone; QuietStart == QuietEnd
	// means none. QuietStart > QuietEnd wraps past midnight.
	QuietStart, QuietEnd int
	// Reviews DMs learners whose missed quiz questions are due for review
	// (review.go), on the Check spec, within the quiet hours, respecting
	// opt-out and snooze like nudges; independent of Enabled.
	Reviews bool
}

// Quiet reports whether t falls in the quiet hours.
func (o NudgeOptions) Quiet(t time.Time) bool {
	if o.QuietStart == o.QuietEnd {
		return false
	}
	if loc, err := loadZone(o.Zone); err == nil {
		t = t.In(loc)
	}
	m := t.Hour()*60 + t.Minute()
	if o.QuietStart < o.QuietEnd {
		return m >= o.QuietStart && m < o.QuietEnd
	}
	return m >= o.QuietStart || m < o.QuietEnd
}

// Options are the scheduler's dependencies and settings.
type Options struct {
	Store  Store
	Course func() *course.Course
	// Senders deliver DMs, by platform ("slack", "discord", "console").
	Senders map[string]bot.Sender
	// Channels post to cohort channels, by platform.
	Channels map[string]ChannelSender
	Now      func() time.Time                     // default time.Now
	After    func(time.Duration) <-chan time.Time // the loop's timer; default time.After
	Log      *slog.Logger
	// Panics receives a panic in a run or a send (logged and counted); the
	// send counts as failed and the run goes on. Nil logs to slog.Default.
	Panics  *recovery.Panics
	CatchUp bool // on start, run once each schedule missed while down
	Nudges  NudgeOptions
	// Workers is how many sends of one run may be in flight (default 16).
	// Each send is one attempt: the adapters pace and retry their
	// platform calls (package ratelimit, delivery.Policy).
	Workers int
	// Admins are learner keys told about nudges that could not be sent.
	Admins []string
	// Digest, when set, returns the weekly digest appended to a cohort's
	// reminders whose schedule asks for one.
	Digest func(ctx context.Context, cohort string, now time.Time) (string, error)
	// LeadSummary, when set, returns the leads' weekly summary of a
	// cohort (its figures and their change since last week): a reminder
	// whose schedule asks for the digest also sends it to each of the
	// cohort's leads by direct message.
	LeadSummary func(ctx context.Context, cohort string, now time.Time) ([]bot.Reply, error)
	// OnRun, when set, is told how each run ended: kind is "reminder" or
	// "nudge", result "ok", "failures" (some recipients failed),
	// "interrupted" (stopped; resumed at the next start) or "error".
	OnRun func(kind, result string)
}

// Scheduler runs the stored schedules. Create it with New.
type Scheduler struct {
	o    Options
	log  *slog.Logger
	wake chan struct{}
}

// New returns a scheduler; it does nothing until Run (or RunDue).
func New(o Options) (*Scheduler, error) {
	if o.Store == nil || o.Course == nil {
		return nil, errors.New("scheduler: Store and Course are required")
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.After == nil {
		o.After = time.After
	}
	if o.Log == nil {
		o.Log = slog.Default()
	}
	if o.Workers <= 0 {
		o.Workers = 16
	}
	if o.Nudges.Enabled {
		if o.Nudges.Lesson == "" || o.Nudges.After <= 0 || o.Nudges.Max <= 0 {
			return nil, errors.New("scheduler: nudges need a lesson, an inactivity time and a maximum")
		}
		if _, _, err := nudgeSpec(o.Nudges); err != nil {
			return nil, fmt.Errorf("scheduler: nudge check: %w", err)
		}
	}
	if o.Nudges.Reviews {
		if _, _, err := nudgeSpec(o.Nudges); err != nil {
			return nil, fmt.Errorf("scheduler: review check: %w", err)
		}
	}
	return &Scheduler{o: o, log: o.Log, wake: make(chan struct{}, 1)}, nil
}

// Wake tells a running loop that schedules changed.
func (s *Scheduler) Wake() {
	select {
	case s.wake <- struct{}{}:
	default:
	}
}
