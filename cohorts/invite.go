package cohorts

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/coursebot/coursebot"
	"github.com/coursebot/coursebot/bot"
	"github.com/coursebot/coursebot/insight"
)

// Consent. A lead naming someone (/cohort join NAME @user) makes an
// invitation, sent to the learner as a direct message with Accept and
// Decline and exactly what the cohort's leads would see. Until the learner
// accepts, the store lists them nowhere a lead looks (store.Members).
// A learner who joins with the code typed it themselves and joins at once,
// told the same thing. See docs/cohorts.md, "Consent".

// Enrolment adds and removes members and keeps invitations until the
// learner answers them (*store.DB).
type Enrolment interface {
	AddMember(ctx context.Context, m coursebot.Member) (bool, error)
	RemoveMember(ctx context.Context, cohort, learner string) (bool, error)
	AcceptInvitation(ctx context.Context, cohort, learner string, at time.Time) (coursebot.Member, bool, error)
	Invitations(ctx context.Context, learner string) ([]coursebot.Member, error)
}

// Action verbs of the invitation's buttons; the action's Value is the
// cohort's name, and the learner who presses is the one who accepts.
const (
	VerbAccept  = "cohort-accept"
	VerbDecline = "cohort-decline"
)

// seen says what the leads of c see of a member, in the second person.
// answers is whether this member's free-text answers are shared; figures
// whether their figures count in the cohort's (coursebot.Member.Figures).
func (h *Handler) seen(c coursebot.Cohort, answers, figures bool) string {
	leads := "its leads"
	if len(c.Leads) > 0 {
		leads = "its leads (" + strings.Join(c.Leads, ", ") + ")"
	}
	s := fmt.Sprintf("In cohort %s, %s and the bot's admins see your progress: where you are in each lesson, "+
		"how many checklist items you ticked, your quiz scores, when you were last active, the repository you submit for the capstone check and its result; your name is in the cohort's member list, "+
		"progress table, CSV export and weekly digest, and in the leads' insights and weekly summary when you have not moved for a week.", c.Name, leads)
	if figures {
		s += fmt.Sprintf(" Counted together with the other members, never by name and only where at least %d are counted (/%s insights and the leads' weekly summary): "+
			"how long each step took you, the quiz options you chose, where you pressed I'm stuck, which checklist items you ticked and your self-assessment ratings.",
			insight.MinCount, h.o.Command)
	}
	if answers {
		return s + " This course shares free-text answers with leads: they can also read your answers to the lesson's questions, with the tutor's replies to them and yours (/" + h.o.Command + " answers), and see how many answered each question and reached its key points."
	}
	return s + " They never see the text of your answers."
}

// invite is a lead's /cohort join NAME @user: an invitation, never a
// membership.
func (h *Handler) invite(ctx context.Context, who coursebot.Learner, c coursebot.Cohort, l coursebot.Learner) ([]bot.Reply, error) {
	m, ok, err := h.o.Store.Membership(ctx, c.Name, l.Key())
	if err != nil {
		return nil, err
	}
	switch {
	case ok && !m.Pending:
		return []bot.Reply{notice(fmt.Sprintf("%s is already in cohort %s.", l.Key(), c.Name))}, nil
	case ok:
		return []bot.Reply{notice(fmt.Sprintf("%s is invited to cohort %s already; they have not accepted yet.", l.Key(), c.Name))}, nil
	}
	now := h.o.Now()
	inv := coursebot.Member{Cohort: c.Name, Learner: l.Key(), AddedBy: who.Key(), Pending: true, Invited: now, Answers: h.o.ShareAnswers, Figures: true}
	if _, err := h.o.Store.AddMember(ctx, inv); err != nil {
		return nil, err
	}
	sent := h.sendInvitation(ctx, who, c, l, inv.Answers, inv.Figures)
	msg := fmt.Sprintf("Invited %s to cohort %s. ", l.Key(), c.Name)
	if sent {
		msg += "They got a direct message saying what you would see, with Accept and Decline."
	} else {
		msg += fmt.Sprintf("I could not send them a direct message; ask them to type `/%s accept %s` (they see the invitation with `/%s`).", h.o.Command, c.Name, h.o.Command)
	}
	msg += " Until they accept you see nothing of them: they are not in the members, progress, CSV, answers or digest."
	return []bot.Reply{notice(msg)}, nil
}

