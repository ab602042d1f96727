package ratelimit

import "time"

// bucket is one budget: a token bucket at a rule's rate, or a window the
// platform announces (learned), or, before the first announcement, one
// call at a time.
type bucket struct {
	// token bucket (rate > 0)
	rate, burst, tokens float64
	last                time.Time
	paused              time.Time // no calls before (Retry-After)

	// announced window (rate == 0)
	learned, open    bool // told by the platform; open: no limit at all
	limit, remaining int
	resetAt          time.Time // zero: not known
	period           time.Duration

	inflight int // granted, not yet Done
	refs     int // waiters that draw on it
}

func newBucket(r Rule, now time.Time) *bucket {
	b := &bucket{rate: r.rate(), last: now}
	if b.rate > 0 {
		b.burst = r.burst()
		b.tokens = b.burst
	}
	return b
}

func (b *bucket) refill(now time.Time) {
	if b.rate > 0 {
		if now.After(b.last) {
			b.tokens = min(b.burst, b.tokens+now.Sub(b.last).Seconds()*b.rate)
			b.last = now
		}
		return
	}
	if !b.learned || b.open {
		return
	}
	if !b.resetAt.IsZero() && !now.Before(b.resetAt) {
		b.remaining = b.limit
		b.resetAt = time.Time{} // the next answer tells when the new window ends
	}
	if b.resetAt.IsZero() && b.remaining <= 0 && b.inflight == 0 {
		// Spent, and the answers told no window: start a new one rather
		// than wait for an answer that will not come.
		b.remaining = b.limit
	}
}

// avail reports whether need calls' worth is there now, else when it
// will be (zero when only an answer can tell).
func (b *bucket) avail(now time.Time, need float64) (bool, time.Time) {
	if now.Before(b.paused) {
		return false, b.paused
	}
	b.refill(now)
	switch {
	case b.rate > 0:
		if b.tokens >= need {
			return true, time.Time{}
		}
		return false, now.Add(time.Duration((need - b.tokens) / b.rate * float64(time.Second)))
	case !b.learned:
		return b.inflight == 0, time.Time{}
	case b.open:
		return true, time.Time{}
	case float64(b.remaining) >= need:
		return true, time.Time{}
	}
	return false, b.resetAt
}

// spareNeed is what an Optional call needs: its own call and one more.
func (b *bucket) spareNeed() float64 {
	switch {
	case b.rate > 0:
		return min(2, b.burst)
	case b.learned && !b.open:
		return float64(min(2, max(1, b.limit)))
	}
	return 1
}

func (b *bucket) take() {
	if b.rate > 0 {
		b.tokens--
	} else if b.learned && !b.open {
		b.remaining--
	}
	b.inflight++
}

func (b *bucket) untake() {
	if b.rate > 0 {
		b.tokens = min(b.burst, b.tokens+1)
	} else if b.learned && !b.open {
		b.remaining = min(b.limit, b.remaining+1)
	}
	b.inflight--
}

func (b *bucket) pause(until time.Time) {
	if !until.After(b.paused) {
		return
	}
	b.paused = until
	if b.rate > 0 {
		b.tokens, b.last = 0, until
		return
	}
	b.learned, b.open = true, false
	b.remaining = 0
	if b.limit == 0 {
		b.limit = 1
	}
	if until.After(b.resetAt) {
		b.resetAt = until
	}
}

// windowSlack tells a new window from the same one in two answers: their
// reset times differ by more than the answers' own timing.
const windowSlack = 50 * time.Millisecond

func (b *bucket) learn(now time.Time, limit, remaining int, resetAfter time.Duration) {
	if b.rate > 0 || limit <= 0 {
		return
	}
	b.refill(now)
	reset := now.Add(resetAfter)
	newWindow := !b.learned || b.open || b.resetAt.IsZero() || reset.After(b.resetAt.Add(windowSlack))
	b.learned, b.open = true, false
	b.limit = limit
	// Calls granted since this answer was made are not in its count:
	// those in flight but the one answering (still counted while its
	// answer is read).
	left := max(0, remaining-max(0, b.inflight-1))
	if newWindow {
		b.remaining = left
		b.resetAt = reset
	} else {
		b.remaining = min(b.remaining, left)
	}
	if remaining == limit-1 || resetAfter > b.period {
		b.period = resetAfter
	}
}

func (b *bucket) idle(now time.Time) bool {
	if b.inflight > 0 || b.refs > 0 || now.Before(b.paused) {
		return false
	}
	b.refill(now)
	if b.rate > 0 {
		return b.tokens >= b.burst
	}
	return !b.learned || b.open || b.resetAt.IsZero()
}

func maxTime(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}
