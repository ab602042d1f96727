package scheduler

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/coursebot/coursebot"
	"github.com/coursebot/coursebot/bot"
	"github.com/coursebot/coursebot/course"
	"github.com/coursebot/coursebot/delivery"
	"github.com/coursebot/coursebot/ratelimit"
	"github.com/coursebot/coursebot/store"
)

// fakePlatform is an HTTP chat API that enforces a rate limit the way
// Slack and Discord do: over the limit, 429 with Retry-After (and Discord's
// JSON retry_after), and the message is not delivered.
type fakePlatform struct {
	srv      *httptest.Server
	mu       sync.Mutex
	rate     float64
	burst    float64
	tokens   float64
	last     time.Time
	got      map[string]int
	accepted atomic.Int64
	limited  atomic.Int64
	onAccept func(n int64)
}

func newFakePlatform(tb testing.TB, rate float64, burst int) *fakePlatform {
	p := &fakePlatform{rate: rate, burst: float64(burst), tokens: float64(burst), last: time.Now(), got: map[string]int{}}
	p.srv = httptest.NewServer(http.HandlerFunc(p.serve))
	tb.Cleanup(p.srv.Close)
	return p
}

func (p *fakePlatform) serve(w http.ResponseWriter, r *http.Request) {
	var msg struct {
		To   string `json:"to"`
		Text string `json:"text"`
	}
	if r.Method != http.MethodPost || json.NewDecoder(r.Body).Decode(&msg) != nil || msg.To == "" {
		http.Error(w, `{"error":"bad request"}`, http.StatusBadRequest)
		return
	}
	p.mu.Lock()
	now := time.Now()
	p.tokens = math.Min(p.burst, p.tokens+now.Sub(p.last).Seconds()*p.rate)
	p.last = now
	if p.tokens < 1 {
		wait := (1 - p.tokens) / p.rate
		p.mu.Unlock()
		p.limited.Add(1)
		w.Header().Set("Retry-After", strconv.Itoa(int(math.Ceil(wait))))
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusTooManyRequests)
		_, _ = fmt.Fprintf(w, `{"message":"You are being rate limited.","retry_after":%.4f,"global":true}`, wait)
		return
	}
	p.tokens--
	p.got[msg.To]++
	p.mu.Unlock()
	n := p.accepted.Add(1)
	w.Header().Set("Content-Type", "application/json")
	_, _ = io.WriteString(w, `{"ok":true}`)
	if p.onAccept != nil {
		p.onAccept(n)
	}
}

func (p *fakePlatform) counts() map[string]int {
	p.mu.Lock()
	defer p.mu.Unlock()
	out := make(map[string]int, len(p.got))
	for k, v := range p.got {
		out[k] = v
	}
	return out
}

// httpSender is the platform client: a bot.Sender and ChannelSender that
// POSTs each message as an adapter would, paced by the limiter and
// retried by the one retry stage (a 429 pauses the budget and waits its
// Retry-After).
type httpSender struct {
	url    string
	client *http.Client
	lim    *ratelimit.Limiter
	policy delivery.Policy
}

func (s httpSender) post(ctx context.Context, to string, replies []bot.Reply) error {
	text := ""
	if len(replies) > 0 && len(replies[0].Blocks) > 0 {
		text = replies[0].Blocks[0].Text
	}
	body, _ := json.Marshal(map[string]string{"to": to, "text": text})
	budget := ratelimit.Key{Name: "posts", Rule: ratelimit.PerSecond(benchRate, 25)}
	return s.policy.Do(ctx, "post", func(ctx context.Context, _ int, _ error) error {
		g, err := s.lim.Acquire(ctx, ratelimit.PriorityOf(ctx), budget)
		if err != nil {
			return err
		}
		defer g.Done()
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.url, bytes.NewReader(body))
		if err != nil {
			return err
		}
		req.Header.Set("Content-Type", "application/json")
		resp, err := s.client.Do(req)
		if err != nil {
			return err
		}
		defer func() { _ = resp.Body.Close() }()
		if resp.StatusCode == http.StatusTooManyRequests {
			var rl struct {
				RetryAfter float64 `json:"retry_after"`
			}
			_ = json.NewDecoder(resp.Body).Decode(&rl)
			d := time.Duration(rl.RetryAfter * float64(time.Second))
			s.lim.Pause(d, budget.Name)
			return delivery.RateLimited(fmt.Errorf("429"), d)
		}
		if _, err := io.Copy(io.Discard, resp.Body); err != nil {
			return err
		}
		if resp.StatusCode != http.StatusOK {
			return fmt.Errorf("status %d", resp.StatusCode)
		}
		return nil
	})
}

