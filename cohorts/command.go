package cohorts

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/coursebot/coursebot"
	"github.com/coursebot/coursebot/bot"
)

// The /cohort command: listing, creating, naming leads, binding a
// channel, joining, leaving and listing members. Progress, answers and
// CSV are in progress.go, invitations in invite.go.

// CohortStore keeps the cohorts themselves (*store.DB).
type CohortStore interface {
	CreateCohort(ctx context.Context, c coursebot.Cohort) error
	Cohort(ctx context.Context, name string) (coursebot.Cohort, bool, error)
	Cohorts(ctx context.Context) ([]coursebot.Cohort, error)
	UpdateCohort(ctx context.Context, name string, fn func(*coursebot.Cohort) error) (coursebot.Cohort, error)
}

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
		"- `" + c + " insights NAME [LESSON]`: where the cohort is and what is hard, with a picture",
		"- `" + c + " answers NAME LESSON [N]`: the answers to the lesson's question N, when the course shares them",
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
	case "insights":
		return h.insights(ctx, who, fields(rest))
	case "remind":
		return h.remind(ctx, who, rest)
	case "reminders":
		return h.reminders(ctx, who, fields(rest))
	case "cancel":
		return h.cancel(ctx, who, fields(rest))
	}
	return nil, refuse(coursebot.ENOTFOUND, "There is no /%s %s.\n%s", h.o.Command, sub, h.usage())
}

func (h *Handler) list(ctx context.Context, who coursebot.Learner) ([]bot.Reply, error) {
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
		if h.leads(ctx, c, who) || h.isAdmin(ctx, who) {
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
		if h.isAdmin(ctx, who) {
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

func (h *Handler) create(ctx context.Context, who coursebot.Learner, args []string) ([]bot.Reply, error) {
	if !h.isAdmin(ctx, who) {
		return nil, refuse(coursebot.EFORBIDDEN, "Only admins can create cohorts. Nothing was changed.")
	}
	if len(args) == 0 {
		return nil, refuse(coursebot.EINVALID, "Usage: /%s create NAME [#channel] [Time/Zone]", h.o.Command)
	}
	name := strings.ToLower(args[0])
	if !nameRE.MatchString(name) {
		return nil, refuse(coursebot.EINVALID, "%q is not a cohort name: use lowercase letters, digits, - and _ (up to 40), for example spring-2026.", args[0])
	}
	c := coursebot.Cohort{Name: name, Timezone: h.o.DefaultTimezone, Created: h.o.Now(), CreatedBy: who.Key()}
	for _, a := range args[1:] {
		if strings.Contains(a, "/") || strings.EqualFold(a, "UTC") {
			if _, err := time.LoadLocation(a); err != nil || strings.EqualFold(a, "local") {
				return nil, refuse(coursebot.EINVALID, "%q is not a time zone (for example UTC, Europe/Berlin, America/New_York).", a)
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
		if errors.Is(err, coursebot.ErrExists) {
			if _, ok, _ := h.o.Store.Cohort(ctx, name); ok {
				return nil, refuse(coursebot.ECONFLICT, "Cohort %s exists already.", name)
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

func (h *Handler) addLead(ctx context.Context, who coursebot.Learner, args []string) ([]bot.Reply, error) {
	if !h.isAdmin(ctx, who) {
		return nil, refuse(coursebot.EFORBIDDEN, "Only admins can name cohort leads. Nothing was changed.")
	}
	if len(args) != 2 {
		return nil, refuse(coursebot.EINVALID, "Usage: /%s lead NAME @user", h.o.Command)
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
	if _, err := h.o.Store.UpdateCohort(ctx, c.Name, func(c *coursebot.Cohort) error {
		if !c.IsLead(l.Key()) {
			c.Leads = append(c.Leads, l.Key())
		}
		return nil
	}); err != nil {
		return nil, err
	}
	return []bot.Reply{notice(fmt.Sprintf("%s now leads cohort %s.", l.Key(), c.Name))}, nil
}

func (h *Handler) bind(ctx context.Context, who coursebot.Learner, args []string) ([]bot.Reply, error) {
	if len(args) != 2 {
		return nil, refuse(coursebot.EINVALID, "Usage: /%s channel NAME #channel (or `none` for direct messages)", h.o.Command)
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
	if _, err := h.o.Store.UpdateCohort(ctx, c.Name, func(c *coursebot.Cohort) error { c.Channel = ch; return nil }); err != nil {
		return nil, err
	}
	if ch == "" {
		return []bot.Reply{notice(fmt.Sprintf("Cohort %s has no channel now: reminders go to each member by direct message.", c.Name))}, nil
	}
	return []bot.Reply{notice(fmt.Sprintf("Cohort %s's reminders now go to %s.", c.Name, ch))}, nil
}

func (h *Handler) join(ctx context.Context, who coursebot.Learner, args []string) ([]bot.Reply, error) {
	switch len(args) {
	case 1: // a learner with a code
		code := strings.ToLower(args[0])
		all, err := h.o.Store.Cohorts(ctx)
		if err != nil {
			return nil, err
		}
		for _, c := range all {
			if c.Code == code {
				added, err := h.o.Store.AddMember(ctx, coursebot.Member{Cohort: c.Name, Learner: who.Key(), Joined: h.o.Now(), Answers: h.o.ShareAnswers, Figures: true})
				if err != nil {
					return nil, err
				}
				if !added {
					return []bot.Reply{notice(fmt.Sprintf("You are already in cohort %s.", c.Name))}, nil
				}
				return []bot.Reply{notice(fmt.Sprintf("Welcome to cohort %s! %s Leave any time with `/%s leave %s`; leaving removes their access.",
					c.Name, h.seen(c, h.o.ShareAnswers, true), h.o.Command, c.Name))}, nil
			}
		}
		return nil, refuse(coursebot.ENOTFOUND, "No cohort has the code %q. Check it with your lead.", args[0])
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
	return nil, refuse(coursebot.EINVALID, "Usage: /%s join CODE (or, for leads, /%s join NAME @user to invite them)", h.o.Command, h.o.Command)
}

func (h *Handler) leave(ctx context.Context, who coursebot.Learner, args []string) ([]bot.Reply, error) {
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
			return nil, refuse(coursebot.ENOTFOUND, "You are not in cohort %s.", c.Name)
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
			return nil, refuse(coursebot.ENOTFOUND, "%s is not in cohort %s.", l.Key(), c.Name)
		}
		if _, err := h.o.Store.RemoveMember(ctx, c.Name, l.Key()); err != nil {
			return nil, err
		}
		if m.Pending {
			return []bot.Reply{notice(fmt.Sprintf("Withdrew the invitation of %s to cohort %s.", l.Key(), c.Name))}, nil
		}
		return []bot.Reply{notice(fmt.Sprintf("Removed %s from cohort %s.", l.Key(), c.Name))}, nil
	}
	return nil, refuse(coursebot.EINVALID, "Usage: /%s leave NAME (or, for leads, /%s leave NAME @user)", h.o.Command, h.o.Command)
}

func (h *Handler) members(ctx context.Context, who coursebot.Learner, args []string) ([]bot.Reply, error) {
	if len(args) != 1 {
		return nil, refuse(coursebot.EINVALID, "Usage: /%s members NAME", h.o.Command)
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

func nameOf(rec coursebot.LearnerRecord) string {
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

func (h *Handler) loc(c coursebot.Cohort) *time.Location {
	if l, err := time.LoadLocation(c.Timezone); err == nil {
		return l
	}
	return time.UTC
}
