// Package ratelimit paces the bot's calls to Slack and Discord so that the
// platforms rarely have to refuse one: every call waits, before it is
// made, until the budgets it draws on (Slack: the method's tier in the
// workspace, the channel's and the workspace's posts; Discord: the bot's
// global budget and the route's bucket, learned from X-RateLimit-*
// headers) have room. A refusal (HTTP 429) still happens now and then;
// it pauses the budgets it names for Retry-After, and the caller's retry
// stage (delivery.Policy) waits it out.
//
// When a budget is short, what a learner waits for goes first: calls
// carry a Priority in their context (Interactive by default); Background
// calls (reminders, nudges, digests) wait behind them, and Optional calls
// (intermediate edits of a streamed reply, disabling an old card's
// buttons) are dropped with ErrSkipped rather than queue.
//
// It is written once, as an http.RoundTripper in front of each adapter's
// HTTP client (NewSlack, NewDiscord), so no call can go around it. Time is
// a Clock: tests run in testing/synctest, benchmarks on a Scaled clock.
package ratelimit

import (
	"context"
	"errors"
	"slices"
	"sync"
	"time"
)

// Priority says whose call goes first when a budget is short.
type Priority int8

const (
	// Optional calls are made only from a budget with room to spare, and
	// never ahead of a waiting call; otherwise they are dropped with
	// ErrSkipped (intermediate edits of a streamed reply, disabling the
	// buttons of a card that is no longer current).
	Optional Priority = iota + 1
	// Background calls wait behind every call a learner waits for:
	// reminders, digests, nudges, review DMs.
	Background
	// Interactive calls are what a learner is waiting for: the first card
	// of a lesson, the answer to a press, a tutor reply's final text. The
	// default.
	Interactive
)

func (p Priority) String() string {
	switch p {
	case Optional:
		return "optional"
	case Background:
		return "background"
	}
	return "interactive"
}

type priorityKey struct{}

// WithPriority returns ctx carrying p for the calls made under it.
func WithPriority(ctx context.Context, p Priority) context.Context {
	return context.WithValue(ctx, priorityKey{}, p)
}

// PriorityOf is the priority ctx carries; Interactive when none.
func PriorityOf(ctx context.Context) Priority {
	if p, ok := ctx.Value(priorityKey{}).(Priority); ok && p >= Optional && p <= Interactive {
		return p
	}
	return Interactive
}

// ErrSkipped is the error of an Optional call dropped because the budget
// it needs is short. The call was not made; nothing is wrong.
var ErrSkipped = errors.New("ratelimit: optional call skipped: the budget is short")

// Rule is a budget: Limit calls per Per, sustained, and up to Burst at
// once (a small allowance: platforms tolerate short bursts but do not
// publish their size).
type Rule struct {
	Limit int
	Per   time.Duration
	Burst int
}

// PerMinute is n calls a minute with the given burst.
func PerMinute(n, burst int) Rule { return Rule{Limit: n, Per: time.Minute, Burst: burst} }

// PerSecond is n calls a second with the given burst.
func PerSecond(n, burst int) Rule { return Rule{Limit: n, Per: time.Second, Burst: burst} }

// rate is the rule's sustained rate in calls per second (0: no rule).
func (r Rule) rate() float64 {
	if r.Limit <= 0 || r.Per <= 0 {
		return 0
	}
	return float64(r.Limit) / r.Per.Seconds()
}

// burst is at least 1 and at most Limit.
func (r Rule) burst() float64 {
	return float64(max(1, min(r.Burst, r.Limit)))
}

// Key names a budget and the rule it starts with. A zero Rule is a budget
// the platform announces (Learn): until the first answer it lets one call
// through at a time.
type Key struct {
	Name string
	Rule Rule
}

// Limiter holds the budgets of one platform account and the calls waiting
// for them. Its zero value is not usable: call New.
type Limiter struct {
	clock Clock

	mu      sync.Mutex
	buckets map[string]*bucket
	waiters []*waiter // best first: priority, then arrival
	seq     uint64
	sweepAt int // how many budgets make the next sweep (see maxIdle)
}

// New returns an empty limiter on clock c (Real when nil).
func New(c Clock) *Limiter {
	if c == nil {
		c = Real()
	}
	return &Limiter{clock: c, buckets: map[string]*bucket{}}
}

// Clock is the limiter's clock.
func (l *Limiter) Clock() Clock { return l.clock }