func (s httpSender) Send(ctx context.Context, to coursebot.Learner, r []bot.Reply) error {
	return s.post(ctx, to.Key(), r)
}

func (s httpSender) SendChannel(ctx context.Context, ch string, r []bot.Reply) error {
	return s.post(ctx, "#"+ch, r)
}

const (
	benchLearners = 10_000
	benchRate     = 2000 // the fake platform's limit, messages/s (scaled down from production so a run takes seconds)
)

// BenchmarkFanOut sends one reminder (a cohort without a channel: one DM per
// member) and one nudge run to 10,000 learners through a fake platform that
// answers 429 over 2,000 messages/s, paced by the bot's limiter; "killed" stops the process halfway
// (the context is cancelled, as on SIGTERM) and a fresh scheduler over the
// same file finishes the run. Reported: achieved rate, its share of the
// limit, messages lost and duplicated, 429s received; ns/op is the time per
// message. Each sub-benchmark runs its fan-out once, whatever b.N.
func BenchmarkFanOut(b *testing.B) {
	for _, kind := range []string{coursebot.KindReminder, coursebot.KindNudge} {
		for _, killed := range []bool{false, true} {
			b.Run(fmt.Sprintf("%s/killed=%v", kind, killed), func(b *testing.B) {
				// One fan-out of 10,000 messages whatever b.N is (make
				// bench runs -benchtime=2000x); ns/op is reported per
				// message sent.
				benchFanOut(b, kind, killed)
			})
		}
	}
}

