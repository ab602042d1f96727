package cohorts

import (
	"context"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/coursebot/coursebot"
	"github.com/coursebot/coursebot/bot"
	"github.com/coursebot/coursebot/scheduler"
)

// Leads' recurring reminders: /cohort remind, reminders and cancel. The
// scheduler sends them (package scheduler).

// ScheduleStore keeps leads' reminder schedules (*store.DB); the
// scheduler reads the same records.
type ScheduleStore interface {
	PutSchedule(ctx context.Context, s coursebot.Schedule) (coursebot.Schedule, error)
	Schedules(ctx context.Context) ([]coursebot.Schedule, error)
	DeleteSchedule(ctx context.Context, id string) (bool, error)
}

func (h *Handler) remind(ctx context.Context, who coursebot.Learner, rest string) ([]bot.Reply, error) {
	name, rest, _ := strings.Cut(rest, " ")
	sched, text, ok := strings.Cut(rest, "|")
	sched, text = strings.TrimSpace(sched), strings.TrimSpace(text)
	if name == "" || !ok || sched == "" || text == "" {
		return nil, refuse(coursebot.EINVALID, "Usage: /%s remind NAME SCHEDULE [Time/Zone] [no-digest] | TEXT\nFor example: /%s remind spring every monday 09:00 Europe/Berlin | Standup at 10, bring your capstone questions.\nSchedules: \"every monday 09:00\", \"weekdays 17:30\", \"every 2 weeks friday 12:00\" or a cron spec such as \"0 9 * * MON\".",
			h.o.Command, h.o.Command)
	}
	c, _, err := h.leadOf(ctx, who, name, "schedule its reminders")
	if err != nil {
		return nil, err
	}
	digest := h.o.Digest
	var words []string
	for _, w := range strings.Fields(sched) {
		switch strings.ToLower(w) {
		case "no-digest", "nodigest":
			digest = false
		case "digest", "with-digest":
			digest = true
		default:
			words = append(words, w)
		}
	}
	now := h.o.Now()
	spec, err := scheduler.Parse(strings.Join(words, " "), c.Timezone, now)
	if err != nil {
		return nil, refuse(coursebot.EINVALID, "I could not read that schedule: %v. Nothing was scheduled.", err)
	}
	next := spec.NextN(now, 3)
	if len(next) == 0 {
		return nil, refuse(coursebot.EINVALID, "That schedule never fires (%s). Nothing was scheduled.", spec.Cron)
	}
	if len(next) == 3 && next[2].Sub(next[0]) < 2*time.Hour {
		return nil, refuse(coursebot.EINVALID, "That schedule fires more than once an hour; reminders are for weekly (or daily) use. Nothing was scheduled.")
	}
	if len([]rune(text)) > 2000 {
		return nil, refuse(coursebot.EINVALID, "The reminder text is %d characters; keep it under 2000. Nothing was scheduled.", len([]rune(text)))
	}
	s, err := h.o.Store.PutSchedule(ctx, coursebot.Schedule{
		Kind: coursebot.KindReminder, Cohort: c.Name, Spec: spec.Cron, Human: strings.Join(words, " "), Timezone: spec.Location.String(),
		Text: text, Digest: digest, CreatedBy: who.Key(), Created: now,
	})
	if err != nil {
		return nil, err
	}
	h.o.Wake()
	var b strings.Builder
	where := orNone(c.Channel)
	if c.Channel == "" {
		where = "each member by direct message"
	}
	fmt.Fprintf(&b, "Reminder %s for cohort %s: %s (%s), to %s%s.\nNext three times:\n", s.ID, c.Name, scheduler.Describe(spec.Cron), spec.Location, where, map[bool]string{true: ", with the weekly digest", false: ""}[digest])
	for _, t := range next {
		fmt.Fprintf(&b, "- %s\n", t.In(spec.Location).Format("Mon 2 Jan 2006 15:04 MST"))
	}
	// A blank line: right after the list, the sentence would be a lazy
	// continuation of its last bullet.
	fmt.Fprintf(&b, "\nCancel it with `/%s cancel %s %s`.", h.o.Command, c.Name, s.ID)
	return []bot.Reply{titled("Reminder scheduled", b.String())}, nil
}

