package scheduler

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/coursebot/coursebot"

	"github.com/coursebot/coursebot/bot"
	"github.com/coursebot/coursebot/delivery"
	"github.com/coursebot/coursebot/lessons"
	"github.com/coursebot/coursebot/ratelimit"
)

// Delivering to one recipient (paced, retried, recorded), routing by
// recipient, and the report of failures to leads or admins.

// DeliveryLog records each recipient's outcome of a run (*store.DB).
type DeliveryLog interface {
	RecordDelivery(ctx context.Context, run coursebot.Run, d coursebot.Delivery) error
	Deliveries(ctx context.Context, run coursebot.Run) (map[string]coursebot.Delivery, error)
}

// deliverOne sends to one recipient and records the outcome. It returns
// an error only when ctx ended before the outcome was known (nothing
// recorded: the recipient is retried on resume).
//
// The send is one attempt: the adapter paces each of its platform calls
// (package ratelimit, at Background priority: behind every call a learner
// waits for) and retries each under the one retry stage
// (delivery.Policy), so nothing here retries again. The attempt carries
// an idempotency key, the run and the recipient (delivery.WithKey), down
// to the platform's message metadata or nonce: a resumed run finds the
// messages an earlier attempt made instead of posting them again.
func (s *Scheduler) deliverOne(ctx context.Context, sch coursebot.Schedule, run coursebot.Run, recipient string, replies []bot.Reply, resumed bool) (outcome, error) {
	record := func(status, msg string, attempts int) error {
		// Recorded even when ctx ends now: the send happened.
		return s.o.Store.RecordDelivery(context.WithoutCancel(ctx), run, coursebot.Delivery{
			Recipient: recipient, Status: status, Err: msg, Attempts: attempts, At: s.o.Now(),
		})
	}
	c, err := s.content(ctx, sch, run, recipient, replies)
	if err != nil {
		return outcome{}, err
	}
	if c.skip {
		return outcome{}, record(coursebot.DeliverySkipped, c.why, 0)
	}
	replies = c.replies
	send, _, err := s.route(ctx, recipient)
	if err != nil {
		return outcome{recipient, err}, record(coursebot.DeliveryFailed, err.Error(), 0)
	}
	key := run.Schedule + "@" + run.At.UTC().Format(time.RFC3339) + ">" + recipient
	// An in-flight send finishes even when a stop is asked for, so its
	// outcome is known and recorded; it may wait behind learners' calls
	// for the platform's budget, up to sendTimeout.
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), sendTimeout)
	sctx = ratelimit.WithPriority(delivery.WithKey(sctx, key, resumed, run.At), ratelimit.Background)
	err = send(sctx, replies)
	cancel()
	if err == nil {
		if err := record(coursebot.DeliverySent, "", 1); err != nil {
			return outcome{}, err
		}
		return outcome{}, s.afterSent(context.WithoutCancel(ctx), sch, recipient, c.due)
	}
	if ctx.Err() != nil && !isPermanent(err) {
		return outcome{}, ctx.Err() // stopping: retried on resume
	}
	s.log.Warn("delivery failed", "schedule", sch.ID, "recipient", recipient, "err", err)
	return outcome{recipient, err}, record(coursebot.DeliveryFailed, err.Error(), 1)
}

// content is what one recipient of a run gets.
type content struct {
	replies []bot.Reply
	due     []lessons.ReviewDue // a review's questions, marked sent after the send
	skip    bool                // no longer due: nothing is sent
	why     string              // why it was skipped
}

// content gives the replies one recipient gets: a nudge and a review are
// made for the learner at the time of sending (and skipped when no longer
// due), a lead's summary for the cohort; any other run sends replies as
// they are.
func (s *Scheduler) content(ctx context.Context, sch coursebot.Schedule, run coursebot.Run, recipient string, replies []bot.Reply) (content, error) {
	c := content{replies: replies}
	switch sch.Kind {
	case coursebot.KindNudge:
		ok, why, err := s.eligible(ctx, recipient, s.o.Now())
		if err != nil {
			return content{}, err
		}
		if !ok {
			s.log.Debug("nudge no longer due", "learner", recipient, "why", why)
			return content{skip: true, why: why}, nil
		}
		if c.replies, err = s.nudgeReplies(ctx, recipient); err != nil {
			return content{}, err
		}
	case coursebot.KindReview:
		var why string
		var err error
		if c.replies, c.due, why, err = s.reviewReplies(ctx, recipient); err != nil {
			return content{}, err
		}
		if why != "" {
			s.log.Debug("review no longer due", "learner", recipient, "why", why)
			return content{skip: true, why: why}, nil
		}
	}
	if _, ok := strings.CutPrefix(recipient, leadPrefix); ok {
		var err error
		if c.replies, err = s.o.LeadSummary(ctx, sch.Cohort, run.At); err != nil {
			return content{}, err
		}
	}
	return c, nil
}