func benchFanOut(b *testing.B, kind string, killed bool) {
	b.StopTimer()
	ctx := context.Background()
	start := time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC) // schedules' own clock: a Monday
	path := filepath.Join(b.TempDir(), "bench.db")
	db, err := store.Open(path, store.Options{})
	if err != nil {
		b.Fatal(err)
	}
	loaded := builtin(b)
	les := loaded.Lessons["4-4"]
	var want []string
	switch kind {
	case coursebot.KindReminder:
		addCohortFast(b, db, benchLearners, start)
		addReminder(b, db, "big", "every monday 12:00", "UTC", start)
		for i := range benchLearners {
			want = append(want, memberKey(i))
		}
	case coursebot.KindNudge:
		old := start.Add(-100 * time.Hour)
		parallel(b, benchLearners, func(i int) error {
			_, _, err := db.UpdateProgress(ctx, memberKey(i), "4-4", func(_ *coursebot.LearnerRecord, p *coursebot.Progress) error {
				p.Card, p.CardIndex, p.Started, p.Updated = les.Cards[3].Key, 3, old, old
				return nil
			})
			return err
		})
		for i := range benchLearners {
			want = append(want, memberKey(i))
		}
	}
	plat := newFakePlatform(b, benchRate, 50)
	transport := &http.Transport{MaxIdleConnsPerHost: 64}
	b.Cleanup(transport.CloseIdleConnections)
	sender := httpSender{url: plat.srv.URL, client: &http.Client{Transport: transport, Timeout: 10 * time.Second},
		lim: ratelimit.New(nil), policy: delivery.Policy{Backoff: 50 * time.Millisecond}}
	// The injected clock reads 12:00 UTC on the schedules' Monday (the
	// reminder is due, outside quiet hours) and runs at real speed, which
	// the pacing needs.
	clockStart, realStart := start.Add(2*time.Hour), time.Now()
	now := func() time.Time { return clockStart.Add(time.Since(realStart)) }
	mk := func(db *store.DB) *Scheduler {
		s, err := New(Options{
			Store: db, Course: func() *course.Course { return loaded },
			Senders: map[string]bot.Sender{"test": sender}, Channels: map[string]ChannelSender{"test": sender},
			Now: now, Log: quietLog(), CatchUp: true,
			Nudges:  NudgeOptions{Enabled: kind == coursebot.KindNudge, Lesson: "4-4", After: 72 * time.Hour, Max: 3, Check: "0 12 * * *", Zone: "UTC"},
			Workers: 32,
		})
		if err != nil {
			b.Fatal(err)
		}
		return s
	}
	if kind == coursebot.KindNudge {
		// The nudge schedule is created at the first start; have it
		// exist since before the check time, as in a running bot.
		if _, err := db.PutSchedule(ctx, coursebot.Schedule{ID: NudgeScheduleID("4-4"), Kind: coursebot.KindNudge, Spec: "0 12 * * *", Timezone: "UTC", Lesson: "4-4", Created: start}); err != nil {
			b.Fatal(err)
		}
	}

	runCtx, kill := context.WithCancel(ctx)
	if killed {
		plat.onAccept = func(n int64) {
			if n == benchLearners/2 {
				kill()
			}
		}
	}
	b.StartTimer()
	t0 := time.Now()
	err = mk(db).RunDue(runCtx)
	if killed {
		if err == nil {
			b.Fatal("the run finished although it was killed halfway")
		}
		// A fresh process over the same file.
		if err := db.Close(); err != nil {
			b.Fatal(err)
		}
		if db, err = store.Open(path, store.Options{}); err != nil {
			b.Fatal(err)
		}
		err = mk(db).Start(ctx)
	}
	elapsed := time.Since(t0)
	b.StopTimer()
	kill()
	if err != nil {
		b.Fatal(err)
	}
	defer func() {
		if err := db.Close(); err != nil {
			b.Error(err)
		}
	}()
	got := plat.counts()
	lost, dup := 0, 0
	for _, k := range want {
		switch n := got[k]; {
		case n == 0:
			lost++
		case n > 1:
			dup += n - 1
		}
	}
	if len(got) != len(want) {
		b.Errorf("%d distinct recipients reached, want %d", len(got), len(want))
	}
	rate := float64(plat.accepted.Load()) / elapsed.Seconds()
	b.ReportMetric(float64(elapsed.Nanoseconds())/float64(max(1, plat.accepted.Load())), "ns/op")
	b.ReportMetric(rate, "msgs/s")
	b.ReportMetric(100*rate/benchRate, "%-of-limit")
	b.ReportMetric(float64(lost), "lost")
	b.ReportMetric(float64(dup), "duplicated")
	b.ReportMetric(float64(plat.limited.Load()), "429s")
	if lost > 0 || dup > 0 {
		b.Errorf("%d lost, %d duplicated", lost, dup)
	}
}

// addCohortFast adds cohort "big" (no channel: reminders go by DM) with n
// members, concurrently so bbolt batches the commits.
func addCohortFast(b *testing.B, db *store.DB, n int, now time.Time) {
	ctx := context.Background()
	if err := db.CreateCohort(ctx, coursebot.Cohort{Name: "big", Code: "big", Timezone: "UTC", Leads: []string{"test:lead"}, Created: now}); err != nil {
		b.Fatal(err)
	}
	parallel(b, n, func(i int) error {
		_, err := db.AddMember(ctx, coursebot.Member{Cohort: "big", Learner: memberKey(i), Joined: now})
		return err
	})
}

func parallel(b *testing.B, n int, fn func(i int) error) {
	var wg sync.WaitGroup
	errs := make(chan error, 64)
	next := atomic.Int64{}
	for range 64 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1)) - 1
				if i >= n {
					return
				}
				if err := fn(i); err != nil {
					select {
					case errs <- err:
					default:
					}
					return
				}
			}
		}()
	}
	wg.Wait()
	select {
	case err := <-errs:
		b.Fatal(err)
	default:
	}
}
