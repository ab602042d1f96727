package discord_test

import (
	"fmt"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/coursebot/coursebot/bot/discord"
	"github.com/coursebot/coursebot/ratelimit"
	"github.com/coursebot/coursebot/ratelimit/ratelimittest"
)

// BenchmarkPaceKickoffDiscord: a cohort lead announces Lesson 4.4 in a
// course channel and 300 learners type /start-4-4 there within a minute
// (half in the first 5 s), each getting a public lesson thread in that
// channel. The adapter runs for real (signed HTTP interactions, the engine,
// a bbolt store) against the fake REST API enforcing Discord's limits
// (ratelimittest: the global 50/s; 5 calls per 5 s per route and channel,
// announced in X-RateLimit-* headers), on a clock 50 times faster than the
// wall clock, which the adapter shares. A thread costs two calls on the
// channel's routes (the starter message, the thread), so threads open at
// one a second in one channel, whoever asks. Reported: time to each
// learner's first card in their thread (p50, max) against the least the
// limits allow for the calls made (vs-min is their ratio), calls per
// start, the share of 429s, and learners who got no card (failures).
// b.N is ignored: one kick-off per run.
func BenchmarkPaceKickoffDiscord(b *testing.B) { ratelimittest.Once(b, pacePaceKickoffDiscord) }

func pacePaceKickoffDiscord(b *testing.B) ratelimittest.Figures {
	var figs ratelimittest.Figures
	const learners, scale = 300, 50
	clock := ratelimit.Scaled(scale)
	f := newFakeDiscordOn(b, clock)
	e := newEnvWith(b, discord.ModeHTTP, f, "", false, nil)
	user := func(i int) string { return fmt.Sprintf("%d", 700000+i) }
	arrivals := ratelimittest.Kickoff(learners)
	sent := make([]time.Time, learners)
	var bad atomic.Int64
	b.ResetTimer()
	real0, t0 := time.Now(), clock.Now()
	var wg sync.WaitGroup
	for i, at := range arrivals {
		wg.Go(func() {
			time.Sleep(time.Until(real0.Add(time.Duration(float64(at) / scale))))
			sent[i] = clock.Now()
			if typ := e.deliver(commandPayload(fmt.Sprintf("9%d", 700000+i), user(i), "start-4-4")); typ != 5 {
				bad.Add(1)
			}
		})
	}
	wg.Wait()
	firsts := map[string]time.Time{} // learner -> first card in their thread
	deadline := time.Now().Add(10 * time.Minute)
	for len(firsts) < learners {
		if time.Now().After(deadline) {
			b.Fatalf("%d of %d learners got their first card", len(firsts), learners)
		}
		time.Sleep(10 * time.Millisecond) // liveness only: the figures are the fake's times
		f.mu.Lock()
		owner := map[string]string{} // thread -> learner
		for id, ch := range f.channels {
			if ch.ParentID == "chan1" {
				owner[id] = strings.TrimPrefix(ch.Name[strings.LastIndex(ch.Name, " ")+1:], "user-")
			}
		}
		for _, c := range f.calls {
			if c.Method != "POST" || !strings.HasPrefix(c.Path, "/channels/") || !strings.HasSuffix(c.Path, "/messages") {
				continue
			}
			u, ok := owner[strings.TrimSuffix(strings.TrimPrefix(c.Path, "/channels/"), "/messages")]
			if _, seen := firsts[u]; ok && !seen {
				firsts[u] = c.Pace
			}
		}
		f.mu.Unlock()
	}
	e.settled()
	wall := time.Since(real0)
	b.StopTimer()
	var waits, actual []time.Duration
	for i := range learners {
		waits = append(waits, firsts[user(i)].Sub(sent[i]))
		actual = append(actual, sent[i].Sub(t0))
	}
	slices.Sort(actual)
	slices.Sort(waits)
	route := ratelimittest.DefaultDiscord().Route
	// The channel's two routes: a starter message and a thread a start.
	least := ratelimittest.Longest(actual, ratelimittest.WindowFinish(actual, 1, route.Limit, route.Per))
	st := f.gate.Stats()
	figs.Add(waits[len(waits)/2].Seconds(), "ttfc-p50-s")
	figs.Add(waits[len(waits)-1].Seconds(), "ttfc-max-s")
	figs.Add(least.Seconds(), "min-s")
	figs.Add(waits[len(waits)-1].Seconds()/least.Seconds(), "vs-min")
	figs.Add(float64(st.Total())/learners, "calls/start")
	figs.Add(100*float64(st.Refusals())/float64(max(1, st.Total())), "429-%")
	figs.Add(float64(bad.Load()+int64(learners-len(firsts))), "failures")
	figs.Add(wall.Seconds(), "wall-s")
	figs.Add(float64(wall.Nanoseconds())/learners, "ns/op")
	return figs
}
