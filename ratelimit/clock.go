package ratelimit

import (
	"context"
	"time"
)

// Clock is the time a limiter paces by. Production uses Real; tests run
// inside testing/synctest (where the real clock is fake) or inject their
// own; benchmarks use Scaled to run an hour of platform time in seconds.
type Clock interface {
	Now() time.Time
	// After is time.After on this clock.
	After(d time.Duration) <-chan time.Time
}

// Real is the wall clock.
func Real() Clock { return realClock{} }

type realClock struct{}

func (realClock) Now() time.Time                         { return time.Now() }
func (realClock) After(d time.Duration) <-chan time.Time { return time.After(d) }

// Scaled returns a clock that runs factor times faster than the wall
// clock, from now on: one of its seconds lasts 1/factor of a real one.
// A limiter and the fake platform it talks to share one Scaled clock so a
// benchmark of a minute of Slack's limits runs in a second (factor 60).
// Retry-After waits measured on it shrink alike.
func Scaled(factor float64) Clock {
	if factor <= 0 {
		factor = 1
	}
	return &scaledClock{factor: factor, base: time.Now()}
}

type scaledClock struct {
	factor float64
	base   time.Time
}

func (c *scaledClock) Now() time.Time {
	return c.base.Add(time.Duration(float64(time.Since(c.base)) * c.factor))
}

func (c *scaledClock) After(d time.Duration) <-chan time.Time {
	return time.After(time.Duration(float64(d) / c.factor))
}

// Sleep waits d on c, or until ctx is done (then it returns ctx.Err()).
func Sleep(ctx context.Context, c Clock, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	select {
	case <-c.After(d):
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
