package scheduler

import (
	"context"
	"sync"
	"time"
)

// pacer is a token bucket shared by every send to one platform; a 429
// pauses it for the Retry-After the platform asked for.
type pacer struct {
	mu     sync.Mutex
	rate   float64 // tokens per second
	burst  float64
	tokens float64
	last   time.Time
	paused time.Time // no sends before this
	now    func() time.Time
	sleep  func(context.Context, time.Duration) error
}

func newPacer(r Rate, now func() time.Time, sleep func(context.Context, time.Duration) error) *pacer {
	burst := float64(max(1, r.Burst))
	return &pacer{rate: r.PerSecond, burst: burst, tokens: burst, last: now(), now: now, sleep: sleep}
}

// wait takes one token, sleeping until one is there.
func (p *pacer) wait(ctx context.Context) error {
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		p.mu.Lock()
		now := p.now()
		if now.Before(p.paused) {
			d := p.paused.Sub(now)
			p.mu.Unlock()
			if err := p.sleep(ctx, d); err != nil {
				return err
			}
			continue
		}
		if el := now.Sub(p.last); el > 0 {
			p.tokens = min(p.burst, p.tokens+el.Seconds()*p.rate)
			p.last = now
		}
		if p.tokens >= 1 {
			p.tokens--
			p.mu.Unlock()
			return nil
		}
		// Reserve the next token: callers queue up one token apart
		// rather than all waking for the same one.
		p.tokens--
		d := time.Duration(-p.tokens / p.rate * float64(time.Second))
		p.mu.Unlock()
		return p.sleep(ctx, d)
	}
}

// pause stops all sends for d (a platform's Retry-After).
func (p *pacer) pause(d time.Duration) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if until := p.now().Add(d); until.After(p.paused) {
		p.paused = until
		p.tokens = 0
		p.last = until
	}
}
