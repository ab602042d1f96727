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
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/coursebot/coursebot/bot"
	"github.com/coursebot/coursebot/lessons"
	"github.com/coursebot/coursebot/scheduler"
	"github.com/coursebot/coursebot/store"
)

// Store is what the handler needs from persistence (*store.DB).
type Store interface {
	CreateCohort(ctx context.Context, c store.Cohort) error
	Cohort(ctx context.Context, name string) (store.Cohort, bool, error)
	Cohorts(ctx context.Context) ([]store.Cohort, error)
	UpdateCohort(ctx context.Context, name string, fn func(*store.Cohort) error) (store.Cohort, error)
	AddMember(ctx context.Context, m store.Member) (bool, error)
	RemoveMember(ctx context.Context, cohort, learner string) (bool, error)
	Membership(ctx context.Context, cohort, learner string) (store.Member, bool, error)
	AcceptInvitation(ctx context.Context, cohort, learner string, at time.Time) (store.Member, bool, error)
	Invitations(ctx context.Context, learner string) ([]store.Member, error)
	Members(ctx context.Context, cohort string) ([]store.Member, error)
	LearnerCohorts(ctx context.Context, learner string) ([]string, error)
	Learner(ctx context.Context, learner string) (lessons.LearnerRecord, error)
	LearnerProgress(ctx context.Context, learner string) ([]lessons.Progress, error)
	UpdateNudgeState(ctx context.Context, learner string, fn func(*store.NudgeState)) (store.NudgeState, error)
	PutSchedule(ctx context.Context, s store.Schedule) (store.Schedule, error)
	Schedules(ctx context.Context) ([]store.Schedule, error)
	DeleteSchedule(ctx context.Context, id string) (bool, error)
}

