// Package ratelimittest is the platforms' side of the rate limits, for the
// fake Slack and Discord APIs of tests and benchmarks: an http.Handler
// wrapper (a gate) that counts every call and refuses one over a limit
// with HTTP 429 and Retry-After, as the platform does, so a test or a
// benchmark sees what the real platform would have refused.
//
// The limits are the documented ones (ratelimit.DefaultSlack,
// ratelimit.DefaultDiscord, per-route budgets as Discord announces them);
// where a platform publishes no figure (Slack's burst allowance,
// Discord's route budgets) the gate's is an assumption, written down on
// the constructor. A gate runs on a ratelimit.Clock: share a Scaled clock
// with the bot to run an hour of limits in seconds; tests that do not
// care about pace use a fast clock (Fast) on both sides.
//
// Its own enforcement is deliberately simple (a token bucket per Slack
// budget, a fixed window per Discord route) and independent of the
// client's pacing code in package ratelimit.
package ratelimittest

import (
	"maps"
	"math"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/coursebot/coursebot/ratelimit"
)

// Fast is a clock for tests that need the limits enforced but not their
// pace: a thousand platform seconds to a real one. Give the same clock to
// the gate and to the adapter.
func Fast() ratelimit.Clock { return ratelimit.Scaled(1000) }

// Stats are what a gate saw: calls and 429s by method (Slack) or route
// (Discord).
type Stats struct {
	Calls   map[string]int
	Refused map[string]int
}

// Total is the number of calls; Refusals the number of 429s.
func (s Stats) Total() int    { return sum(s.Calls) }
func (s Stats) Refusals() int { return sum(s.Refused) }

// Methods lists the methods seen, sorted.
func (s Stats) Methods() []string {
	out := make([]string, 0, len(s.Calls))
	for m := range s.Calls {
		out = append(out, m)
	}
	sort.Strings(out)
	return out
}

func sum(m map[string]int) int {
	n := 0
	for _, v := range m {
		n += v
	}
	return n
}

// counts is the bookkeeping both gates share.
type counts struct {
	mu      sync.Mutex
	calls   map[string]int
	refused map[string]int
	listen  func(method string, refused bool)
}

func newCounts() counts {
	return counts{calls: map[string]int{}, refused: map[string]int{}}
}

func (c *counts) note(method string, refused bool) {
	c.mu.Lock()
	c.calls[method]++
	if refused {
		c.refused[method]++
	}
	f := c.listen
	c.mu.Unlock()
	if f != nil {
		f(method, refused)
	}
}

func (c *counts) stats() Stats {
	c.mu.Lock()
	defer c.mu.Unlock()
	return Stats{Calls: maps.Clone(c.calls), Refused: maps.Clone(c.refused)}
}

// tokens is a token bucket: rate per second, at most burst.
type tokens struct {
	rate, burst, have float64
	last              time.Time
}

func newTokens(perMinute int, per time.Duration, burst int, now time.Time) *tokens {
	rate := float64(perMinute) / per.Seconds()
	b := float64(max(1, burst))
	return &tokens{rate: rate, burst: b, have: b, last: now}
}

// take takes a token, or says how long until there is one.
func (t *tokens) take(now time.Time) (bool, time.Duration) {
	if now.After(t.last) {
		t.have = min(t.burst, t.have+now.Sub(t.last).Seconds()*t.rate)
		t.last = now
	}
	if t.have >= 1 {
		t.have--
		return true, 0
	}
	return false, time.Duration((1 - t.have) / t.rate * float64(time.Second))
}

// ceilSeconds is d in whole seconds, at least 1 (Slack's Retry-After).
func ceilSeconds(d time.Duration) int { return max(1, int(math.Ceil(d.Seconds()))) }

func lastSegment(path string) string {
	path = strings.TrimSuffix(path, "/")
	return path[strings.LastIndexByte(path, '/')+1:]
}
