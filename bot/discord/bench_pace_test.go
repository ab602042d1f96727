package discord_test

import (
	"fmt"
	"strings"
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
	b.ResetTimer()
	run := ratelimittest.Arrive(ratelimittest.Kickoff(learners), scale, clock, func(i int) bool {
		return e.deliver(commandPayload(fmt.Sprintf("9%d", 700000+i), user(i), "start-4-4")) == 5
	})
	firsts := map[string]time.Time{} // learner -> first card in their thread
	ratelimittest.Until(b, "every learner's first card", 10*time.Minute, func() bool {
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
		return len(firsts) >= learners
	})
	e.settled()
	wall := time.Since(run.Real0)
	b.StopTimer()
	waits, actual := run.Waits(func(i int) time.Time { return firsts[user(i)] })
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
	figs.Add(float64(run.Bad.Load()+int64(learners-len(firsts))), "failures")
	figs.Add(wall.Seconds(), "wall-s")
	figs.Add(float64(wall.Nanoseconds())/learners, "ns/op")
	return figs
}
