package scheduler

import (
	"context"
	"errors"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/coursebot/coursebot"

	"github.com/coursebot/coursebot/bot"
)

// Executing a run: its pending recipients, in order, then the report.

// outcome of one recipient.
type outcome struct {
	recipient string
	err       error // permanent failure
}

// execute sends run to its recipients still pending. resumed says the run
// was interrupted before (a restart): its sends may have been made in part.
func (s *Scheduler) execute(ctx context.Context, sch coursebot.Schedule, run coursebot.Run, resumed bool) (err error) {
	failures := false
	defer func() {
		if s.o.OnRun != nil {
			s.o.OnRun(sch.Kind, runResult(ctx, err, failures))
		}
	}()
	done, err := s.o.Store.Deliveries(ctx, run)
	if err != nil {
		return err
	}
	pending, failed := sortDeliveries(run, done)
	var reminder []bot.Reply
	if sch.Kind == coursebot.KindReminder && len(pending) > 0 {
		if reminder, err = s.reminderReplies(ctx, sch, run); err != nil {
			return err
		}
	}
	newlyFailed, cancelled := s.sendAll(ctx, sch, run, pending, reminder, resumed)
	failed = append(failed, newlyFailed...)
	if err := ctx.Err(); err != nil {
		return err
	}
	failures = len(failed) > 0
	if len(failed) > 0 && !cancelled {
		s.report(ctx, sch, run, failed, done)
	}
	if err := s.o.Store.FinishRun(context.WithoutCancel(ctx), run); err != nil {
		return err
	}
	s.log.Info("run finished", "schedule", sch.ID, "at", run.At, "recipients", len(run.Recipients), "failed", len(failed))
	return nil
}

// runResult is how a run ended, for OnRun's count.
func runResult(ctx context.Context, err error, failures bool) string {
	switch {
	case err != nil && ctx.Err() != nil:
		return "interrupted"
	case err != nil:
		return "error"
	case failures:
		return "failures"
	}
	return "ok"
}

// sortDeliveries splits a run's recipients by what an earlier attempt
// recorded: those still pending, and those that failed for good (the
// failure reports' own recipients aside).
func sortDeliveries(run coursebot.Run, done map[string]coursebot.Delivery) (pending []string, failed []outcome) {
	for _, r := range run.Recipients {
		if _, ok := done[r]; !ok {
			pending = append(pending, r)
		}
	}
	for _, d := range done {
		if d.Status == coursebot.DeliveryFailed && !strings.HasPrefix(d.Recipient, reportPrefix) {
			failed = append(failed, outcome{recipient: d.Recipient, err: errors.New(d.Err)})
		}
	}
	return pending, failed
}

// sendAll delivers to the pending recipients on s.o.Workers workers, in
// order, until ctx ends. Every 64th send it checks that the schedule still
// exists: cancelled reports a /cohort cancel during the run, after which
// nothing more is sent. It returns the recipients that failed for good.
func (s *Scheduler) sendAll(ctx context.Context, sch coursebot.Schedule, run coursebot.Run, pending []string, reminder []bot.Reply, resumed bool) (failed []outcome, cancelled bool) {
	jobs := make(chan string)
	var (
		mu      sync.Mutex
		wg      sync.WaitGroup
		stopped atomic.Bool
		sent    atomic.Int64
	)
	for range min(s.o.Workers, max(1, len(pending))) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for r := range jobs {
				if stopped.Load() {
					continue
				}
				if n := sent.Add(1); n%64 == 0 {
					if _, ok, err := s.o.Store.Schedule(ctx, sch.ID); err == nil && !ok {
						stopped.Store(true) // /cohort cancel during the run
						continue
					}
				}
				o, err := s.deliverGuarded(ctx, sch, run, r, reminder, resumed)
				if err != nil {
					continue // ctx done: the run stays open and resumes
				}
				if o.err != nil {
					mu.Lock()
					failed = append(failed, o)
					mu.Unlock()
				}
			}
		}()
	}
feed:
	for _, r := range pending {
		select {
		case jobs <- r:
		case <-ctx.Done():
			break feed
		}
	}
	close(jobs)
	wg.Wait()
	return failed, stopped.Load()
}
