// Package bottest holds what the platform adapters' tests share about live
// replies (bot.Live): a clock the test moves, and a live reply's Run that
// writes words on it and notes when each edit reached the fake platform.
package bottest

import (
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coursebot/coursebot/ratelimit"
)

// Clock is an adapter's clock in a test: it stands still until Advance.
type Clock struct {
	mu  sync.Mutex
	now time.Time
}

// NewClock returns a clock at t.
func NewClock(t time.Time) *Clock { return &Clock{now: t} }

// Now is the clock's time (use it as the adapter's Options.Now).
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// Advance moves the clock by d and returns the new time.
func (c *Clock) Advance(d time.Duration) time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
	return c.now
}

// Pace is the time the platform's limits are counted in (a rate
// limiter's and a fake platform's ratelimit.Clock) when the adapter's
// own clock is c: base's time moved on by as much as c has been, so that
// edits c's Advance spaces a second apart are a second apart for the
// limits too, however fast the test runs. Waits are base's.
func (c *Clock) Pace(base ratelimit.Clock) ratelimit.Clock {
	return pace{c: c, start: c.Now(), base: base}
}

type pace struct {
	c     *Clock
	start time.Time
	base  ratelimit.Clock
}

func (p pace) Now() time.Time                         { return p.base.Now().Add(p.c.Now().Sub(p.start)) }
func (p pace) After(d time.Duration) <-chan time.Time { return p.base.After(d) }

// Writer is a live reply's Run in tests: Write writes Words 300 ms apart
// on Clock, passing the text so far to update (when there is one), and
// notes the clock's time of each update that reached the platform (Edits,
// the fake platform's count of edits, grew).
type Writer struct {
	Clock *Clock
	Edits func() int
	Words []string

	mu sync.Mutex
	at []time.Time
}

// Write streams the words and returns the whole text.
func (w *Writer) Write(update func(string)) string {
	var sb strings.Builder
	for _, word := range w.Words {
		at := w.Clock.Advance(300 * time.Millisecond)
		sb.WriteString(word)
		if update == nil { // an adapter that posts once
			continue
		}
		before := w.Edits()
		update(sb.String())
		if w.Edits() > before {
			w.mu.Lock()
			w.at = append(w.at, at)
			w.mu.Unlock()
		}
	}
	return sb.String()
}

// EditTimes are the clock's times of the edits that reached the platform.
func (w *Writer) EditTimes() []time.Time {
	w.mu.Lock()
	defer w.mu.Unlock()
	return append([]time.Time(nil), w.at...)
}

// CheckPace fails t unless there were several edits while streaming, at
// least interval apart on the clock.
func (w *Writer) CheckPace(t testing.TB, interval time.Duration) {
	t.Helper()
	at := w.EditTimes()
	if len(at) < 2 {
		t.Fatalf("edits while streaming at %v, want several", at)
	}
	for i := 1; i < len(at); i++ {
		if gap := at[i].Sub(at[i-1]); gap < interval {
			t.Errorf("edits %d and %d only %v apart", i-1, i, gap)
		}
	}
}
