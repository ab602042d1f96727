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
		if s.o.OnRun == nil {
			return
		}
		result := "ok"
		switch {
		case err != nil && ctx.Err() != nil:
			result = "interrupted"
		case err != nil:
			result = "error"
		case failures:
			result = "failures"
		}
		s.o.OnRun(sch.Kind, result)
	}()
	done, err := s.o.Store.Deliveries(ctx, run)
	if err != nil {
		return err
	}
	var pending []string
	for _, r := range run.Recipients {
		if _, ok := done[r]; !ok {
			pending = append(pending, r)
		}
	}
	var failed []outcome
	for _, d := range done {
		if d.Status == coursebot.DeliveryFailed && !strings.HasPrefix(d.Recipient, reportPrefix) {
			failed = append(failed, outcome{recipient: d.Recipient, err: errors.New(d.Err)})
		}
	}
	var reminder []bot.Reply
	if sch.Kind == coursebot.KindReminder && len(pending) > 0 {
		if reminder, err = s.reminderReplies(ctx, sch, run); err != nil {
			return err
		}
	}

	jobs := make(chan string)
	var (
		mu        sync.Mutex
		wg        sync.WaitGroup
		cancelled atomic.Bool
		sent      atomic.Int64
	)
	for range min(s.o.Workers, max(1, len(pending))) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for r := range jobs {
				if cancelled.Load() {
					continue
				}
				if n := sent.Add(1); n%64 == 0 {
					if _, ok, err := s.o.Store.Schedule(ctx, sch.ID); err == nil && !ok {
						cancelled.Store(true) // /cohort cancel during the run
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
	if err := ctx.Err(); err != nil {
		return err
	}
	failures = len(failed) > 0
	if len(failed) > 0 && !cancelled.Load() {
		s.report(ctx, sch, run, failed, done)
	}
	if err := s.o.Store.FinishRun(context.WithoutCancel(ctx), run); err != nil {
		return err
	}
	s.log.Info("run finished", "schedule", sch.ID, "at", run.At, "recipients", len(run.Recipients), "failed", len(failed))
	return nil
}
