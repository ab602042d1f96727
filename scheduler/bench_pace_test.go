package scheduler

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http/httptest"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/coursebot/coursebot"
	"github.com/coursebot/coursebot/bot"
	slackbot "github.com/coursebot/coursebot/bot/slack"
	"github.com/coursebot/coursebot/course"
	"github.com/coursebot/coursebot/ratelimit"
	"github.com/coursebot/coursebot/ratelimit/ratelimittest"
	"github.com/coursebot/coursebot/store"
)

// BenchmarkPaceFanOut sends a cohort's weekly reminder with its digest to
// 5,000 members by DM through the real Slack adapter, against a fake Web
// API that enforces Slack's limits (ratelimittest), on a clock a hundred
// times faster than the wall clock, which the adapter shares: a quarter of
// an hour of Slack's time in about ten seconds. Each DM is one post to the
// member's user id (no conversations.open), so the workspace's post budget
// (300 a minute, a burst of 20 as the fake allows) bounds it: the least
// time the limits allow is reported beside the time taken (Slack's time),
// with their ratio, messages lost and doubled, 429s, and the members the
// run recorded as failed (learner-visible failures); min-before is the
// least the limits allowed when each DM began with conversations.open (a
// Tier 3 method), before this pacing work. Run once, whatever b.N is.
func BenchmarkPaceFanOut(b *testing.B) { ratelimittest.Once(b, pacePaceFanOut) }

func pacePaceFanOut(b *testing.B) ratelimittest.Figures {
	var figs ratelimittest.Figures
	const members, scale = 5000, 100
	clock := ratelimit.Scaled(scale)
	api := &fakeSlackAPI{posts: map[string]int{}, tries: map[string]int{}}
	gate := ratelimittest.NewSlack(ratelimit.SlackLimits{}, clock)
	var mu sync.Mutex
	var last time.Time
	gate.OnCall(func(method string, refused bool) {
		if method == ratelimit.MethodPost && !refused {
			mu.Lock()
			last = clock.Now()
			mu.Unlock()
		}
	})
	srv := httptest.NewServer(gate.Wrap(api))
	b.Cleanup(srv.Close)

	start := time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC) // a Monday
	db, err := store.Open(filepath.Join(b.TempDir(), "fanout.db"), store.Options{})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() {
		if err := db.Close(); err != nil {
			b.Error(err)
		}
	})
	ctx := context.Background()
	if err := db.CreateCohort(ctx, coursebot.Cohort{Name: "big", Code: "big", Timezone: "UTC", Leads: []string{"slack:ULEAD"}, Created: start}); err != nil {
		b.Fatal(err)
	}
	parallel(b, members, func(i int) error {
		_, err := db.AddMember(ctx, coursebot.Member{Cohort: "big", Learner: fmt.Sprintf("slack:U%05d", i), Joined: start})
		return err
	})
	spec, err := Parse("every monday 12:00", "UTC", start)
	if err != nil {
		b.Fatal(err)
	}
	sch, err := db.PutSchedule(ctx, coursebot.Schedule{Kind: coursebot.KindReminder, Cohort: "big", Spec: spec.Cron, Human: "every monday 12:00",
		Timezone: "UTC", Text: "Week 3 starts today: Lesson 4.4, the capstone. Standup at 10.", Digest: true, Created: start})
	if err != nil {
		b.Fatal(err)
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	a, err := slackbot.New(slackbot.Options{BotToken: "xoxb-bench", SigningSecret: "s", APIURL: srv.URL + "/api/",
		Handler: noHandler{}, Store: db, Log: log, Clock: clock})
	if err != nil {
		b.Fatal(err)
	}
	actx, stop := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- a.Run(actx) }()
	b.Cleanup(func() {
		stop()
		if err := <-done; err != nil {
			b.Error(err)
		}
	})
	loaded := builtin(b)
	digest := "*This week in big*: 4,212 of 5,000 members started Lesson 4.4; 1,077 finished it. Most are on card 6 of 14."
	s, err := New(Options{
		Store: db, Course: func() *course.Course { return loaded },
		Senders: map[string]bot.Sender{"slack": a}, Channels: map[string]ChannelSender{"slack": a},
		Now: func() time.Time { return start.Add(3 * time.Hour) }, Log: log, CatchUp: true,
		Digest: func(context.Context, string, time.Time) (string, error) { return digest, nil },
	})
	if err != nil {
		b.Fatal(err)
	}

	b.ResetTimer()
	real0, t0 := time.Now(), clock.Now()
	if err := s.RunDue(ctx); err != nil {
		b.Fatal(err)
	}
	realTook := time.Since(real0)
	b.StopTimer()
	mu.Lock()
	took := last.Sub(t0)
	mu.Unlock()

	runs, err := db.Runs(ctx, sch.ID)
	if err != nil || len(runs) != 1 {
		b.Fatalf("runs %v %v", runs, err)
	}
	ds, err := db.Deliveries(ctx, runs[0])
	if err != nil {
		b.Fatal(err)
	}
	failed := 0
	for _, d := range ds {
		if d.Status != coursebot.DeliverySent {
			failed++
		}
	}
	api.mu.Lock()
	lost, doubled := 0, 0
	for i := range members {
		switch n := api.posts[fmt.Sprintf("DU%05d", i)]; {
		case n == 0:
			lost++
		case n > 1:
			doubled += n - 1
		}
	}
	api.mu.Unlock()
	st := gate.Stats()
	arrivals := make([]time.Duration, members) // all due at once
	least := ratelimittest.Longest(arrivals, ratelimittest.TokenFinish(arrivals, 1, float64(gate.Limits().PostsPerWorkspace), gate.WorkspaceBurst()))
	// Before this pacing work each DM began with conversations.open, a
	// Tier 3 method (50 a minute).
	before := ratelimittest.Longest(arrivals, ratelimittest.TokenFinish(arrivals, 1, float64(gate.Limits().Tier3), ratelimittest.SlackBurst))
	figs.Add(took.Seconds(), "took-s")
	figs.Add(least.Seconds(), "min-s")
	figs.Add(took.Seconds()/least.Seconds(), "vs-min")
	figs.Add(before.Seconds(), "min-before-s")
	figs.Add(float64(lost), "lost")
	figs.Add(float64(doubled), "doubled")
	figs.Add(100*float64(st.Refusals())/float64(max(1, st.Total())), "429-%")
	figs.Add(float64(failed+lost), "failures")
	figs.Add(realTook.Seconds(), "wall-s")
	figs.Add(float64(realTook.Nanoseconds())/members, "ns/op")
	return figs
}