// Options configure the handler.
type Options struct {
	Store  Store
	Course func() *lessons.Course
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

// Handler answers cohort commands and passes everything else to next.
type Handler struct {
	next bot.Handler
	o    Options
}

var _ bot.Handler = (*Handler)(nil)

// NewHandler returns a handler in front of next.
func NewHandler(next bot.Handler, o Options) (*Handler, error) {
	if next == nil || o.Store == nil || o.Course == nil {
		return nil, errors.New("cohorts: next handler, Store and Course are required")
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
		if _, ok := bot.ParseLearnerKey(a); !ok {
			return nil, fmt.Errorf("cohorts: admin %q is not platform:user-id", a)
		}
	}
	return &Handler{next: next, o: o}, nil
}

// Commands describes the cohort slash commands with the given names, for
// adapters that register commands (Slack's manifest, Discord's list). The
// usage words are valid Discord option names.
func Commands(command, nudges, leadNotes string) []lessons.CommandInfo {
	return []lessons.CommandInfo{
		{Name: command, Description: "Cohorts: join or leave; for leads: members, progress, reminders", Usage: "[args]"},
		{Name: nudges, Description: "Turn reminders about an unfinished lesson on or off", Usage: "on-or-off"},
		{Name: leadNotes, Description: "Teaching notes for cohort leads", Usage: "lesson"},
	}
}

// refusal is an answer for a request that changes nothing.
type refusal struct{ msg string }

func (r *refusal) Error() string { return r.msg }

func refuse(format string, args ...any) error { return &refusal{fmt.Sprintf(format, args...)} }

// Handle implements bot.Handler.
func (h *Handler) Handle(ctx context.Context, m bot.Message) ([]bot.Reply, error) {
	var (
		replies []bot.Reply
		err     error
		mine    = true
	)
	switch m.Kind {
	case bot.KindCommand:
		switch strings.ToLower(strings.TrimPrefix(strings.TrimSpace(m.Command), "/")) {
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
		default:
			mine = false
		}
	default:
		mine = false
	}
	if !mine {
		return h.next.Handle(ctx, m)
	}
	var r *refusal
	if errors.As(err, &r) {
		return []bot.Reply{notice(r.msg)}, nil
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

// ---- roles ------------------------------------------------------------------

// Role is what someone may do in a cohort.
type Role int

const (
	RoleNone   Role = iota // not in the cohort
	RoleMember             // a learner in it
	RoleLead               // one of its leads
	RoleAdmin              // listed in config admins
)

func (r Role) String() string {
	return [...]string{"none", "member", "lead", "admin"}[r]
}

func (h *Handler) isAdmin(who bot.Learner) bool {
	for _, a := range h.o.Admins {
		if a == who.Key() {
			return true
		}
	}
	return false
}

// role of who in cohort c.
func (h *Handler) role(ctx context.Context, who bot.Learner, c store.Cohort) (Role, error) {
	if h.isAdmin(who) {
		return RoleAdmin, nil
	}
	if c.IsLead(who.Key()) {
		return RoleLead, nil
	}
	cs, err := h.o.Store.LearnerCohorts(ctx, who.Key())
	if err != nil {
		return RoleNone, err
	}
	for _, n := range cs {
		if n == c.Name {
			return RoleMember, nil
		}
	}
	return RoleNone, nil
}

// leadOf loads the named cohort and checks that who leads it (or is an admin).
func (h *Handler) leadOf(ctx context.Context, who bot.Learner, name, what string) (store.Cohort, Role, error) {
	c, err := h.cohortNamed(ctx, name)
	if err != nil {
		return c, RoleNone, err
	}
	r, err := h.role(ctx, who, c)
	if err != nil {
		return c, RoleNone, err
	}
	if r < RoleLead {
		return c, r, refuse("Only the leads of cohort %s (and admins) can %s. Nothing was changed.", c.Name, what)
	}
	return c, r, nil
}

var nameRE = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]{0,39}$`)

func (h *Handler) cohortNamed(ctx context.Context, name string) (store.Cohort, error) {
	if name == "" {
		return store.Cohort{}, refuse("Which cohort? Name it: /%s ... NAME.", h.o.Command)
	}
	name = strings.ToLower(name)
	if !nameRE.MatchString(name) {
		return store.Cohort{}, refuse("%q is not a cohort name (lowercase letters, digits, - and _, up to 40).", name)
	}
	c, ok, err := h.o.Store.Cohort(ctx, name)
	if err != nil {
		return c, err
	}
	if !ok {
		return c, refuse("There is no cohort %q. Type /%s to see yours.", name, h.o.Command)
	}
	return c, nil
}

// ---- /cohort ----------------------------------------------------------------

func (h *Handler) usage() string {
	c := "/" + h.o.Command
	return strings.Join([]string{
		"Cohort commands:",
		"- `" + c + " join CODE`: join a cohort with the code your lead gave you",
		"- `" + c + " accept NAME`, `" + c + " decline NAME`: answer an invitation",
		"- `" + c + " leave NAME`: leave it",
		"Leads (and admins):",
		"- `" + c + " members NAME`, `" + c + " join NAME @user` (invites them), `" + c + " leave NAME @user`",
		"- `" + c + " progress NAME [csv]`: who is where; `csv` for a spreadsheet",
		"- `" + c + " remind NAME every monday 09:00 [Europe/Berlin] [no-digest] | text`: a weekly reminder",
		"- `" + c + " reminders NAME`, `" + c + " cancel NAME ID`",
		"- `" + c + " channel NAME #channel`: post its reminders in a channel you are in",
		"- `/" + h.o.LeadNotesCommand + " 4-4`: the tutor's teaching notes",
		"Admins: `" + c + " create NAME [#channel] [Time/Zone]`, `" + c + " lead NAME @user`, `" + c + " channel NAME #channel` (any channel)",
	}, "\n")
}

func (h *Handler) cohort(ctx context.Context, m bot.Message) ([]bot.Reply, error) {
	sub, rest, _ := strings.Cut(strings.TrimSpace(m.Args), " ")
	rest = strings.TrimSpace(rest)
	who := m.Learner
	switch strings.ToLower(sub) {
	case "", "help", "list":
		return h.list(ctx, who)
	case "create":
		return h.create(ctx, who, fields(rest))
	case "lead":
		return h.addLead(ctx, who, fields(rest))
	case "channel":
		return h.bind(ctx, who, fields(rest))
	case "join":
		return h.join(ctx, who, fields(rest))
	case "accept":
		return h.accept(ctx, who, rest)
	case "decline":
		return h.decline(ctx, who, rest)
	case "leave":
		return h.leave(ctx, who, fields(rest))
	case "members":
		return h.members(ctx, who, fields(rest))
	case "progress":
		return h.progress(ctx, who, fields(rest))
	case "answers":
		return h.answers(ctx, who, fields(rest))
	case "remind":
		return h.remind(ctx, who, rest)
	case "reminders":
		return h.reminders(ctx, who, fields(rest))
	case "cancel":
		return h.cancel(ctx, who, fields(rest))
	}
	return nil, refuse("There is no /%s %s.\n%s", h.o.Command, sub, h.usage())
}

