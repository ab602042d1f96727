package scheduler

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/coursebot/coursebot"
)

// The loop: Start resumes interrupted runs and syncs the nudge schedule;
// Run and RunDue claim every schedule that has come due (tick).

// ScheduleStore keeps the schedules the loop fires (*store.DB).
type ScheduleStore interface {
	Schedules(ctx context.Context) ([]coursebot.Schedule, error)
	Schedule(ctx context.Context, id string) (coursebot.Schedule, bool, error)
	PutSchedule(ctx context.Context, s coursebot.Schedule) (coursebot.Schedule, error)
}

// RunStore records each firing before anything is sent, so a restart
// resumes it (*store.DB).
type RunStore interface {
	ClaimRun(ctx context.Context, id string, at time.Time, recipients []string, catchUp bool) (coursebot.Run, bool, error)
	SkipRuns(ctx context.Context, id string, at time.Time) (bool, error)
	OpenRuns(ctx context.Context) ([]coursebot.Run, error)
	FinishRun(ctx context.Context, run coursebot.Run) error
}

// NudgeScheduleID is the id of the nudge check for lesson.
func NudgeScheduleID(lesson string) string { return "nudge-" + lesson }

func nudgeSpec(n NudgeOptions) (spec, zone string, err error) {
	return CheckSpec(n.Check, n.Zone)
}

// Start brings the stored state up to date: the nudge schedule matches
// the options, runs interrupted by a stop are finished, and schedules
// missed while the bot was down are caught up once (or skipped).
func (s *Scheduler) Start(ctx context.Context) error {
	if err := s.syncNudgeSchedule(ctx); err != nil {
		return err
	}
	if err := s.syncReviewSchedule(ctx); err != nil {
		return err
	}
	open, err := s.o.Store.OpenRuns(ctx)
	if err != nil {
		return err
	}
	for _, run := range open {
		sch, ok, err := s.o.Store.Schedule(ctx, run.Schedule)
		if err != nil {
			return err
		}
		if !ok {
			if err := s.o.Store.FinishRun(ctx, run); err != nil {
				return err
			}
			continue
		}
		s.log.Info("resuming run", "schedule", run.Schedule, "at", run.At)
		if err := s.execute(ctx, sch, run, true); err != nil {
			return err
		}
	}
	return s.tick(ctx, true)
}

func (s *Scheduler) syncNudgeSchedule(ctx context.Context) error {
	n := s.o.Nudges
	if !n.Enabled {
		return nil
	}
	spec, zone, err := nudgeSpec(n)
	if err != nil {
		return err
	}
	id := NudgeScheduleID(n.Lesson)
	cur, ok, err := s.o.Store.Schedule(ctx, id)
	if err != nil {
		return err
	}
	if ok && cur.Spec == spec && cur.Timezone == zone {
		return nil
	}
	sch := coursebot.Schedule{ID: id, Kind: coursebot.KindNudge, Spec: spec, Timezone: zone, Lesson: n.Lesson, Created: s.o.Now()}
	if ok {
		sch.Created, sch.Last = cur.Created, cur.Last
	}
	_, err = s.o.Store.PutSchedule(ctx, sch)
	return err
}

// Run starts (see Start) and then fires schedules as they come due until
// ctx is done.
func (s *Scheduler) Run(ctx context.Context) error {
	if err := s.Start(ctx); err != nil {
		if ctx.Err() != nil {
			return nil
		}
		return fmt.Errorf("scheduler start: %w", err)
	}
	for {
		wait := s.untilNext(ctx)
		select {
		case <-ctx.Done():
			return nil
		case <-s.wake:
		case <-s.o.After(wait):
		}
		if err := s.RunDue(ctx); err != nil {
			if ctx.Err() != nil {
				return nil
			}
			// A run that cannot start (the store failing) is still due:
			// try again in a minute rather than at once.
			s.log.Error("scheduler run; retrying in a minute", "err", err)
			select {
			case <-ctx.Done():
				return nil
			case <-s.o.After(time.Minute):
			}
		}
	}
}

// untilNext is how long until the earliest next fire time (at most an hour,
// so a clock that jumps is noticed).
func (s *Scheduler) untilNext(ctx context.Context) time.Duration {
	const maxWait = time.Hour
	scheds, err := s.o.Store.Schedules(ctx)
	if err != nil {
		return time.Minute
	}
	now := s.o.Now()
	wait := maxWait
	for _, sch := range scheds {
		spec, err := Compile(sch.Spec, sch.Timezone)
		if err != nil {
			continue
		}
		next := spec.Next(base(sch))
		if next.IsZero() {
			continue
		}
		wait = min(wait, max(0, next.Sub(now)))
	}
	return wait
}

func base(sch coursebot.Schedule) time.Time {
	if sch.Last.IsZero() {
		return sch.Created
	}
	return sch.Last
}

// RunDue fires every schedule whose time has come, once each however many
// fire times passed, and returns when their runs are done.
func (s *Scheduler) RunDue(ctx context.Context) error { return s.tick(ctx, false) }

func (s *Scheduler) tick(ctx context.Context, startup bool) error {
	scheds, err := s.o.Store.Schedules(ctx)
	if err != nil {
		return err
	}
	now := s.o.Now()
	var wg sync.WaitGroup
	errs := make([]error, len(scheds))
	for i, sch := range scheds {
		if sch.Kind == coursebot.KindNudge && (!s.o.Nudges.Enabled || sch.Lesson != s.o.Nudges.Lesson) {
			continue
		}
		if sch.Kind == coursebot.KindReview && !s.o.Nudges.Reviews {
			continue
		}
		spec, err := Compile(sch.Spec, sch.Timezone)
		if err != nil {
			s.log.Error("schedule cannot be read; skipped", "schedule", sch.ID, "err", err)
			continue
		}
		due, missed := latestDue(spec, base(sch), now)
		if due.IsZero() {
			continue
		}
		if startup && !s.o.CatchUp {
			if _, err := s.o.Store.SkipRuns(ctx, sch.ID, due); err != nil {
				return err
			}
			s.log.Info("skipped runs missed while stopped", "schedule", sch.ID, "missed", missed, "catch_up", false)
			continue
		}
		recipients, err := s.recipients(ctx, sch, due)
		if err != nil {
			return err
		}
		run, claimed, err := s.o.Store.ClaimRun(ctx, sch.ID, due, recipients, startup)
		if err != nil {
			return err
		}
		if !claimed {
			continue
		}
		if missed > 1 {
			s.log.Info("caught up once for missed runs", "schedule", sch.ID, "missed", missed, "at", due)
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer s.o.Panics.Recover("scheduler run")
			errs[i] = s.execute(ctx, sch, run, false)
		}()
	}
	wg.Wait()
	return errors.Join(errs...)
}

// latestDue returns the last fire time in (after, now] and how many there
// were (capped), or the zero time.
func latestDue(spec Spec, after, now time.Time) (time.Time, int) {
	var last time.Time
	n := 0
	for t := after; n < 1_000_000; n++ {
		next := spec.Next(t)
		if next.IsZero() || next.After(now) {
			break
		}
		last, t = next, next
	}
	return last, n
}
