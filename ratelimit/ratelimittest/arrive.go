package ratelimittest

import (
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/coursebot/coursebot/ratelimit"
)

// Arrivals is a kick-off played against an adapter: each learner's start,
// at its arrival, on a clock scale times faster than the platform's.
type Arrivals struct {
	// Real0 and T0 are when the kick-off began, on the wall clock and on
	// the platform's.
	Real0, T0 time.Time
	// Sent is the platform's time each learner's start was sent at.
	Sent []time.Time
	// Bad counts the starts that were not answered as they should be.
	Bad atomic.Int64
}

// Arrive runs start(i) for each learner i at arrivals[i] (Kickoff's),
// scaled to the wall clock by scale, each in a goroutine of its own, and
// returns once every start has returned; a start that returns false is
// counted Bad.
func Arrive(arrivals []time.Duration, scale float64, clock ratelimit.Clock, start func(i int) bool) *Arrivals {
	a := &Arrivals{Real0: time.Now(), T0: clock.Now(), Sent: make([]time.Time, len(arrivals))}
	var wg sync.WaitGroup
	for i, at := range arrivals {
		wg.Go(func() {
			SleepUntil(a.Real0, at, scale)
			a.Sent[i] = clock.Now()
			if !start(i) {
				a.Bad.Add(1)
			}
		})
	}
	wg.Wait()
	return a
}

// Waits are, sorted, each learner's wait from their start to first(i)
// (when their first card reached the platform), and when each start was
// sent after the kick-off began (for TokenFinish and WindowFinish).
func (a *Arrivals) Waits(first func(i int) time.Time) (waits, sent []time.Duration) {
	for i, at := range a.Sent {
		waits = append(waits, first(i).Sub(at))
		sent = append(sent, at.Sub(a.T0))
	}
	slices.Sort(waits)
	slices.Sort(sent)
	return waits, sent
}

// SleepUntil waits until the platform's moment at after real0, on a clock
// scale times faster than the wall clock.
func SleepUntil(real0 time.Time, at time.Duration, scale float64) {
	time.Sleep(time.Until(real0.Add(time.Duration(float64(at) / scale))))
}

// Until polls cond every 5 ms until it holds, or fails tb naming what once
// limit has passed. A pace benchmark waits so for the platform to have
// seen everything; its figures are the fake's own times, not when this
// notices.
func Until(tb testing.TB, what string, limit time.Duration, cond func() bool) {
	tb.Helper()
	deadline := time.Now().Add(limit)
	for !cond() {
		if time.Now().After(deadline) {
			tb.Fatalf("%s: not within %v", what, limit)
		}
		time.Sleep(5 * time.Millisecond)
	}
}