func (h *Handler) list(ctx context.Context, who bot.Learner) ([]bot.Reply, error) {
	names, err := h.o.Store.LearnerCohorts(ctx, who.Key())
	if err != nil {
		return nil, err
	}
	all, err := h.o.Store.Cohorts(ctx)
	if err != nil {
		return nil, err
	}
	var led []string
	for _, c := range all {
		if c.IsLead(who.Key()) || h.isAdmin(who) {
			led = append(led, c.Name)
		}
	}
	var b strings.Builder
	if len(names) == 0 {
		b.WriteString("You are not in a cohort.\n")
	} else {
		fmt.Fprintf(&b, "Your cohorts: %s.\n", strings.Join(names, ", "))
	}
	if len(led) > 0 {
		what := "You lead"
		if h.isAdmin(who) {
			what = "Cohorts (you are an admin)"
		}
		fmt.Fprintf(&b, "%s: %s.\n", what, strings.Join(led, ", "))
	}
	inv, err := h.invitationsNote(ctx, who)
	if err != nil {
		return nil, err
	}
	b.WriteString(inv)
	b.WriteString("\n" + h.usage())
	return []bot.Reply{titled("Cohorts", b.String())}, nil
}

func (h *Handler) create(ctx context.Context, who bot.Learner, args []string) ([]bot.Reply, error) {
	if !h.isAdmin(who) {
		return nil, refuse("Only admins can create cohorts. Nothing was changed.")
	}
	if len(args) == 0 {
		return nil, refuse("Usage: /%s create NAME [#channel] [Time/Zone]", h.o.Command)
	}
	name := strings.ToLower(args[0])
	if !nameRE.MatchString(name) {
		return nil, refuse("%q is not a cohort name: use lowercase letters, digits, - and _ (up to 40), for example spring-2026.", args[0])
	}
	c := store.Cohort{Name: name, Timezone: h.o.DefaultTimezone, Created: h.o.Now(), CreatedBy: who.Key()}
	for _, a := range args[1:] {
		if strings.Contains(a, "/") || strings.EqualFold(a, "UTC") {
			if _, err := time.LoadLocation(a); err != nil || strings.EqualFold(a, "local") {
				return nil, refuse("%q is not a time zone (for example UTC, Europe/Berlin, America/New_York).", a)
			}
			c.Timezone = a
			continue
		}
		ch, err := channel(who, a)
		if err != nil {
			return nil, err
		}
		c.Channel = ch
	}
	for range 5 {
		code, err := h.code()
		if err != nil {
			return nil, err
		}
		c.Code = code
		err = h.o.Store.CreateCohort(ctx, c)
		if errors.Is(err, store.ErrExists) {
			if _, ok, _ := h.o.Store.Cohort(ctx, name); ok {
				return nil, refuse("Cohort %s exists already.", name)
			}
			continue // the code was taken: draw another
		}
		if err != nil {
			return nil, err
		}
		where := "no channel: reminders go to each member by direct message (bind one with /" + h.o.Command + " channel " + name + " #channel)"
		if c.Channel != "" {
			where = "reminders are posted to " + c.Channel
		}
		return []bot.Reply{titled("Cohort "+name+" created", fmt.Sprintf(
			"Join code: `%s` (learners type `/%s join %s`).\nTime zone: %s; %s.\nName its leads with `/%s lead %s @user`.",
			c.Code, h.o.Command, c.Code, c.Timezone, where, h.o.Command, name))}, nil
	}
	return nil, errors.New("could not draw an unused join code")
}

const codeAlphabet = "abcdefghjkmnpqrstuvwxyz23456789"

func (h *Handler) code() (string, error) {
	b := make([]byte, 8)
	if _, err := io.ReadFull(h.o.Rand, b); err != nil {
		return "", fmt.Errorf("join code: %w", err)
	}
	for i := range b {
		b[i] = codeAlphabet[int(b[i])%len(codeAlphabet)]
	}
	return string(b), nil
}

