// Package scheduler runs cohort leads' reminders and the course's nudges
// from schedules kept in the store, exactly once across restarts: each run
// (schedule id + fire time) is recorded with its recipients before anything
// is sent, and each delivery after it is made, so a restart resumes a run
// where it stopped and catches up a missed schedule once. Deliveries go
// through the adapters' send paths, paced per platform, retried with
// backoff; a permanently failing recipient is recorded and reported to the
// cohort's leads (or, for nudges, to the admins). See docs/scheduling.md.
package scheduler

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/coursebot/coursebot/bot"
	"github.com/coursebot/coursebot/delivery"
	"github.com/coursebot/coursebot/lessons"
	"github.com/coursebot/coursebot/store"
)

// ChannelSender posts replies to a channel (a cohort's Slack channel or
// Discord channel) outside of a request.
type ChannelSender interface {
	SendChannel(ctx context.Context, channel string, replies []bot.Reply) error
}

// Store is what the scheduler needs from persistence (*store.DB).
type Store interface {
	Schedules(ctx context.Context) ([]store.Schedule, error)
	Schedule(ctx context.Context, id string) (store.Schedule, bool, error)
	PutSchedule(ctx context.Context, s store.Schedule) (store.Schedule, error)
	DeleteSchedule(ctx context.Context, id string) (bool, error)
	ClaimRun(ctx context.Context, id string, at time.Time, recipients []string, catchUp bool) (store.Run, bool, error)
	SkipRuns(ctx context.Context, id string, at time.Time) (bool, error)
	OpenRuns(ctx context.Context) ([]store.Run, error)
	FinishRun(ctx context.Context, run store.Run) error
	RecordDelivery(ctx context.Context, run store.Run, d store.Delivery) error
	Deliveries(ctx context.Context, run store.Run) (map[string]store.Delivery, error)
	Cohort(ctx context.Context, name string) (store.Cohort, bool, error)
	Members(ctx context.Context, cohort string) ([]store.Member, error)
	Learners(ctx context.Context) ([]string, error)
	Progress(ctx context.Context, learner, lesson string) (lessons.Progress, error)
	LearnerProgress(ctx context.Context, learner string) ([]lessons.Progress, error)
	UpdateProgress(ctx context.Context, learner, lesson string, fn func(*lessons.LearnerRecord, *lessons.Progress) error) (lessons.LearnerRecord, lessons.Progress, error)
	NudgeState(ctx context.Context, learner string) (store.NudgeState, error)
	UpdateNudgeState(ctx context.Context, learner string, fn func(*store.NudgeState)) (store.NudgeState, error)
}

// Rate is a platform's sending budget.
type Rate struct {
	PerSecond float64 // 0 = unlimited
	Burst     int     // tokens available at once (default 1)
}

// NudgeOptions configure the capstone nudges.
type NudgeOptions struct {
	Enabled bool
	Lesson  string
	After   time.Duration // inactivity before a nudge, and between nudges
	Max     int           // nudges per learner and lesson
	// Check is the cron spec on which candidates are checked; a
	// "CRON_TZ=Zone " prefix sets its zone, else Zone.
	Check string
	Zone  string // zone of Check and of the quiet hours
	// Quiet hours, minutes after midnight in Zone; QuietStart == QuietEnd
	// means none. QuietStart > QuietEnd wraps past midnight.
	QuietStart, QuietEnd int
	// Reviews DMs learners whose missed quiz questions are due for review
	// (review.go), on the Check spec, within the quiet hours, respecting
	// opt-out and snooze like nudges; independent of Enabled.
	Reviews bool
}

// Quiet reports whether t falls in the quiet hours.
func (o NudgeOptions) Quiet(t time.Time) bool {
	if o.QuietStart == o.QuietEnd {
		return false
	}
	if loc, err := loadZone(o.Zone); err == nil {
		t = t.In(loc)
	}
	m := t.Hour()*60 + t.Minute()
	if o.QuietStart < o.QuietEnd {
		return m >= o.QuietStart && m < o.QuietEnd
	}
	return m >= o.QuietStart || m < o.QuietEnd
}