// Grant is the permission for one call. Call Done once the call has its
// answer (or failed): budgets the platform announces count calls in
// flight.
type Grant struct {
	l      *Limiter
	bs     []*bucket
	Waited time.Duration // how long the call waited for its budget
	once   sync.Once
}

// Done ends the call's use of its budgets.
func (g *Grant) Done() {
	if g == nil {
		return
	}
	g.once.Do(func() {
		g.l.mu.Lock()
		defer g.l.mu.Unlock()
		for _, b := range g.bs {
			b.inflight--
		}
		g.l.dispatch(g.l.clock.Now())
	})
}

// giveBack undoes a grant that was never used (its waiter's context ended
// as it was granted, or a reservation was not spent).
func (g *Grant) giveBack() {
	g.once.Do(func() {
		g.l.mu.Lock()
		defer g.l.mu.Unlock()
		for _, b := range g.bs {
			b.untake()
		}
		g.l.dispatch(g.l.clock.Now())
	})
}

type waiter struct {
	prio    Priority
	seq     uint64
	bs      []*bucket
	ready   chan struct{}
	granted bool
	next    time.Time // when it may go, as far as its own budgets tell (zero: unknown)
	// blind: its goroutine sleeps without a known next (a budget waits
	// for an answer, a second at most); wake ends that sleep as soon as a
	// dispatch knows next (it slept up to a second past its window).
	blind bool
	wake  chan struct{}
}

func (w *waiter) before(o *waiter) bool {
	if w.prio != o.prio {
		return w.prio > o.prio
	}
	return w.seq < o.seq
}

// Acquire waits until every budget named by keys has room for one more
// call and takes it; ahead of it go the waiting calls of higher priority,
// then those that came first. An Optional call does not wait: it gets
// ErrSkipped unless every budget has room to spare and nobody waits for
// it. Acquire returns ctx's error if ctx ends first.
func (l *Limiter) Acquire(ctx context.Context, prio Priority, keys ...Key) (*Grant, error) {
	l.mu.Lock()
	now := l.clock.Now()
	bs := l.bucketsFor(now, keys)
	if prio == Optional {
		defer l.mu.Unlock()
		if !l.spare(now, bs) {
			return nil, ErrSkipped
		}
		return l.take(bs), nil
	}
	l.seq++
	w := &waiter{prio: prio, seq: l.seq, bs: bs, ready: make(chan struct{}), wake: make(chan struct{}, 1)}
	i, _ := slices.BinarySearchFunc(l.waiters, w, func(a, b *waiter) int {
		if a.before(b) {
			return -1
		}
		return 1
	})
	l.waiters = slices.Insert(l.waiters, i, w)
	for _, b := range bs {
		b.refs++
	}
	start := now
	l.dispatch(now)
	for !w.granted {
		d := time.Second // unknown: a budget waits for an answer, which wakes us sooner
		if !w.next.IsZero() {
			d = max(w.next.Sub(l.clock.Now()), time.Millisecond)
		}
		w.blind = w.next.IsZero()
		l.mu.Unlock()
		select {
		case <-w.ready:
		case <-w.wake:
		case <-l.clock.After(d):
		case <-ctx.Done():
		}
		l.mu.Lock()
		w.blind = false // awake: the dispatches below need not wake it
		if w.granted {
			break
		}
		if err := ctx.Err(); err != nil {
			l.remove(w)
			l.dispatch(l.clock.Now())
			l.mu.Unlock()
			return nil, err
		}
		l.dispatch(l.clock.Now())
	}
	g := &Grant{l: l, bs: bs, Waited: l.clock.Now().Sub(start)}
	l.mu.Unlock()
	if ctx.Err() != nil {
		g.giveBack()
		return nil, ctx.Err()
	}
	return g, nil
}

// TryAcquire takes one call's budget if it is there now and no call waits
// for it, without waiting (a reservation for a call to be made later).
func (l *Limiter) TryAcquire(keys ...Key) (*Grant, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.clock.Now()
	bs := l.bucketsFor(now, keys)
	if l.claimed(bs) {
		return nil, false
	}
	for _, b := range bs {
		if ok, _ := b.avail(now, 1); !ok {
			return nil, false
		}
	}
	return l.take(bs), true
}

// Pause stops the named budgets for d (a platform's Retry-After): no call
// draws on them before it has passed, and they start again empty.
func (l *Limiter) Pause(d time.Duration, names ...string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.clock.Now()
	for _, n := range names {
		l.bucketsFor(now, []Key{{Name: n}})[0].pause(now.Add(d))
	}
}