// sendInvitation sends the invitation card to l; false if it could not.
func (h *Handler) sendInvitation(ctx context.Context, from coursebot.Learner, c coursebot.Cohort, l coursebot.Learner, answers, figures bool) bool {
	dm := h.o.DMs[l.Platform]
	if dm == nil {
		return false
	}
	r := bot.Reply{
		Title: "Invitation to cohort " + c.Name,
		Blocks: []bot.Block{{Kind: bot.BlockMarkdown, Text: fmt.Sprintf(
			"%s invites you to cohort %s.\n%s\nNothing is shared until you accept. Accept or decline with the buttons, or type `/%s accept %s` or `/%s decline %s`. After accepting you can leave any time with `/%s leave %s`.",
			from.Key(), c.Name, h.seen(c, answers, figures), h.o.Command, c.Name, h.o.Command, c.Name, h.o.Command, c.Name)}},
		Buttons: []bot.Button{
			{Label: "Accept", Action: bot.Action{Verb: VerbAccept, Value: c.Name}.Encode()},
			{Label: "Decline", Action: bot.Action{Verb: VerbDecline, Value: c.Name}.Encode()},
		},
	}
	if err := dm.Send(ctx, l, []bot.Reply{r}); err != nil {
		h.o.Log.Warn("could not send a cohort invitation", "cohort", c.Name, "err", err)
		return false
	}
	return true
}

// pendingNamed finds who's invitation to the named cohort, or their only
// one when name is "".
func (h *Handler) pendingNamed(ctx context.Context, who coursebot.Learner, name, verb string) (coursebot.Member, error) {
	invs, err := h.o.Store.Invitations(ctx, who.Key())
	if err != nil {
		return coursebot.Member{}, err
	}
	if name == "" {
		switch len(invs) {
		case 0:
			return coursebot.Member{}, refuse(coursebot.ENOTFOUND, "You have no invitation to a cohort.")
		case 1:
			return invs[0], nil
		}
		var names []string
		for _, i := range invs {
			names = append(names, i.Cohort)
		}
		return coursebot.Member{}, refuse(coursebot.EINVALID, "You are invited to %s: name one, for example `/%s %s %s`.", strings.Join(names, ", "), h.o.Command, verb, names[0])
	}
	name = strings.ToLower(name)
	for _, i := range invs {
		if i.Cohort == name {
			return i, nil
		}
	}
	if cs, err := h.o.Store.LearnerCohorts(ctx, who.Key()); err == nil {
		for _, c := range cs {
			if c == name {
				return coursebot.Member{}, refuse(coursebot.ECONFLICT, "You are already in cohort %s.", name)
			}
		}
	}
	return coursebot.Member{}, refuse(coursebot.ENOTFOUND, "You have no invitation to cohort %q.", name)
}

// accept is /cohort accept [NAME] and the Accept button.
func (h *Handler) accept(ctx context.Context, who coursebot.Learner, name string) ([]bot.Reply, error) {
	inv, err := h.pendingNamed(ctx, who, name, "accept")
	if err != nil {
		return nil, err
	}
	c, err := h.cohortNamed(ctx, inv.Cohort)
	if err != nil {
		return nil, err
	}
	m, ok, err := h.o.Store.AcceptInvitation(ctx, c.Name, who.Key(), h.o.Now())
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, refuse(coursebot.ENOTFOUND, "You have no invitation to cohort %s any more.", c.Name)
	}
	return []bot.Reply{notice(fmt.Sprintf("Welcome to cohort %s! %s Leave any time with `/%s leave %s`; leaving removes their access.",
		c.Name, h.seen(c, m.Answers && h.o.ShareAnswers, m.Figures), h.o.Command, c.Name))}, nil
}

// decline is /cohort decline [NAME] and the Decline button.
func (h *Handler) decline(ctx context.Context, who coursebot.Learner, name string) ([]bot.Reply, error) {
	inv, err := h.pendingNamed(ctx, who, name, "decline")
	if err != nil {
		return nil, err
	}
	if _, err := h.o.Store.RemoveMember(ctx, inv.Cohort, who.Key()); err != nil {
		return nil, err
	}
	return []bot.Reply{notice(fmt.Sprintf("Declined: the leads of cohort %s see nothing of you. If you change your mind, ask them for the join code.", inv.Cohort))}, nil
}

// invitationsNote lists who's pending invitations for /cohort.
func (h *Handler) invitationsNote(ctx context.Context, who coursebot.Learner) (string, error) {
	invs, err := h.o.Store.Invitations(ctx, who.Key())
	if err != nil || len(invs) == 0 {
		return "", err
	}
	var b strings.Builder
	b.WriteString("Invitations waiting for you:\n")
	for _, i := range invs {
		fmt.Fprintf(&b, "- %s, from %s: `/%s accept %s` or `/%s decline %s`\n", i.Cohort, orNone(i.AddedBy), h.o.Command, i.Cohort, h.o.Command, i.Cohort)
	}
	return b.String(), nil
}