func (h *Handler) addLead(ctx context.Context, who bot.Learner, args []string) ([]bot.Reply, error) {
	if !h.isAdmin(who) {
		return nil, refuse("Only admins can name cohort leads. Nothing was changed.")
	}
	if len(args) != 2 {
		return nil, refuse("Usage: /%s lead NAME @user", h.o.Command)
	}
	c, err := h.cohortNamed(ctx, args[0])
	if err != nil {
		return nil, err
	}
	l, err := person(who, args[1])
	if err != nil {
		return nil, err
	}
	if c.IsLead(l.Key()) {
		return []bot.Reply{notice(fmt.Sprintf("%s already leads %s.", l.Key(), c.Name))}, nil
	}
	if _, err := h.o.Store.UpdateCohort(ctx, c.Name, func(c *store.Cohort) error {
		if !c.IsLead(l.Key()) {
			c.Leads = append(c.Leads, l.Key())
		}
		return nil
	}); err != nil {
		return nil, err
	}
	return []bot.Reply{notice(fmt.Sprintf("%s now leads cohort %s.", l.Key(), c.Name))}, nil
}

func (h *Handler) bind(ctx context.Context, who bot.Learner, args []string) ([]bot.Reply, error) {
	if len(args) != 2 {
		return nil, refuse("Usage: /%s channel NAME #channel (or `none` for direct messages)", h.o.Command)
	}
	c, role, err := h.leadOf(ctx, who, args[0], "bind the cohort to a channel")
	if err != nil {
		return nil, err
	}
	ch := ""
	if !strings.EqualFold(args[1], "none") {
		if ch, err = channel(who, args[1]); err != nil {
			return nil, err
		}
		if role != RoleAdmin {
			if err := h.mayBind(ctx, who, ch); err != nil {
				return nil, err
			}
		}
	}
	if _, err := h.o.Store.UpdateCohort(ctx, c.Name, func(c *store.Cohort) error { c.Channel = ch; return nil }); err != nil {
		return nil, err
	}
	if ch == "" {
		return []bot.Reply{notice(fmt.Sprintf("Cohort %s has no channel now: reminders go to each member by direct message.", c.Name))}, nil
	}
	return []bot.Reply{notice(fmt.Sprintf("Cohort %s's reminders now go to %s.", c.Name, ch))}, nil
}

func (h *Handler) join(ctx context.Context, who bot.Learner, args []string) ([]bot.Reply, error) {
	switch len(args) {
	case 1: // a learner with a code
		code := strings.ToLower(args[0])
		all, err := h.o.Store.Cohorts(ctx)
		if err != nil {
			return nil, err
		}
		for _, c := range all {
			if c.Code == code {
				added, err := h.o.Store.AddMember(ctx, store.Member{Cohort: c.Name, Learner: who.Key(), Joined: h.o.Now(), Answers: h.o.ShareAnswers})
				if err != nil {
					return nil, err
				}
				if !added {
					return []bot.Reply{notice(fmt.Sprintf("You are already in cohort %s.", c.Name))}, nil
				}
				return []bot.Reply{notice(fmt.Sprintf("Welcome to cohort %s! %s Leave any time with `/%s leave %s`; leaving removes their access.",
					c.Name, h.seen(c, h.o.ShareAnswers), h.o.Command, c.Name))}, nil
			}
		}
		return nil, refuse("No cohort has the code %q. Check it with your lead.", args[0])
	case 2: // a lead adding someone
		c, _, err := h.leadOf(ctx, who, args[0], "add members")
		if err != nil {
			return nil, err
		}
		l, err := person(who, args[1])
		if err != nil {
			return nil, err
		}
		return h.invite(ctx, who, c, l)
	}
	return nil, refuse("Usage: /%s join CODE (or, for leads, /%s join NAME @user to invite them)", h.o.Command, h.o.Command)
}

func (h *Handler) leave(ctx context.Context, who bot.Learner, args []string) ([]bot.Reply, error) {
	switch len(args) {
	case 1:
		c, err := h.cohortNamed(ctx, args[0])
		if err != nil {
			return nil, err
		}
		m, ok, err := h.o.Store.Membership(ctx, c.Name, who.Key())
		if err != nil {
			return nil, err
		}
		if !ok {
			return nil, refuse("You are not in cohort %s.", c.Name)
		}
		if m.Pending {
			return h.decline(ctx, who, c.Name)
		}
		if _, err := h.o.Store.RemoveMember(ctx, c.Name, who.Key()); err != nil {
			return nil, err
		}
		return []bot.Reply{notice(fmt.Sprintf("You left cohort %s: its leads no longer see anything of you. Your own progress is kept.", c.Name))}, nil
	case 2:
		c, _, err := h.leadOf(ctx, who, args[0], "remove members")
		if err != nil {
			return nil, err
		}
		l, err := person(who, args[1])
		if err != nil {
			return nil, err
		}
		m, ok, err := h.o.Store.Membership(ctx, c.Name, l.Key())
		if err != nil {
			return nil, err
		}
		if !ok {
			return nil, refuse("%s is not in cohort %s.", l.Key(), c.Name)
		}
		if _, err := h.o.Store.RemoveMember(ctx, c.Name, l.Key()); err != nil {
			return nil, err
		}
		if m.Pending {
			return []bot.Reply{notice(fmt.Sprintf("Withdrew the invitation of %s to cohort %s.", l.Key(), c.Name))}, nil
		}
		return []bot.Reply{notice(fmt.Sprintf("Removed %s from cohort %s.", l.Key(), c.Name))}, nil
	}
	return nil, refuse("Usage: /%s leave NAME (or, for leads, /%s leave NAME @user)", h.o.Command, h.o.Command)
}

