package lessons_test

import (
	"fmt"
	"sort"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/coursebot/coursebot/bot"
	"github.com/coursebot/coursebot/course"
)

// Target: loading the built-in course under 20 ms.
func BenchmarkLoadBuiltin(b *testing.B) {
	for b.Loop() {
		if _, err := course.LoadBuiltin(); err != nil {
			b.Fatal(err)
		}
	}
}

// stepper presses Next/Back alternately, so every press is a real, durable
// position change (button press to committed, fsynced state).
func step(b *testing.B, l *learner, forward bool) {
	label := "Back"
	if forward {
		label = "Next"
	}
	l.press(label)
}

// Target: one learner step, p99 under 5 ms.
func BenchmarkStep(b *testing.B) {
	h := newHarness(b)
	l := h.learner("bench")
	l.cmd("start-4-4")
	l.press("Next") // opener: Next and Back both move
	lat := make([]time.Duration, 0, b.N)
	fwd := true
	for b.Loop() {
		start := time.Now()
		step(b, l, fwd)
		lat = append(lat, time.Since(start))
		fwd = !fwd
	}
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	if len(lat) > 0 {
		b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds())/1000, "p99-ms")
	}
}

// Target: 64 learners pressing at once, at least 5,000 durable steps/s.
func BenchmarkStepParallel64(b *testing.B) {
	h := newHarness(b)
	const n = 64
	ls := make([]*learner, n)
	for i := range ls {
		ls[i] = h.learner(fmt.Sprintf("p%d", i))
		ls[i].cmd("start-4-4")
		ls[i].press("Next")
	}
	var next atomic.Int64
	b.ResetTimer()
	start := time.Now()
	var wg sync.WaitGroup
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func(l *learner) {
			defer wg.Done()
			fwd := true
			for next.Add(1) <= int64(b.N) {
				m := bot.Message{Learner: l.who, Kind: bot.KindAction, Action: l.button(map[bool]string{true: "Next", false: "Back"}[fwd])}
				rs, err := h.engine.Handle(h.ctx, m)
				if err != nil || len(rs) != 1 || rs[0].Ephemeral {
					b.Errorf("step: %v %+v", err, rs)
					return
				}
				l.last = rs[0]
				fwd = !fwd
			}
		}(ls[i])
	}
	wg.Wait()
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "steps/s")
}

// Target: /status with 16 lessons under 1 ms.
func BenchmarkStatus(b *testing.B) {
	h := newHarness(b)
	l := h.learner("status")
	l.cmd("start-4-4")
	l.press("Next")
	m := bot.Message{Learner: l.who, Kind: bot.KindCommand, Command: "status"}
	for b.Loop() {
		if _, err := h.engine.Handle(h.ctx, m); err != nil {
			b.Fatal(err)
		}
	}
}
