package slack

import (
	"context"
	"time"
)

// queue is one learner's pending work, run in order by one goroutine that
// exists only while there is work.
type queue struct {
	jobs []func(context.Context)
}

// enqueue adds job to the learner's queue and starts the learner's worker
// if none runs. It reports false once the adapter is shutting down.
func (a *Adapter) enqueue(learner string, job func(context.Context)) bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.closed {
		return false
	}
	q, running := a.queues[learner]
	if !running {
		q = &queue{}
		a.queues[learner] = q
	}
	q.jobs = append(q.jobs, job)
	if !running {
		a.wg.Add(1)
		go a.work(learner, q)
	}
	return true
}

func (a *Adapter) work(learner string, q *queue) {
	defer a.wg.Done()
	for {
		a.mu.Lock()
		if len(q.jobs) == 0 {
			delete(a.queues, learner)
			a.mu.Unlock()
			return
		}
		job := q.jobs[0]
		q.jobs[0] = nil
		q.jobs = q.jobs[1:]
		a.mu.Unlock()
		a.slots <- struct{}{}
		a.runJob(job)
		<-a.slots
	}
}

func (a *Adapter) runJob(job func(context.Context)) {
	defer a.opts.Panics.Recover("slack worker")
	job(a.base)
}

// goBackground runs f on an adapter-owned goroutine (modal opening, which
// must not wait behind a learner's queue: its trigger expires in 3 s).
func (a *Adapter) goBackground(f func(context.Context)) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.closed {
		return
	}
	a.wg.Add(1)
	go func() {
		defer a.wg.Done()
		a.runJob(f)
	}()
}

// drain refuses new work, waits up to grace for queued work, then cancels
// what still runs and waits for it to stop.
func (a *Adapter) drain(grace time.Duration) {
	a.mu.Lock()
	a.closed = true
	a.mu.Unlock()
	done := make(chan struct{})
	go func() { a.wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(grace):
		a.log.Warn("shutdown: cancelling unfinished work", "grace", grace)
	}
	a.cancel()
	<-done
}
