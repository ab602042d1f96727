package scheduler

import (
	"context"
	"io"
	"log/slog"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/coursebot/coursebot"
	"github.com/coursebot/coursebot/bot"
	"github.com/coursebot/coursebot/course"
	"github.com/coursebot/coursebot/ratelimit"
	"github.com/coursebot/coursebot/store"
)

// fakeClock is the injected clock: Now, the loop's After and Sleep (which
// advances the clock, so backoff and pacing cost no real time).
type fakeClock struct {
	mu     sync.Mutex
	now    time.Time
	timers []fakeTimer
}

type fakeTimer struct {
	at time.Time
	ch chan time.Time
}

func newClock(t time.Time) *fakeClock { return &fakeClock{now: t} }

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) After(d time.Duration) <-chan time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	ch := make(chan time.Time, 1)
	if d <= 0 {
		ch <- c.now
		return ch
	}
	c.timers = append(c.timers, fakeTimer{at: c.now.Add(d), ch: ch})
	return ch
}

func (c *fakeClock) Sleep(ctx context.Context, d time.Duration) error {
	c.Advance(d)
	return ctx.Err()
}

// Set moves the clock to t and fires the timers due by then.
func (c *fakeClock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = t
	keep := c.timers[:0]
	for _, tm := range c.timers {
		if !tm.at.After(t) {
			tm.ch <- t
		} else {
			keep = append(keep, tm)
		}
	}
	c.timers = keep
}

func (c *fakeClock) Advance(d time.Duration) { c.Set(c.Now().Add(d)) }

// waiting reports how many timers are pending (the loop is asleep).
func (c *fakeClock) waiting() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.timers)
}

// post is one message a fake platform received.
type post struct {
	to      string // learner key or "#platform:channel"
	at      time.Time
	replies []bot.Reply
}

// recorder is a Sender and ChannelSender that records what it is given;
// fail, when set, decides the outcome of each call before it counts.
type recorder struct {
	mu    sync.Mutex
	clock func() time.Time
	posts []post
	fail  func(to string, n int) error // n: calls to this recipient so far
	calls map[string]int
	prios map[ratelimit.Priority]int // the priority each send's context carried
	after func(total int)            // called after each successful post
}

// attempts is how many times to was sent to.
func (r *recorder) attempts(to string) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.calls[to]
}

func (r *recorder) notePriority(ctx context.Context) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.prios == nil {
		r.prios = map[ratelimit.Priority]int{}
	}
	r.prios[ratelimit.PriorityOf(ctx)]++
}

func (r *recorder) deliver(to string, replies []bot.Reply) error {
	r.mu.Lock()
	if r.calls == nil {
		r.calls = map[string]int{}
	}
	r.calls[to]++
	n := r.calls[to]
	fail := r.fail
	r.mu.Unlock()
	if fail != nil {
		if err := fail(to, n); err != nil {
			return err
		}
	}
	r.mu.Lock()
	r.posts = append(r.posts, post{to: to, at: r.clock(), replies: replies})
	total := len(r.posts)
	after := r.after
	r.mu.Unlock()
	if after != nil {
		after(total)
	}
	return nil
}

func (r *recorder) Send(ctx context.Context, to coursebot.Learner, replies []bot.Reply) error {
	r.notePriority(ctx)
	return r.deliver(to.Key(), replies)
}

func (r *recorder) SendChannel(ctx context.Context, channel string, replies []bot.Reply) error {
	r.notePriority(ctx)
	return r.deliver("#test:"+channel, replies)
}

func (r *recorder) got() []post {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]post(nil), r.posts...)
}

func (r *recorder) countTo() map[string]int {
	m := map[string]int{}
	for _, p := range r.got() {
		m[p.to]++
	}
	return m
}

func quietLog() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

func openDB(t *testing.T, path string, clock *fakeClock) *store.DB {
	t.Helper()
	db, err := store.Open(path, store.Options{Now: clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	return db
}

func tempDB(t *testing.T, clock *fakeClock) (*store.DB, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "sched.db")
	db := openDB(t, path, clock)
	t.Cleanup(func() { mustClose(t, db) })
	return db, path
}

// mustClose closes c and fails the test if that fails (a bbolt close
// syncs and unlocks the file).
func mustClose(t testing.TB, c io.Closer) {
	t.Helper()
	if err := c.Close(); err != nil {
		t.Error(err)
	}
}

func builtin(t testing.TB) *course.Course {
	t.Helper()
	c, err := course.LoadBuiltin()
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func newSched(t testing.TB, db *store.DB, clock *fakeClock, rec *recorder, mod func(*Options)) *Scheduler {
	t.Helper()
	loaded := builtin(t)
	o := Options{
		Store: db, Course: func() *course.Course { return loaded },
		Senders:  map[string]bot.Sender{"test": rec},
		Channels: map[string]ChannelSender{"test": rec},
		Now:      clock.Now, After: clock.After,
		Log: quietLog(), CatchUp: true, Workers: 4,
	}
	if mod != nil {
		mod(&o)
	}
	s, err := New(o)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// addCohort stores a cohort (with channel test:C1 when withChannel) and
// members test:m000.., and a reminder schedule.
func addCohort(t testing.TB, db *store.DB, name string, withChannel bool, members int, now time.Time) coursebot.Cohort {
	t.Helper()
	ctx := context.Background()
	c := coursebot.Cohort{Name: name, Code: "code-" + name, Timezone: "UTC", Leads: []string{"test:lead-" + name}, Created: now}
	if withChannel {
		c.Channel = "test:C1"
	}
	if err := db.CreateCohort(ctx, c); err != nil {
		t.Fatal(err)
	}
	for i := range members {
		if _, err := db.AddMember(ctx, coursebot.Member{Cohort: name, Learner: memberKey(i), Joined: now}); err != nil {
			t.Fatal(err)
		}
	}
	return c
}

func memberKey(i int) string { return "test:m" + pad(i) }

func pad(i int) string {
	s := "00000" + itoa(i)
	return s[len(s)-5:]
}

func itoa(i int) string {
	if i == 0 {
		return "0"
	}
	var b []byte
	for ; i > 0; i /= 10 {
		b = append([]byte{byte('0' + i%10)}, b...)
	}
	return string(b)
}

func addReminder(t testing.TB, db *store.DB, cohort, text, zone string, created time.Time) coursebot.Schedule {
	t.Helper()
	spec, err := Parse(text, zone, created)
	if err != nil {
		t.Fatal(err)
	}
	s, err := db.PutSchedule(context.Background(), coursebot.Schedule{
		Kind: coursebot.KindReminder, Cohort: cohort, Spec: spec.Cron, Human: text, Timezone: spec.Location.String(),
		Text: "Standup at 10!", Created: created,
	})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func mustTime(t testing.TB, s string) time.Time {
	t.Helper()
	tm, err := time.Parse(time.RFC3339, s)
	if err != nil {
		t.Fatal(err)
	}
	return tm
}

// dueReminder is cohort c1 with members, a reminder every Monday 09:00 UTC
// made on Mon 2 Nov 2026 08:00, and the clock at 09:00: the run is due.
func dueReminder(t *testing.T, members int) (*fakeClock, *store.DB, coursebot.Schedule) {
	t.Helper()
	start := mustTime(t, "2026-11-02T08:00:00Z")
	clock := newClock(start)
	db, _ := tempDB(t, clock)
	addCohort(t, db, "c1", false, members, start)
	sch := addReminder(t, db, "c1", "every monday 09:00", "UTC", start)
	clock.Set(mustTime(t, "2026-11-02T09:00:00Z"))
	return clock, db, sch
}