// Options are the scheduler's dependencies and settings.
type Options struct {
	Store  Store
	Course func() *lessons.Course
	// Senders deliver DMs, by platform ("slack", "discord", "console").
	Senders map[string]bot.Sender
	// Channels post to cohort channels, by platform.
	Channels map[string]ChannelSender
	Now      func() time.Time                     // default time.Now
	After    func(time.Duration) <-chan time.Time // the loop's timer; default time.After
	// Sleep waits for pacing and backoff; default a timer that stops
	// early when ctx is done.
	Sleep   func(ctx context.Context, d time.Duration) error
	Log     *slog.Logger
	CatchUp bool // on start, run once each schedule missed while down
	Nudges  NudgeOptions
	// Rates pace deliveries per platform; a platform not listed is
	// unlimited. DefaultRates has the platforms' documented limits.
	Rates map[string]Rate
	// Workers is how many sends of one run may be in flight (default 16).
	Workers int
	// MaxAttempts is how many times a failing send is tried before the
	// recipient is recorded as failed (default 5). 429s do not count.
	MaxAttempts int
	// Backoff is the wait before the first retry, doubling up to 1 minute
	// (default 1s).
	Backoff time.Duration
	// Admins are learner keys told about nudges that could not be sent.
	Admins []string
	// Digest, when set, returns the weekly digest appended to a cohort's
	// reminders whose schedule asks for one.
	Digest func(ctx context.Context, cohort string, now time.Time) (string, error)
	// OnRun, when set, is told how each run ended: kind is "reminder" or
	// "nudge", result "ok", "failures" (some recipients failed),
	// "interrupted" (stopped; resumed at the next start) or "error".
	OnRun func(kind, result string)
}

// DefaultRates are conservative budgets under the platforms' limits:
// Discord allows 50 requests/s per bot; Slack about 1 message/s per
// channel with a workspace cap of several hundred a minute.
func DefaultRates() map[string]Rate {
	return map[string]Rate{
		"slack":   {PerSecond: 4, Burst: 4},
		"discord": {PerSecond: 45, Burst: 10},
	}
}

// Scheduler runs the stored schedules. Create it with New.
type Scheduler struct {
	o      Options
	log    *slog.Logger
	pacers map[string]*pacer
	wake   chan struct{}
}

