// Package cohorts is the cohort layer over the lesson engine: admins
// create cohorts and name their leads, learners join with a code, leads see
// their cohort's progress, read the tutor's teaching notes and schedule
// weekly reminders; learners turn capstone nudges off and on. Handler wraps
// the engine: it answers its own commands and buttons and passes every
// other message on. See docs/cohorts.md.
package cohorts

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"time"

	"github.com/coursebot/coursebot"
	"github.com/coursebot/coursebot/bot"
	"github.com/coursebot/coursebot/course"
	"github.com/coursebot/coursebot/scheduler"
)

// Store is everything the handler keeps (*store.DB). Each part is
// declared, with the few methods it needs, in the file that uses it.
type Store interface {
	CohortStore    // command.go: the cohorts themselves
	Roster         // roles.go: who is in which cohort
	Enrolment      // invite.go: joining, leaving, invitations
	ProgressReader // progress.go: learners' records and progress
	NudgeStore     // nudges.go: nudge settings
	ScheduleStore  // reminders.go: leads' reminders
	TutorLog       // tutor.go: the AI tutor's exchanges about answers
	People         // roles.go: linked accounts are one learner
}

// Options configure the handler.
type Options struct {
	Store  Store
	Course func() *course.Course
	// Admins are learner keys ("slack:U123", "console:alice").
	Admins []string
	// Command names, without the slash (defaults cohort, nudges, lead-notes).
	Command, NudgesCommand, LeadNotesCommand string
	// DefaultTimezone is a new cohort's zone unless the admin names one.
	DefaultTimezone string
	// Digest is whether reminders carry the weekly digest unless the lead
	// says "no-digest".
	Digest bool
	// ShareAnswers lets leads read members' free-text answers
	// (course.share_answers_with_leads).
	ShareAnswers bool
	// Nudges are the nudge settings: the lesson, and After, which is how
	// long Snooze lasts and when a member "needs attention".
	Nudges scheduler.NudgeOptions
	Now    func() time.Time
	Log    *slog.Logger
	// Wake is called after a reminder is added or removed (the
	// scheduler's Wake).
	Wake func()
	// Rand is the source of join codes (default crypto/rand).
	Rand io.Reader
	// DMs send direct messages (invitations), by platform ("slack",
	// "discord", "console"). The map is read when an invitation is sent,
	// so the wiring may fill it after NewHandler, before serving.
	DMs map[string]bot.Sender
	// Channels check, by platform, that a lead binding a channel is in
	// it; read like DMs. A platform without one: only admins bind there.
	Channels map[string]ChannelAccess
}

// Handler answers the cohort layer's commands and buttons (Commands,
// Verbs), as the routing table sends them; anything else goes to next
// when there is one (a test in front of the engine).
type Handler struct {
	next bot.Handler
	o    Options
}

var _ bot.Handler = (*Handler)(nil)