func (h *Handler) cohortSchedules(ctx context.Context, cohort string) ([]coursebot.Schedule, error) {
	all, err := h.o.Store.Schedules(ctx)
	if err != nil {
		return nil, err
	}
	var out []coursebot.Schedule
	for _, s := range all {
		if s.Kind == coursebot.KindReminder && s.Cohort == cohort {
			out = append(out, s)
		}
	}
	sort.Slice(out, func(i, j int) bool { return idNum(out[i].ID) < idNum(out[j].ID) })
	return out, nil
}

func idNum(id string) int {
	n, _ := strconv.Atoi(strings.TrimPrefix(id, "r"))
	return n
}

func (h *Handler) reminders(ctx context.Context, who coursebot.Learner, args []string) ([]bot.Reply, error) {
	if len(args) != 1 {
		return nil, refuse(coursebot.EINVALID, "Usage: /%s reminders NAME", h.o.Command)
	}
	c, _, err := h.leadOf(ctx, who, args[0], "list its reminders")
	if err != nil {
		return nil, err
	}
	ss, err := h.cohortSchedules(ctx, c.Name)
	if err != nil {
		return nil, err
	}
	if len(ss) == 0 {
		return []bot.Reply{notice(fmt.Sprintf("Cohort %s has no reminders. Add one with /%s remind %s every monday 09:00 | text.", c.Name, h.o.Command, c.Name))}, nil
	}
	// Each reminder's schedule, then its text quoted as the lead typed it
	// (in their platform's own markup: see scheduler.ReminderText).
	var blocks []bot.Block
	now := h.o.Now()
	for _, s := range ss {
		next := "never"
		if spec, err := scheduler.Compile(s.Spec, s.Timezone); err == nil {
			after := now
			if s.Last.After(after) {
				after = s.Last
			}
			if n := spec.Next(after); !n.IsZero() {
				next = n.In(spec.Location).Format("Mon 2 Jan 15:04 MST")
			}
		}
		blocks = append(blocks, bot.Block{Kind: bot.BlockMarkdown, Text: fmt.Sprintf("**%s** %s (%s), next %s:", s.ID, scheduler.Describe(s.Spec), s.Timezone, next)})
		text := scheduler.ReminderText(s)
		text.Text = "> " + strings.ReplaceAll(strings.TrimSpace(text.Text), "\n", "\n> ")
		blocks = append(blocks, text)
	}
	return []bot.Reply{{Ephemeral: true, Title: "Reminders of cohort " + c.Name, Blocks: blocks}}, nil
}

func (h *Handler) cancel(ctx context.Context, who coursebot.Learner, args []string) ([]bot.Reply, error) {
	if len(args) != 2 {
		return nil, refuse(coursebot.EINVALID, "Usage: /%s cancel NAME ID (see /%s reminders NAME for the ids)", h.o.Command, h.o.Command)
	}
	c, _, err := h.leadOf(ctx, who, args[0], "cancel its reminders")
	if err != nil {
		return nil, err
	}
	ss, err := h.cohortSchedules(ctx, c.Name)
	if err != nil {
		return nil, err
	}
	for _, s := range ss {
		if s.ID == args[1] {
			if _, err := h.o.Store.DeleteSchedule(ctx, s.ID); err != nil {
				return nil, err
			}
			h.o.Wake()
			return []bot.Reply{notice(fmt.Sprintf("Cancelled reminder %s of cohort %s.", s.ID, c.Name))}, nil
		}
	}
	return nil, refuse(coursebot.ENOTFOUND, "Cohort %s has no reminder %q; see /%s reminders %s.", c.Name, args[1], h.o.Command, c.Name)
}
