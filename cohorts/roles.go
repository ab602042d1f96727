package cohorts

import (
	"context"
	"regexp"
	"slices"
	"strings"

	"github.com/coursebot/coursebot"
)

// Roles: who is an admin, a lead or a member of a cohort, and the
// cohort lookups every command starts with.

// Roster says who is in which cohort: accepted members only (*store.DB).
type Roster interface {
	Members(ctx context.Context, cohort string) ([]coursebot.Member, error)
	Membership(ctx context.Context, cohort, learner string) (coursebot.Member, bool, error)
	LearnerCohorts(ctx context.Context, learner string) ([]string, error)
}

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

// People says which identities are one learner (*store.DB): a person
// with linked accounts is an admin, or a lead, through any of them.
type People interface {
	Person(ctx context.Context, learner string) (string, []string, error)
}

// identities are who's linked accounts (who alone when not linked, or when
// the store cannot say).
func (h *Handler) identities(ctx context.Context, who coursebot.Learner) []string {
	if _, ids, err := h.o.Store.Person(ctx, who.Key()); err == nil && len(ids) > 0 {
		return ids
	}
	return []string{who.Key()}
}

func (h *Handler) isAdmin(ctx context.Context, who coursebot.Learner) bool {
	for _, id := range h.identities(ctx, who) {
		if slices.Contains(h.o.Admins, id) {
			return true
		}
	}
	return false
}

// leads reports whether who leads c, through any of their accounts.
func (h *Handler) leads(ctx context.Context, c coursebot.Cohort, who coursebot.Learner) bool {
	for _, id := range h.identities(ctx, who) {
		if c.IsLead(id) {
			return true
		}
	}
	return false
}

// role of who in cohort c.
func (h *Handler) role(ctx context.Context, who coursebot.Learner, c coursebot.Cohort) (Role, error) {
	if h.isAdmin(ctx, who) {
		return RoleAdmin, nil
	}
	if h.leads(ctx, c, who) {
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
func (h *Handler) leadOf(ctx context.Context, who coursebot.Learner, name, what string) (coursebot.Cohort, Role, error) {
	c, err := h.cohortNamed(ctx, name)
	if err != nil {
		return c, RoleNone, err
	}
	r, err := h.role(ctx, who, c)
	if err != nil {
		return c, RoleNone, err
	}
	if r < RoleLead {
		return c, r, refuse(coursebot.EFORBIDDEN, "Only the leads of cohort %s (and admins) can %s. Nothing was changed.", c.Name, what)
	}
	return c, r, nil
}

var nameRE = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]{0,39}$`)

func (h *Handler) cohortNamed(ctx context.Context, name string) (coursebot.Cohort, error) {
	if name == "" {
		return coursebot.Cohort{}, refuse(coursebot.EINVALID, "Which cohort? Name it: /%s ... NAME.", h.o.Command)
	}
	name = strings.ToLower(name)
	if !nameRE.MatchString(name) {
		return coursebot.Cohort{}, refuse(coursebot.EINVALID, "%q is not a cohort name (lowercase letters, digits, - and _, up to 40).", name)
	}
	c, ok, err := h.o.Store.Cohort(ctx, name)
	if err != nil {
		return c, err
	}
	if !ok {
		return c, refuse(coursebot.ENOTFOUND, "There is no cohort %q. Type /%s to see yours.", name, h.o.Command)
	}
	return c, nil
}