// NewHandler returns the cohort handler; next may be nil.
func NewHandler(next bot.Handler, o Options) (*Handler, error) {
	if o.Store == nil || o.Course == nil {
		return nil, errors.New("cohorts: Store and Course are required")
	}
	if o.Command == "" {
		o.Command = "cohort"
	}
	if o.NudgesCommand == "" {
		o.NudgesCommand = "nudges"
	}
	if o.LeadNotesCommand == "" {
		o.LeadNotesCommand = "lead-notes"
	}
	if o.DefaultTimezone == "" {
		o.DefaultTimezone = "UTC"
	}
	if _, err := time.LoadLocation(o.DefaultTimezone); err != nil {
		return nil, fmt.Errorf("cohorts: default timezone: %w", err)
	}
	if o.Nudges.After <= 0 {
		o.Nudges.After = 72 * time.Hour
	}
	if o.Nudges.Lesson == "" {
		o.Nudges.Lesson = "4-4"
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Log == nil {
		o.Log = slog.Default()
	}
	if o.Wake == nil {
		o.Wake = func() {}
	}
	if o.Rand == nil {
		o.Rand = rand.Reader
	}
	for _, a := range o.Admins {
		if _, ok := coursebot.ParseLearnerKey(a); !ok {
			return nil, fmt.Errorf("cohorts: admin %q is not platform:user-id", a)
		}
	}
	return &Handler{next: next, o: o}, nil
}

// Commands are the cohort layer's slash commands with the given names
// (Options.Command, NudgesCommand, LeadNotesCommand), for the routing
// table. The usage words are valid Discord option names.
func Commands(command, nudges, leadNotes string) []bot.Command {
	return []bot.Command{
		{Name: command, Description: "Cohorts: join or leave; for leads: members, progress, insights, reminders", Usage: "[args]",
			UsageHelp: "What to do, such as join CODE or leave NAME; empty for the list"},
		{Name: nudges, Description: "Turn reminders about an unfinished lesson on or off", Usage: "on-or-off",
			UsageHelp: "on or off"},
		{Name: leadNotes, Description: "Teaching notes for cohort leads", Usage: "lesson",
			UsageHelp: "The lesson, such as 4-4"},
	}
}

// Verbs are the actions of the cohort layer's buttons: a nudge's snooze
// and its on/off, an invitation's accept and decline, the pages of
// /cohort answers.
var Verbs = []string{bot.VerbSnooze, scheduler.VerbNudges, VerbAccept, VerbDecline, VerbAnswers}

// refuse says why a request changes nothing: a *coursebot.Error, which
// Handle answers as an ephemeral notice.
func refuse(code, format string, args ...any) error {
	return coursebot.Errorf(code, format, args...)
}

// Handle implements bot.Handler.
func (h *Handler) Handle(ctx context.Context, m bot.Message) ([]bot.Reply, error) {
	var (
		replies []bot.Reply
		err     error
		mine    = true
	)
	switch m.Kind {
	case bot.KindCommand:
		switch m.Command {
		case h.o.Command:
			replies, err = h.cohort(ctx, m)
		case h.o.NudgesCommand:
			replies, err = h.nudges(ctx, m.Learner, m.Args)
		case h.o.LeadNotesCommand:
			replies, err = h.leadNotes(ctx, m.Learner, m.Args)
		default:
			mine = false
		}
	case bot.KindAction:
		a, perr := bot.ParseAction(m.Action)
		switch {
		case perr != nil:
			mine = false
		case a.Verb == bot.VerbSnooze:
			replies, err = h.snooze(ctx, m.Learner, a)
		case a.Verb == scheduler.VerbNudges:
			replies, err = h.nudges(ctx, m.Learner, a.Value)
		case a.Verb == VerbAccept:
			replies, err = h.accept(ctx, m.Learner, a.Value)
		case a.Verb == VerbDecline:
			replies, err = h.decline(ctx, m.Learner, a.Value)
		case a.Verb == VerbAnswers:
			replies, err = h.answersPress(ctx, m.Learner, a)
		default:
			mine = false
		}
	default:
		mine = false
	}
	if !mine && h.next != nil {
		return h.next.Handle(ctx, m)
	}
	if !mine {
		return nil, errors.New("cohorts: not a cohort command or button (a wrong route)")
	}
	if r, ok := bot.Refusal(err, ""); ok {
		return []bot.Reply{r}, nil
	}
	if err != nil {
		// No learner key: errors reach the log, which names the learner
		// (hashed) in its own attribute.
		return nil, fmt.Errorf("cohorts: %s %s: %w", m.Command, firstWord(m.Args), err)
	}
	return replies, nil
}

func notice(text string) bot.Reply {
	return bot.Reply{Ephemeral: true, Blocks: []bot.Block{{Kind: bot.BlockMarkdown, Text: text}}}
}

func titled(title, text string) bot.Reply {
	return bot.Reply{Ephemeral: true, Title: title, Blocks: []bot.Block{{Kind: bot.BlockMarkdown, Text: text}}}
}

func firstWord(s string) string {
	w, _, _ := strings.Cut(strings.TrimSpace(s), " ")
	return w
}