// New returns a scheduler; it does nothing until Run (or RunDue).
func New(o Options) (*Scheduler, error) {
	if o.Store == nil || o.Course == nil {
		return nil, errors.New("scheduler: Store and Course are required")
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.After == nil {
		o.After = time.After
	}
	if o.Sleep == nil {
		o.Sleep = func(ctx context.Context, d time.Duration) error {
			t := time.NewTimer(d)
			defer t.Stop()
			select {
			case <-t.C:
				return nil
			case <-ctx.Done():
				return ctx.Err()
			}
		}
	}
	if o.Log == nil {
		o.Log = slog.Default()
	}
	if o.Workers <= 0 {
		o.Workers = 16
	}
	if o.MaxAttempts <= 0 {
		o.MaxAttempts = 5
	}
	if o.Backoff <= 0 {
		o.Backoff = time.Second
	}
	if o.Nudges.Enabled {
		if o.Nudges.Lesson == "" || o.Nudges.After <= 0 || o.Nudges.Max <= 0 {
			return nil, errors.New("scheduler: nudges need a lesson, an inactivity time and a maximum")
		}
		if _, _, err := nudgeSpec(o.Nudges); err != nil {
			return nil, fmt.Errorf("scheduler: nudge check: %w", err)
		}
	}
	if o.Nudges.Reviews {
		if _, _, err := nudgeSpec(o.Nudges); err != nil {
			return nil, fmt.Errorf("scheduler: review check: %w", err)
		}
	}
	s := &Scheduler{o: o, log: o.Log, pacers: map[string]*pacer{}, wake: make(chan struct{}, 1)}
	for p, r := range o.Rates {
		if r.PerSecond > 0 {
			s.pacers[p] = newPacer(r, o.Now, o.Sleep)
		}
	}
	return s, nil
}

// Wake tells a running loop that schedules changed.
func (s *Scheduler) Wake() {
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

// NudgeScheduleID is the id of the nudge check for lesson.
func NudgeScheduleID(lesson string) string { return "nudge-" + lesson }

func nudgeSpec(n NudgeOptions) (spec, zone string, err error) {
	return CheckSpec(n.Check, n.Zone)
}

// Start brings the stored state up to date: the nudge schedule matches
// the options, runs interrupted by a stop are finished, and schedules
// missed while the bot was down are caught up once (or skipped).
func (s *Scheduler) Start(ctx context.Context) error {
	if err := s.syncNudgeSchedule(ctx); err != nil {
		return err
	}
	if err := s.syncReviewSchedule(ctx); err != nil {
		return err
	}
	open, err := s.o.Store.OpenRuns(ctx)
	if err != nil {
		return err
	}
	for _, run := range open {
		sch, ok, err := s.o.Store.Schedule(ctx, run.Schedule)
		if err != nil {
			return err
		}
		if !ok {
			if err := s.o.Store.FinishRun(ctx, run); err != nil {
				return err
			}
			continue
		}
		s.log.Info("resuming run", "schedule", run.Schedule, "at", run.At)
		if err := s.execute(ctx, sch, run, true); err != nil {
			return err
		}
	}
	return s.tick(ctx, true)
}

func (s *Scheduler) syncNudgeSchedule(ctx context.Context) error {
	n := s.o.Nudges
	if !n.Enabled {
		return nil
	}
	spec, zone, err := nudgeSpec(n)
	if err != nil {
		return err
	}
	id := NudgeScheduleID(n.Lesson)
	cur, ok, err := s.o.Store.Schedule(ctx, id)
	if err != nil {
		return err
	}
	if ok && cur.Spec == spec && cur.Timezone == zone {
		return nil
	}
	sch := store.Schedule{ID: id, Kind: store.KindNudge, Spec: spec, Timezone: zone, Lesson: n.Lesson, Created: s.o.Now()}
	if ok {
		sch.Created, sch.Last = cur.Created, cur.Last
	}
	_, err = s.o.Store.PutSchedule(ctx, sch)
	return err
}

// Run starts (see Start) and then fires schedules as they come due until
// ctx is done.
func (s *Scheduler) Run(ctx context.Context) error {
	if err := s.Start(ctx); err != nil {
		if ctx.Err() != nil {
			return nil
		}
		return fmt.Errorf("scheduler start: %w", err)
	}
	for {
		wait := s.untilNext(ctx)
		select {
		case <-ctx.Done():
			return nil
		case <-s.wake:
		case <-s.o.After(wait):
		}
		if err := s.RunDue(ctx); err != nil {
			if ctx.Err() != nil {
				return nil
			}
			// A run that cannot start (the store failing) is still due:
			// try again in a minute rather than at once.
			s.log.Error("scheduler run; retrying in a minute", "err", err)
			select {
			case <-ctx.Done():
				return nil
			case <-s.o.After(time.Minute):
			}
		}
	}
}

// untilNext is how long until the earliest next fire time (at most an hour,
// so a clock that jumps is noticed).
func (s *Scheduler) untilNext(ctx context.Context) time.Duration {
	const maxWait = time.Hour
	scheds, err := s.o.Store.Schedules(ctx)
	if err != nil {
		return time.Minute
	}
	now := s.o.Now()
	wait := maxWait
	for _, sch := range scheds {
		spec, err := Compile(sch.Spec, sch.Timezone)
		if err != nil {
			continue
		}
		next := spec.Next(base(sch))
		if next.IsZero() {
			continue
		}
		wait = min(wait, max(0, next.Sub(now)))
	}
	return wait
}

func base(sch store.Schedule) time.Time {
	if sch.Last.IsZero() {
		return sch.Created
	}
	return sch.Last
}

// RunDue fires every schedule whose time has come, once each however many
// fire times passed, and returns when their runs are done.
func (s *Scheduler) RunDue(ctx context.Context) error { return s.tick(ctx, false) }

func (s *Scheduler) tick(ctx context.Context, startup bool) error {
	scheds, err := s.o.Store.Schedules(ctx)
	if err != nil {
		return err
	}
	now := s.o.Now()
	var wg sync.WaitGroup
	errs := make([]error, len(scheds))
	for i, sch := range scheds {
		if sch.Kind == store.KindNudge && (!s.o.Nudges.Enabled || sch.Lesson != s.o.Nudges.Lesson) {
			continue
		}
		if sch.Kind == store.KindReview && !s.o.Nudges.Reviews {
			continue
		}
		spec, err := Compile(sch.Spec, sch.Timezone)
		if err != nil {
			s.log.Error("schedule cannot be read; skipped", "schedule", sch.ID, "err", err)
			continue
		}
		due, missed := latestDue(spec, base(sch), now)
		if due.IsZero() {
			continue
		}
		if startup && !s.o.CatchUp {
			if _, err := s.o.Store.SkipRuns(ctx, sch.ID, due); err != nil {
				return err
			}
			s.log.Info("skipped runs missed while stopped", "schedule", sch.ID, "missed", missed, "catch_up", false)
			continue
		}
		recipients, err := s.recipients(ctx, sch, due)
		if err != nil {
			return err
		}
		run, claimed, err := s.o.Store.ClaimRun(ctx, sch.ID, due, recipients, startup)
		if err != nil {
			return err
		}
		if !claimed {
			continue
		}
		if missed > 1 {
			s.log.Info("caught up once for missed runs", "schedule", sch.ID, "missed", missed, "at", due)
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = s.execute(ctx, sch, run, false)
		}()
	}
	wg.Wait()
	return errors.Join(errs...)
}

// latestDue returns the last fire time in (after, now] and how many there
// were (capped), or the zero time.
func latestDue(spec Spec, after, now time.Time) (time.Time, int) {
	var last time.Time
	n := 0
	for t := after; n < 1_000_000; n++ {
		next := spec.Next(t)
		if next.IsZero() || next.After(now) {
			break
		}
		last, t = next, next
	}
	return last, n
}

// recipients fixes whom a run reaches: the cohort channel, or each member
// by DM when the cohort has none; for nudges, the eligible learners.
func (s *Scheduler) recipients(ctx context.Context, sch store.Schedule, at time.Time) ([]string, error) {
	switch sch.Kind {
	case store.KindReminder:
		c, ok, err := s.o.Store.Cohort(ctx, sch.Cohort)
		if err != nil || !ok {
			return nil, err
		}
		if c.Channel != "" {
			return []string{channelRecipient(c.Channel)}, nil
		}
		members, err := s.o.Store.Members(ctx, sch.Cohort)
		if err != nil {
			return nil, err
		}
		out := make([]string, 0, len(members))
		for _, m := range members {
			out = append(out, m.Learner)
		}
		return out, nil
	case store.KindNudge:
		if s.o.Nudges.Quiet(at) {
			return nil, nil
		}
		learners, err := s.o.Store.Learners(ctx)
		if err != nil {
			return nil, err
		}
		var out []string
		for _, l := range learners {
			ok, _, err := s.eligible(ctx, l, at)
			if err != nil {
				return nil, err
			}
			if ok {
				out = append(out, l)
			}
		}
		return out, nil
	case store.KindReview:
		return s.reviewRecipients(ctx, at)
	}
	return nil, fmt.Errorf("schedule %s: unknown kind %q", sch.ID, sch.Kind)
}

func channelRecipient(channel string) string { return "#" + channel }

func (s *Scheduler) eligible(ctx context.Context, learner string, now time.Time) (bool, string, error) {
	p, err := s.o.Store.Progress(ctx, learner, s.o.Nudges.Lesson)
	if err != nil {
		return false, "", err
	}
	st, err := s.o.Store.NudgeState(ctx, learner)
	if err != nil {
		return false, "", err
	}
	ok, why := Eligible(now, p, st, s.o.Nudges)
	return ok, why, nil
}

// Eligible says whether a learner with progress p and nudge state st gets a
// nudge at now, and if not, why not.
func Eligible(now time.Time, p lessons.Progress, st store.NudgeState, o NudgeOptions) (bool, string) {
	lesson := o.Lesson
	switch {
	case p.State() == lessons.StateNotStarted:
		return false, "not started"
	case p.State() == lessons.StateCompleted:
		return false, "finished"
	case st.OptOut:
		return false, "opted out"
	case now.Before(st.SnoozeUntil):
		return false, "snoozed"
	case st.Sent[lesson] >= o.Max:
		return false, "had the most nudges"
	case now.Sub(lastActive(p)) < o.After:
		return false, "active recently"
	case now.Sub(st.Last[lesson]) < o.After:
		return false, "nudged recently"
	case o.Quiet(now):
		return false, "quiet hours"
	}
	return true, ""
}

func lastActive(p lessons.Progress) time.Time {
	t := p.Updated
	if p.Started.After(t) {
		t = p.Started
	}
	return t
}

// ---- executing a run --------------------------------------------------------

// outcome of one recipient.
type outcome struct {
	recipient string
	err       error // permanent failure
}

// execute sends run to its recipients still pending. resumed says the run
// was interrupted before (a restart): its sends may have been made in part.
func (s *Scheduler) execute(ctx context.Context, sch store.Schedule, run store.Run, resumed bool) (err error) {
	failures := false
	defer func() {
		if s.o.OnRun == nil {
			return
		}
		result := "ok"
		switch {
		case err != nil && ctx.Err() != nil:
			result = "interrupted"
		case err != nil:
			result = "error"
		case failures:
			result = "failures"
		}
		s.o.OnRun(sch.Kind, result)
	}()
	done, err := s.o.Store.Deliveries(ctx, run)
	if err != nil {
		return err
	}
	var pending []string
	for _, r := range run.Recipients {
		if _, ok := done[r]; !ok {
			pending = append(pending, r)
		}
	}
	var failed []outcome
	for _, d := range done {
		if d.Status == store.DeliveryFailed && !strings.HasPrefix(d.Recipient, reportPrefix) {
			failed = append(failed, outcome{recipient: d.Recipient, err: errors.New(d.Err)})
		}
	}
	var reminder []bot.Reply
	if sch.Kind == store.KindReminder && len(pending) > 0 {
		if reminder, err = s.reminderReplies(ctx, sch, run); err != nil {
			return err
		}
	}

	jobs := make(chan string)
	var (
		mu        sync.Mutex
		wg        sync.WaitGroup
		cancelled atomic.Bool
		sent      atomic.Int64
	)
	for range min(s.o.Workers, max(1, len(pending))) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for r := range jobs {
				if cancelled.Load() {
					continue
				}
				if n := sent.Add(1); n%64 == 0 {
					if _, ok, err := s.o.Store.Schedule(ctx, sch.ID); err == nil && !ok {
						cancelled.Store(true) // /cohort cancel during the run
						continue
					}
				}
				o, err := s.deliverOne(ctx, sch, run, r, reminder, resumed)
				if err != nil {
					continue // ctx done: the run stays open and resumes
				}
				if o.err != nil {
					mu.Lock()
					failed = append(failed, o)
					mu.Unlock()
				}
			}
		}()
	}
feed:
	for _, r := range pending {
		select {
		case jobs <- r:
		case <-ctx.Done():
			break feed
		}
	}
	close(jobs)
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return err
	}
	failures = len(failed) > 0
	if len(failed) > 0 && !cancelled.Load() {
		s.report(ctx, sch, run, failed, done)
	}
	if err := s.o.Store.FinishRun(context.WithoutCancel(ctx), run); err != nil {
		return err
	}
	s.log.Info("run finished", "schedule", sch.ID, "at", run.At, "recipients", len(run.Recipients), "failed", len(failed))
	return nil
}