// Learn sets a budget the platform announced in an answer: limit calls
// per window, remaining of them left, the window ending after resetAfter.
// A budget made with a Rule keeps its rule.
func (l *Limiter) Learn(name string, limit, remaining int, resetAfter time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.clock.Now()
	b := l.bucketsFor(now, []Key{{Name: name}})[0]
	b.learn(now, limit, remaining, resetAfter)
	l.dispatch(now)
}

// Unlimited marks a budget the platform answered without announcing a
// limit: calls on it no longer wait for each other.
func (l *Limiter) Unlimited(name string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if b := l.buckets[name]; b != nil && b.rate == 0 {
		b.learned, b.open = true, true
		l.dispatch(l.clock.Now())
	}
}

// Waiting is the number of calls waiting for a budget.
func (l *Limiter) Waiting() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.waiters)
}

// maxIdle is how many budgets the limiter keeps before it forgets idle
// ones (full, nothing in flight, nobody waiting): one per Slack channel
// or Discord route adds up.
const maxIdle = 4096

func (l *Limiter) bucketsFor(now time.Time, keys []Key) []*bucket {
	if len(l.buckets) > max(maxIdle, l.sweepAt) {
		l.sweep(now)
		// Budgets still in use stay; the next sweep waits for a quarter
		// of maxIdle more, not for every new one.
		l.sweepAt = len(l.buckets) + maxIdle/4
	}
	bs := make([]*bucket, 0, len(keys))
	for _, k := range keys {
		b := l.buckets[k.Name]
		switch {
		case b == nil:
			b = newBucket(k.Rule, now)
			l.buckets[k.Name] = b
		case b.rate == 0 && k.Rule.rate() > 0:
			// Paused by name before its first call: it takes its rule,
			// empty until the pause is over.
			b.rate, b.burst, b.tokens, b.last = k.Rule.rate(), k.Rule.burst(), 0, maxTime(now, b.paused)
		}
		bs = append(bs, b)
	}
	return bs
}

func (l *Limiter) sweep(now time.Time) {
	for n, b := range l.buckets {
		if b.idle(now) {
			delete(l.buckets, n)
		}
	}
}

func (l *Limiter) take(bs []*bucket) *Grant {
	for _, b := range bs {
		b.take()
	}
	return &Grant{l: l, bs: bs}
}

// spare reports whether an Optional call may go: nobody waits on its
// budgets and each has room for it with one call to spare.
func (l *Limiter) spare(now time.Time, bs []*bucket) bool {
	if l.claimed(bs) {
		return false
	}
	for _, b := range bs {
		if ok, _ := b.avail(now, b.spareNeed()); !ok {
			return false
		}
	}
	return true
}

// claimed reports whether a waiting call draws on any of bs.
func (l *Limiter) claimed(bs []*bucket) bool {
	for _, b := range bs {
		if b.refs > 0 {
			return true
		}
	}
	return false
}

func (l *Limiter) remove(w *waiter) {
	if i := slices.Index(l.waiters, w); i >= 0 {
		l.waiters = slices.Delete(l.waiters, i, i+1)
	}
	for _, b := range w.bs {
		b.refs--
	}
}

// dispatch grants, best first, every waiter whose budgets have room. A
// waiter that cannot go claims the budgets it lacks: no waiter behind it
// takes from those, so a short budget serves its callers in order, while
// budgets it does not lack stay open to the others. Each waiter left
// learns when it may go: after the calls ahead of it on the same budget.
func (l *Limiter) dispatch(now time.Time) {
	var ahead map[*bucket]int // waiters so far that lack the budget
	kept := l.waiters[:0]
	for _, w := range l.waiters {
		ok, known := true, true
		w.next = time.Time{}
		for _, b := range w.bs {
			n := ahead[b]
			avail, at := b.avail(now, float64(1+n))
			if avail && n == 0 {
				continue
			}
			ok = false
			if ahead == nil {
				ahead = map[*bucket]int{}
			}
			ahead[b] = n + 1
			switch {
			case avail: // only an earlier waiter's call stands between
				known = false
			case at.IsZero():
				known = false
			case at.After(w.next):
				w.next = at
			}
		}
		if !known {
			w.next = time.Time{}
		}
		if !ok {
			if w.blind && !w.next.IsZero() {
				w.blind = false
				select {
				case w.wake <- struct{}{}:
				default: // already woken
				}
			}
			kept = append(kept, w)
			continue
		}
		for _, b := range w.bs {
			b.take()
			b.refs--
		}
		w.granted = true
		close(w.ready)
	}
	clear(l.waiters[len(kept):])
	l.waiters = kept
}