func (h *Handler) members(ctx context.Context, who bot.Learner, args []string) ([]bot.Reply, error) {
	if len(args) != 1 {
		return nil, refuse("Usage: /%s members NAME", h.o.Command)
	}
	c, _, err := h.leadOf(ctx, who, args[0], "list its members")
	if err != nil {
		return nil, err
	}
	ms, err := h.o.Store.Members(ctx, c.Name)
	if err != nil {
		return nil, err
	}
	var b strings.Builder
	fmt.Fprintf(&b, "Leads: %s\nJoin code: `%s`\nChannel: %s\nTime zone: %s\n\n%d member(s):\n", orNone(strings.Join(c.Leads, ", ")), c.Code, orNone(c.Channel), c.Timezone, len(ms))
	for _, m := range ms {
		rec, err := h.o.Store.Learner(ctx, m.Learner)
		if err != nil {
			return nil, err
		}
		fmt.Fprintf(&b, "- %s%s, joined %s\n", m.Learner, nameOf(rec), m.Joined.In(h.loc(c)).Format("2 Jan 2006"))
	}
	return []bot.Reply{titled("Cohort "+c.Name, b.String())}, nil
}

func nameOf(rec lessons.LearnerRecord) string {
	if rec.Name == "" {
		return ""
	}
	return " (" + rec.Name + ")"
}

func orNone(s string) string {
	if s == "" {
		return "none"
	}
	return s
}

func (h *Handler) loc(c store.Cohort) *time.Location {
	if l, err := time.LoadLocation(c.Timezone); err == nil {
		return l
	}
	return time.UTC
}

// ---- reminders ----------------------------------------------------------------