// deliverOne sends to one recipient with pacing and retries and records the
// outcome. It returns an error only when ctx ended before the outcome was
// known (nothing recorded: the recipient is retried on resume).
//
// Every attempt carries the same idempotency key, the run and the
// recipient (delivery.WithKey), down to the platform's message metadata or
// nonce: a retry after a timeout, or a resumed run, finds the messages an
// earlier attempt made instead of posting them again.
func (s *Scheduler) deliverOne(ctx context.Context, sch store.Schedule, run store.Run, recipient string, replies []bot.Reply, resumed bool) (outcome, error) {
	record := func(status, msg string, attempts int) error {
		// Recorded even when ctx ends now: the send happened.
		return s.o.Store.RecordDelivery(context.WithoutCancel(ctx), run, store.Delivery{
			Recipient: recipient, Status: status, Err: msg, Attempts: attempts, At: s.o.Now(),
		})
	}
	if sch.Kind == store.KindNudge {
		ok, why, err := s.eligible(ctx, recipient, s.o.Now())
		if err != nil {
			return outcome{}, err
		}
		if !ok {
			s.log.Debug("nudge no longer due", "learner", recipient, "why", why)
			return outcome{}, record(store.DeliverySkipped, why, 0)
		}
		if replies, err = s.nudgeReplies(ctx, recipient); err != nil {
			return outcome{}, err
		}
	}
	var due []lessons.ReviewDue
	if sch.Kind == store.KindReview {
		var why string
		var err error
		if replies, due, why, err = s.reviewReplies(ctx, recipient); err != nil {
			return outcome{}, err
		}
		if why != "" {
			s.log.Debug("review no longer due", "learner", recipient, "why", why)
			return outcome{}, record(store.DeliverySkipped, why, 0)
		}
	}
	send, platform, err := s.route(recipient)
	if err != nil {
		return outcome{recipient, err}, record(store.DeliveryFailed, err.Error(), 0)
	}
	key := run.Schedule + "@" + run.At.UTC().Format(time.RFC3339) + ">" + recipient
	pacer := s.pacers[platform]
	policy := delivery.Policy{Attempts: s.o.MaxAttempts, Backoff: s.o.Backoff, MaxBackoff: time.Minute, MaxRateWaits: 100, Sleep: s.o.Sleep}
	attempts := 0
	err = policy.Do(ctx, "send to "+recipient, func(ctx context.Context, attempt int, prev error) error {
		attempts = attempt
		if pacer != nil {
			if err := pacer.wait(ctx); err != nil {
				return err
			}
		}
		// An in-flight send finishes even when a stop is asked for, so its
		// outcome is known and recorded.
		sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Minute)
		defer cancel()
		sctx = delivery.WithKey(sctx, key, resumed || prev != nil)
		err := send(sctx, replies)
		if d, ok := retryAfter(err); ok {
			if pacer != nil {
				pacer.pause(d) // every send on the platform waits
				d = 0
			}
			return delivery.RateLimited(err, d)
		}
		if isPermanent(err) {
			return delivery.Permanent(err)
		}
		return err
	})
	if err == nil {
		if err := record(store.DeliverySent, "", attempts); err != nil {
			return outcome{}, err
		}
		if sch.Kind == store.KindNudge {
			now := s.o.Now()
			_, err := s.o.Store.UpdateNudgeState(context.WithoutCancel(ctx), recipient, func(st *store.NudgeState) {
				if st.Sent == nil {
					st.Sent = map[string]int{}
				}
				if st.Last == nil {
					st.Last = map[string]time.Time{}
				}
				st.Sent[sch.Lesson]++
				st.Last[sch.Lesson] = now
			})
			return outcome{}, err
		}
		if sch.Kind == store.KindReview {
			return outcome{}, s.reviewSent(context.WithoutCancel(ctx), recipient, due)
		}
		return outcome{}, nil
	}
	if ctx.Err() != nil {
		return outcome{}, ctx.Err() // stopping: retried on resume
	}
	cause := errors.Unwrap(err) // the send's error, without "send to …"
	if cause == nil {
		cause = err
	}
	s.log.Warn("delivery failed", "schedule", sch.ID, "recipient", recipient, "attempts", attempts, "err", cause)
	return outcome{recipient, cause}, record(store.DeliveryFailed, cause.Error(), attempts)
}

