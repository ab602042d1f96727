package delivery

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/coursebot/coursebot/internal/recovery"
)

// Queue runs jobs in submission order per key (one learner, one channel)
// with at most Workers jobs running at once across keys. A key has a
// goroutine only while it has work, so idle learners cost nothing, and a
// learner waiting out a rate limit holds one slot, never another learner's
// place in line.
type Queue struct {
	log    *slog.Logger
	panics *recovery.Panics
	slots  chan struct{}

	ctx    context.Context // jobs' context, cancelled when the grace ends
	cancel context.CancelFunc

	closing chan struct{} // closed by Close: jobs not started are dropped

	mu     sync.Mutex
	queues map[string][]job
	queued int
	closed bool
	wg     sync.WaitGroup
}

type job struct {
	run  func(context.Context)
	drop func() // told the job will not run (shutdown); may be nil
}

// QueueOptions configure a Queue.
type QueueOptions struct {
	// Workers bounds how many jobs run at once (default 64).
	Workers int
	Log     *slog.Logger
	// Panics gets every panic a job raises (logged and counted once, see
	// recovery.Panics); the queue goes on with the next job.
	Panics *recovery.Panics
}

// NewQueue returns a running queue.
func NewQueue(o QueueOptions) *Queue {
	if o.Workers <= 0 {
		o.Workers = 64
	}
	if o.Log == nil {
		o.Log = slog.Default()
	}
	if o.Panics == nil {
		o.Panics = &recovery.Panics{Log: o.Log}
	}
	q := &Queue{log: o.Log, panics: o.Panics, slots: make(chan struct{}, o.Workers), queues: map[string][]job{}, closing: make(chan struct{})}
	q.ctx, q.cancel = context.WithCancel(context.Background())
	return q
}

// Submit queues run for key. drop, if not nil, is called instead of run if
// the queue closes before run starts. Submit reports false (and calls
// neither) once the queue is closed.
func (q *Queue) Submit(key string, run func(context.Context), drop func()) bool {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.closed {
		return false
	}
	jobs, running := q.queues[key]
	q.queues[key] = append(jobs, job{run: run, drop: drop})
	q.queued++
	if !running {
		q.wg.Add(1)
		go q.work(key)
	}
	return true
}

// Do runs f on key's worker and waits for it (or for ctx). It is how a
// caller outside a request (the scheduler) keeps its sends in order with
// the learner's own work.
func (q *Queue) Do(ctx context.Context, key string, f func(context.Context) error) error {
	done := make(chan error, 1)
	ok := q.Submit(key, func(wctx context.Context) {
		// The caller's context bounds the work, the queue's ends it at
		// shutdown; the caller's values (the idempotency key) are kept.
		cctx, cancel := context.WithCancel(ctx)
		defer cancel()
		stop := context.AfterFunc(wctx, cancel)
		defer stop()
		done <- f(cctx)
	}, func() { done <- ErrClosed })
	if !ok {
		return ErrClosed
	}
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Len is the number of jobs queued or running.
func (q *Queue) Len() int {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.queued
}

func (q *Queue) work(key string) {
	defer q.wg.Done()
	for {
		q.mu.Lock()
		jobs := q.queues[key]
		if len(jobs) == 0 || q.closed {
			delete(q.queues, key)
			q.queued -= len(jobs)
			q.mu.Unlock()
			for _, j := range jobs {
				if j.drop != nil {
					j.drop()
				}
			}
			return
		}
		j := jobs[0]
		jobs[0] = job{}
		q.queues[key] = jobs[1:]
		q.mu.Unlock()

		run := false
		select {
		case q.slots <- struct{}{}:
			select {
			case <-q.closing: // closed while waiting for the slot
			default:
				run = true
			}
			if run {
				q.runJob(j)
			}
			<-q.slots
		case <-q.closing:
		}
		if !run && j.drop != nil {
			j.drop()
		}
		q.mu.Lock()
		q.queued--
		q.mu.Unlock()
	}
}

func (q *Queue) runJob(j job) {
	defer q.panics.Recover("delivery worker")
	j.run(q.ctx)
}

// Go runs f on a goroutine the queue waits for at Close (work that must not
// wait behind a learner's queue, such as opening a modal within 3 s).
func (q *Queue) Go(f func(context.Context)) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.closed {
		return
	}
	q.wg.Add(1)
	go func() {
		defer q.wg.Done()
		q.runJob(job{run: f})
	}()
}

// Close stops taking work and drops the jobs that have not started (their
// drop functions run: an inbox item stays in the inbox for the next
// start). Jobs already running get up to grace to finish; then their
// context is cancelled and Close waits for them to return.
func (q *Queue) Close(grace time.Duration) {
	q.mu.Lock()
	if !q.closed {
		q.closed = true
		close(q.closing)
	}
	q.mu.Unlock()
	done := make(chan struct{})
	go func() { q.wg.Wait(); close(done) }()
	t := time.NewTimer(grace)
	defer t.Stop()
	select {
	case <-done:
	case <-t.C:
		q.log.Warn("shutdown: cancelling work still running after the grace period", "grace", grace)
	}
	q.cancel()
	<-done
}

// Closed reports whether Close has been called.
func (q *Queue) Closed() bool {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.closed
}