func (h *Handler) remind(ctx context.Context, who bot.Learner, rest string) ([]bot.Reply, error) {
	name, rest, _ := strings.Cut(rest, " ")
	sched, text, ok := strings.Cut(rest, "|")
	sched, text = strings.TrimSpace(sched), strings.TrimSpace(text)
	if name == "" || !ok || sched == "" || text == "" {
		return nil, refuse("Usage: /%s remind NAME SCHEDULE [Time/Zone] [no-digest] | TEXT\nFor example: /%s remind spring every monday 09:00 Europe/Berlin | Standup at 10, bring your capstone questions.\nSchedules: \"every monday 09:00\", \"weekdays 17:30\", \"every 2 weeks friday 12:00\" or a cron spec such as \"0 9 * * MON\".",
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
		return nil, refuse("I could not read that schedule: %v. Nothing was scheduled.", err)
	}
	next := spec.NextN(now, 3)
	if len(next) == 0 {
		return nil, refuse("That schedule never fires (%s). Nothing was scheduled.", spec.Cron)
	}
	if len(next) == 3 && next[2].Sub(next[0]) < 2*time.Hour {
		return nil, refuse("That schedule fires more than once an hour; reminders are for weekly (or daily) use. Nothing was scheduled.")
	}
	if len([]rune(text)) > 2000 {
		return nil, refuse("The reminder text is %d characters; keep it under 2000. Nothing was scheduled.", len([]rune(text)))
	}
	s, err := h.o.Store.PutSchedule(ctx, store.Schedule{
		Kind: store.KindReminder, Cohort: c.Name, Spec: spec.Cron, Human: strings.Join(words, " "), Timezone: spec.Location.String(),
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
	fmt.Fprintf(&b, "Cancel it with `/%s cancel %s %s`.", h.o.Command, c.Name, s.ID)
	return []bot.Reply{titled("Reminder scheduled", b.String())}, nil
}

func (h *Handler) cohortSchedules(ctx context.Context, cohort string) ([]store.Schedule, error) {
	all, err := h.o.Store.Schedules(ctx)
	if err != nil {
		return nil, err
	}
	var out []store.Schedule
	for _, s := range all {
		if s.Kind == store.KindReminder && s.Cohort == cohort {
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

func (h *Handler) reminders(ctx context.Context, who bot.Learner, args []string) ([]bot.Reply, error) {
	if len(args) != 1 {
		return nil, refuse("Usage: /%s reminders NAME", h.o.Command)
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
	var b strings.Builder
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
		fmt.Fprintf(&b, "- *%s* %s (%s), next %s: %q\n", s.ID, scheduler.Describe(s.Spec), s.Timezone, next, cut(s.Text, 80))
	}
	return []bot.Reply{titled("Reminders of cohort "+c.Name, b.String())}, nil
}

func cut(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}

func (h *Handler) cancel(ctx context.Context, who bot.Learner, args []string) ([]bot.Reply, error) {
	if len(args) != 2 {
		return nil, refuse("Usage: /%s cancel NAME ID (see /%s reminders NAME for the ids)", h.o.Command, h.o.Command)
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
	return nil, refuse("Cohort %s has no reminder %q; see /%s reminders %s.", c.Name, args[1], h.o.Command, c.Name)
}

// ---- nudges and lead notes -----------------------------------------------------

func (h *Handler) nudges(ctx context.Context, who bot.Learner, arg string) ([]bot.Reply, error) {
	var off bool
	switch strings.ToLower(strings.TrimSpace(arg)) {
	case "off":
		off = true
	case "on":
	default:
		return nil, refuse("Usage: /%s off (no more reminders about unfinished lessons) or /%s on.", h.o.NudgesCommand, h.o.NudgesCommand)
	}
	if _, err := h.o.Store.UpdateNudgeState(ctx, who.Key(), func(st *store.NudgeState) {
		st.OptOut = off
		if !off {
			st.SnoozeUntil = time.Time{}
		}
	}); err != nil {
		return nil, err
	}
	if off {
		return []bot.Reply{notice(fmt.Sprintf("Done: no more reminders about unfinished lessons. Turn them back on with /%s on.", h.o.NudgesCommand))}, nil
	}
	return []bot.Reply{notice(fmt.Sprintf("Reminders are on: if you stall in a lesson, I will nudge you now and then. /%s off stops them.", h.o.NudgesCommand))}, nil
}

func (h *Handler) snooze(ctx context.Context, who bot.Learner, a bot.Action) ([]bot.Reply, error) {
	hours, err := strconv.Atoi(a.Value)
	if err != nil || hours < 1 {
		hours = int(h.o.Nudges.After.Hours())
	}
	hours = min(hours, 30*24)
	until := h.o.Now().Add(time.Duration(hours) * time.Hour)
	if _, err := h.o.Store.UpdateNudgeState(ctx, who.Key(), func(st *store.NudgeState) { st.SnoozeUntil = until }); err != nil {
		return nil, err
	}
	return []bot.Reply{notice(fmt.Sprintf("Snoozed: no reminders before %s (UTC). /%s off stops them altogether.", until.UTC().Format("Mon 2 Jan 15:04"), h.o.NudgesCommand))}, nil
}

func (h *Handler) leadNotes(ctx context.Context, who bot.Learner, arg string) ([]bot.Reply, error) {
	ok := h.isAdmin(who)
	if !ok {
		all, err := h.o.Store.Cohorts(ctx)
		if err != nil {
			return nil, err
		}
		for _, c := range all {
			ok = ok || c.IsLead(who.Key())
		}
	}
	if !ok {
		return nil, refuse("Teaching notes are for cohort leads and admins.")
	}
	id := strings.Replace(strings.TrimSpace(arg), ".", "-", 1)
	course := h.o.Course()
	les, found := course.Lessons[id]
	if !found {
		var ids []string
		for _, e := range course.Catalogue {
			if e.Installed {
				ids = append(ids, e.ID)
			}
		}
		return nil, refuse("Usage: /%s LESSON; lessons with notes: %s.", h.o.LeadNotesCommand, strings.Join(ids, ", "))
	}
	text := lessons.LeadNotesText(les)
	if text == "" {
		text = "This lesson has no teaching notes."
	}
	return []bot.Reply{titled("Teaching notes: "+les.Title, text)}, nil
}
