package ratelimittest

import (
	"sync"
	"testing"
	"time"
)

// The least time the limits allow: what a benchmark compares its figures
// with. Requests arrive at the given offsets (sorted), each needing calls
// calls of one budget; served first come first served, which is what
// minimises the longest wait of identical requests, the earliest each
// request's calls can all be done is computed for a token bucket (Slack)
// or a fixed window (Discord's routes), as the platform's own gate
// enforces them. A request drawing on several budgets finishes no sooner
// than the latest of them: Longest takes the bound over all.

// TokenFinish is, for each request, the earliest time its calls can all
// have gone out of a token bucket of perMinute calls a minute and burst,
// full at 0.
func TokenFinish(arrivals []time.Duration, calls int, perMinute float64, burst int) []time.Duration {
	rate := perMinute / 60
	tokens, last := float64(burst), time.Duration(0)
	out := make([]time.Duration, len(arrivals))
	for i, a := range arrivals {
		t := max(a, last)
		for range calls {
			tokens = min(float64(burst), tokens+(t-last).Seconds()*rate)
			last = t
			if tokens < 1 {
				t += time.Duration((1 - tokens) / rate * float64(time.Second))
				tokens, last = 1, t
			}
			tokens--
		}
		out[i] = t
	}
	return out
}

// WindowFinish is, for each request, the earliest time its calls can all
// have gone out of fixed windows of limit calls each, a window starting at
// its first call and lasting per.
func WindowFinish(arrivals []time.Duration, calls, limit int, per time.Duration) []time.Duration {
	start, last := -per, time.Duration(0) // no window open yet
	used := limit
	out := make([]time.Duration, len(arrivals))
	for i, a := range arrivals {
		t := max(a, last)
		for range calls {
			switch {
			case used < limit && t < start+per:
				used++
			default:
				t = max(t, start+per) // a full window: its end
				start, used = t, 1
			}
			last = t
		}
		out[i] = t
	}
	return out
}

// Longest is the longest wait, over the requests, from arrival to the
// latest of the finish times each budget allows.
func Longest(arrivals []time.Duration, finishes ...[]time.Duration) time.Duration {
	var worst time.Duration
	for i, a := range arrivals {
		for _, f := range finishes {
			worst = max(worst, f[i]-a)
		}
	}
	return worst
}

// Kickoff is when n learners start a lesson after a cohort lead's
// announcement, within a minute: half of them in its first 5 seconds, the
// rest evenly over the next 55.
func Kickoff(n int) []time.Duration {
	out := make([]time.Duration, n)
	first := n / 2
	for i := range n {
		if i < first {
			out[i] = time.Duration(i) * 5 * time.Second / time.Duration(first)
		} else {
			out[i] = 5*time.Second + time.Duration(i-first)*55*time.Second/time.Duration(n-first)
		}
	}
	return out
}

// Figure is one figure of a benchmark: b.ReportMetric's value and unit.
type Figure struct {
	Value float64
	Unit  string
}

// Figures are a scenario's figures.
type Figures []Figure

// Add appends a figure.
func (f *Figures) Add(v float64, unit string) { *f = append(*f, Figure{v, unit}) }

var (
	onceMu  sync.Mutex
	onceRan = map[string]Figures{}
)

// Once runs a benchmark's scenario the first time the benchmark is called
// in the process and reports its figures every time: go test calls a
// benchmark once with b.N = 1 and again with b.N as -benchtime says, and a
// scenario that takes seconds of the platform's limits is run once,
// whatever b.N is.
func Once(b *testing.B, run func(b *testing.B) Figures) {
	onceMu.Lock()
	figs, ok := onceRan[b.Name()]
	onceMu.Unlock()
	if !ok {
		figs = run(b)
		onceMu.Lock()
		onceRan[b.Name()] = figs
		onceMu.Unlock()
	}
	for _, f := range figs {
		b.ReportMetric(f.Value, f.Unit)
	}
}