// afterSent records what a sent nudge or review changes: the nudge counted
// for its lesson, the review's questions marked sent.
func (s *Scheduler) afterSent(ctx context.Context, sch coursebot.Schedule, recipient string, due []lessons.ReviewDue) error {
	switch sch.Kind {
	case coursebot.KindNudge:
		now := s.o.Now()
		_, err := s.o.Store.UpdateNudgeState(ctx, recipient, func(st *coursebot.NudgeState) {
			if st.Sent == nil {
				st.Sent = map[string]int{}
			}
			if st.Last == nil {
				st.Last = map[string]time.Time{}
			}
			st.Sent[sch.Lesson]++
			st.Last[sch.Lesson] = now
		})
		return err
	case coursebot.KindReview:
		return s.reviewSent(ctx, recipient, due)
	}
	return nil
}

// sendTimeout bounds one send, the wait for the platform's budget behind
// learners' calls included.
const sendTimeout = 10 * time.Minute

// deliverGuarded is deliverOne with a panic (a bug in building or sending
// the message) turned into a failed delivery to that recipient, reported
// through Options.Panics, so the run's other recipients still get theirs.
func (s *Scheduler) deliverGuarded(ctx context.Context, sch coursebot.Schedule, run coursebot.Run, recipient string, replies []bot.Reply, resumed bool) (o outcome, err error) {
	defer func() {
		v := recover()
		if v == nil {
			return
		}
		s.o.Panics.Report("scheduler send", v)
		cause := errors.New("internal error while sending (logged)")
		o, err = outcome{recipient, cause}, s.o.Store.RecordDelivery(context.WithoutCancel(ctx), run, coursebot.Delivery{
			Recipient: recipient, Status: coursebot.DeliveryFailed, Err: cause.Error(), At: s.o.Now(),
		})
	}()
	return s.deliverOne(ctx, sch, run, recipient, replies, resumed)
}

// route returns the send function for a recipient and its platform. A
// learner is one person however many accounts they linked: the message
// goes to the account they last came through (Reacher).
func (s *Scheduler) route(ctx context.Context, recipient string) (func(context.Context, []bot.Reply) error, string, error) {
	if ch, ok := strings.CutPrefix(recipient, "#"); ok {
		platform, id, found := strings.Cut(ch, ":")
		cs := s.o.Channels[platform]
		if !found || cs == nil {
			return nil, platform, permanent(fmt.Errorf("no way to post to channel %q on %q", id, platform))
		}
		return func(ctx context.Context, r []bot.Reply) error { return cs.SendChannel(ctx, id, r) }, platform, nil
	}
	to := strings.TrimPrefix(recipient, leadPrefix)
	if via, err := s.o.Store.Reach(ctx, to); err == nil && via != "" {
		to = via
	}
	l, ok := coursebot.ParseLearnerKey(to)
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
func (s *Scheduler) report(ctx context.Context, sch coursebot.Schedule, run coursebot.Run, failed []outcome, done map[string]coursebot.Delivery) {
	to := s.o.Admins
	what := fmt.Sprintf("The nudges of %s", run.At.Format("Mon 2 Jan 15:04 MST"))
	if sch.Kind == coursebot.KindReview {
		what = fmt.Sprintf("The review reminders of %s", run.At.Format("Mon 2 Jan 15:04 MST"))
	}
	if sch.Kind == coursebot.KindReminder {
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
		send, _, err := s.route(ctx, lead)
		status, msg := coursebot.DeliverySent, ""
		if err == nil {
			sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Minute)
			err = send(sctx, reply)
			cancel()
		}
		if err != nil {
			status, msg = coursebot.DeliveryFailed, err.Error()
			s.log.Warn("could not report failed deliveries", "to", lead, "err", err)
		}
		if err := s.o.Store.RecordDelivery(context.WithoutCancel(ctx), run, coursebot.Delivery{Recipient: key, Status: status, Err: msg, At: s.o.Now()}); err != nil {
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
