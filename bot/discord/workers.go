package discord

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/coursebot/coursebot/bot"
)

// workers runs jobs in submission order per key (one learner), with one
// goroutine per key that has work and none for idle learners. Different
// keys run concurrently, so one learner's rate-limit wait or slow call never
// delays another's.
type workers struct {
	ctx    context.Context
	log    *slog.Logger
	panics *bot.Panics
	mu     sync.Mutex
	queues map[string][]func(context.Context)
	closed bool
	wg     sync.WaitGroup
}

func newWorkers(ctx context.Context, log *slog.Logger, panics *bot.Panics) *workers {
	if panics == nil {
		panics = &bot.Panics{Log: log}
	}
	return &workers{ctx: ctx, log: log, panics: panics, queues: make(map[string][]func(context.Context))}
}

// submit queues job for key. It reports false once the workers are closed.
func (w *workers) submit(key string, job func(context.Context)) bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.closed {
		return false
	}
	q, running := w.queues[key]
	w.queues[key] = append(q, job)
	if !running {
		w.wg.Add(1)
		go w.run(key)
	}
	return true
}

// goBackground runs fn in the same group (waited for by close).
func (w *workers) goBackground(fn func(context.Context)) {
	w.wg.Add(1)
	go func() {
		defer w.wg.Done()
		defer w.panics.Recover("discord background")
		fn(w.ctx)
	}()
}

func (w *workers) run(key string) {
	defer w.wg.Done()
	for {
		w.mu.Lock()
		q := w.queues[key]
		if len(q) == 0 {
			delete(w.queues, key)
			w.mu.Unlock()
			return
		}
		job := q[0]
		q[0] = nil
		w.queues[key] = q[1:]
		w.mu.Unlock()
		w.runOne(job)
	}
}

func (w *workers) runOne(job func(context.Context)) {
	defer w.panics.Recover("discord worker")
	job(w.ctx)
}

// close refuses new work and waits up to grace for queued work to finish.
func (w *workers) close(grace time.Duration) {
	w.mu.Lock()
	w.closed = true
	w.mu.Unlock()
	done := make(chan struct{})
	go func() { w.wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(grace):
		w.log.Warn("discord workers still busy at shutdown")
	}
}

// recentSet remembers the last n ids to drop duplicate deliveries before
// they cost an acknowledgement; the Store's FirstSeen is the durable check.
type recentSet struct {
	mu   sync.Mutex
	ids  map[string]struct{}
	ring []string
	next int
}

func newRecentSet(n int) *recentSet {
	return &recentSet{ids: make(map[string]struct{}, n), ring: make([]string, n)}
}

// add records id and reports whether it was new.
func (r *recentSet) add(id string) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	if _, ok := r.ids[id]; ok {
		return false
	}
	if old := r.ring[r.next]; old != "" {
		delete(r.ids, old)
	}
	r.ring[r.next] = id
	r.next = (r.next + 1) % len(r.ring)
	r.ids[id] = struct{}{}
	return true
}
