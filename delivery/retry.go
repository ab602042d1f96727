package delivery

import (
	"context"
	"fmt"
	"math/rand/v2"
	"time"
)

// Policy is the one retry stage of every platform call (as Alertmanager's
// notify retry stage is of every integration): the adapters make one
// attempt of a call and classify its error, and Do retries. An error
// marked Permanent ends at once; a RateLimited one waits what the
// platform asked (not counted as an attempt, up to MaxRateWaits times); any
// other error is retried after a backoff that starts at Backoff and
// doubles up to MaxBackoff, each wait drawn between half and all of it
// (jitter, so calls that failed together do not come back together), for
// at most Attempts tries. Nothing above a call retries it again: the
// scheduler and the inbox make one attempt of their work. Sleep is the
// clock and Rand the jitter: tests inject both.
type Policy struct {
	Attempts     int           // tries in all (default 5)
	Backoff      time.Duration // wait before the first retry (default 500 ms)
	MaxBackoff   time.Duration // cap of the doubling (default 30 s)
	MaxRateWaits int           // rate-limit waits before giving up (default 20)
	// Sleep waits d or until ctx ends (default a timer); it returns
	// ctx.Err() when cut short.
	Sleep func(ctx context.Context, d time.Duration) error
	// Rand returns a number in [0, 1) that places each backoff wait
	// between half and all of the backoff (default math/rand/v2).
	Rand func() float64
	// OnRetry, when set, is told of each retry before its wait (logging,
	// metrics). err is never a permanent error.
	OnRetry func(op string, attempt int, wait time.Duration, err error)
}

// withDefaults fills the zero fields.
func (p Policy) withDefaults() Policy {
	if p.Attempts <= 0 {
		p.Attempts = 5
	}
	if p.Backoff <= 0 {
		p.Backoff = 500 * time.Millisecond
	}
	if p.MaxBackoff <= 0 {
		p.MaxBackoff = 30 * time.Second
	}
	if p.MaxRateWaits <= 0 {
		p.MaxRateWaits = 20
	}
	if p.Sleep == nil {
		p.Sleep = Sleep
	}
	if p.Rand == nil {
		p.Rand = rand.Float64
	}
	return p
}

// Sleep waits d or until ctx is done, whichever comes first.
func Sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Do runs f until it succeeds or the policy gives up, and returns f's last
// error wrapped with op. f learns which attempt it is (1, 2, …) and the
// error of the attempt before (nil on the first): a call that is not safe
// to repeat looks for its earlier effect first when that error left it
// unknown whether the call was made.
func (p Policy) Do(ctx context.Context, op string, f func(ctx context.Context, attempt int, prev error) error) error {
	p = p.withDefaults()
	backoff := p.Backoff
	var prev error
	rateWaits := 0
	for attempt := 1; ; {
		err := f(ctx, attempt, prev)
		if err == nil {
			return nil
		}
		if cerr := ctx.Err(); cerr != nil {
			return fmt.Errorf("%s: %w", op, cerr)
		}
		if IsPermanent(err) {
			return fmt.Errorf("%s: %w", op, err)
		}
		prev = err
		wait, limited := RetryAfter(err)
		switch {
		case limited && rateWaits < p.MaxRateWaits:
			rateWaits++
		case attempt >= p.Attempts || limited:
			return fmt.Errorf("%s (attempt %d): %w", op, attempt, err)
		default:
			wait = backoff/2 + time.Duration(p.Rand()*float64(backoff/2))
			backoff = min(backoff*2, p.MaxBackoff)
			attempt++
		}
		if p.OnRetry != nil {
			p.OnRetry(op, attempt, wait, err)
		}
		if wait <= 0 {
			continue // the caller waits elsewhere (a shared pacer)
		}
		if err := p.Sleep(ctx, wait); err != nil {
			return fmt.Errorf("%s: %w", op, err)
		}
	}
}