// route returns the send function for a recipient and its platform.
func (s *Scheduler) route(recipient string) (func(context.Context, []bot.Reply) error, string, error) {
	if ch, ok := strings.CutPrefix(recipient, "#"); ok {
		platform, id, found := strings.Cut(ch, ":")
		cs := s.o.Channels[platform]
		if !found || cs == nil {
			return nil, platform, permanent(fmt.Errorf("no way to post to channel %q on %q", id, platform))
		}
		return func(ctx context.Context, r []bot.Reply) error { return cs.SendChannel(ctx, id, r) }, platform, nil
	}
	l, ok := bot.ParseLearnerKey(recipient)
	if !ok {
		return nil, "", permanent(fmt.Errorf("%q is not a learner", recipient))
	}
	snd := s.o.Senders[l.Platform]
	if snd == nil {
		return nil, l.Platform, permanent(fmt.Errorf("no way to send direct messages on %q", l.Platform))
	}
	return func(ctx context.Context, r []bot.Reply) error { return snd.Send(ctx, l, r) }, l.Platform, nil
}

const reportPrefix = "report:"

// report tells the cohort's leads (or the admins, for nudges) who could
// not be reached; each report is a recorded delivery, sent once.
func (s *Scheduler) report(ctx context.Context, sch store.Schedule, run store.Run, failed []outcome, done map[string]store.Delivery) {
	to := s.o.Admins
	what := fmt.Sprintf("The nudges of %s", run.At.Format("Mon 2 Jan 15:04 MST"))
	if sch.Kind == store.KindReview {
		what = fmt.Sprintf("The review reminders of %s", run.At.Format("Mon 2 Jan 15:04 MST"))
	}
	if sch.Kind == store.KindReminder {
		c, ok, err := s.o.Store.Cohort(ctx, sch.Cohort)
		if err != nil || !ok {
			return
		}
		to = c.Leads
		spec, _ := Compile(sch.Spec, sch.Timezone)
		at := run.At
		if spec.Location != nil {
			at = at.In(spec.Location)
		}
		what = fmt.Sprintf("Reminder %s of cohort %s (%s)", sch.ID, sch.Cohort, at.Format("Mon 2 Jan 15:04 MST"))
	}
	sort.Slice(failed, func(i, j int) bool { return failed[i].recipient < failed[j].recipient })
	var b strings.Builder
	fmt.Fprintf(&b, "%s could not reach %d recipient(s); they were skipped, everyone else got it:\n", what, len(failed))
	for i, f := range failed {
		if i == 20 {
			fmt.Fprintf(&b, "- and %d more\n", len(failed)-20)
			break
		}
		fmt.Fprintf(&b, "- %s: %s\n", strings.TrimPrefix(f.recipient, "#"), shortErr(f.err))
	}
	reply := []bot.Reply{{Ephemeral: true, Title: "Delivery problems", Blocks: []bot.Block{{Kind: bot.BlockMarkdown, Text: b.String()}}}}
	for _, lead := range to {
		key := reportPrefix + lead
		if _, ok := done[key]; ok {
			continue
		}
		send, _, err := s.route(lead)
		status, msg := store.DeliverySent, ""
		if err == nil {
			sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Minute)
			err = send(sctx, reply)
			cancel()
		}
		if err != nil {
			status, msg = store.DeliveryFailed, err.Error()
			s.log.Warn("could not report failed deliveries", "to", lead, "err", err)
		}
		if err := s.o.Store.RecordDelivery(context.WithoutCancel(ctx), run, store.Delivery{Recipient: key, Status: status, Err: msg, At: s.o.Now()}); err != nil {
			s.log.Error("record report", "err", err)
		}
	}
}

func shortErr(err error) string {
	msg := err.Error()
	if len(msg) > 200 {
		msg = msg[:200] + "…"
	}
	return msg
}

// ---- errors the senders return -----------------------------------------------

// retryAfter recognises a rate-limit error: anything in the chain with a
// RetryAfter() time.Duration method.
func retryAfter(err error) (time.Duration, bool) {
	var ra interface{ RetryAfter() time.Duration }
	if errors.As(err, &ra) {
		return max(ra.RetryAfter(), 10*time.Millisecond), true
	}
	return 0, false
}

// isPermanent recognises errors that no retry will fix: delivery.Permanent
// ones, or anything in the chain with a Permanent() bool method returning
// true.
func isPermanent(err error) bool {
	var p interface{ Permanent() bool }
	return delivery.IsPermanent(err) || (errors.As(err, &p) && p.Permanent())
}

func permanent(err error) error { return delivery.Permanent(err) }

// Permanent marks err as one that retrying will not fix (blocked DMs, a
// deleted channel): the recipient is recorded as failed at once. It is
// delivery.Permanent.
func Permanent(err error) error { return delivery.Permanent(err) }
