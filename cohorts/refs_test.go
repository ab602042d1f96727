package cohorts

import (
	"context"
	"strings"
	"testing"

	"github.com/coursebot/coursebot"
)

var (
	slackAdmin   = coursebot.Learner{Platform: "slack", UserID: "UADMIN"}
	discordAdmin = coursebot.Learner{Platform: "discord", UserID: "100000001"}
)

// TestMentions: the escaped mentions Slack (should_escape) and Discord
// send become ids; a bare @name or #name, which names nobody, is refused
// with what to type, and nothing is stored.
func TestMentions(t *testing.T) {
	t.Parallel()
	tests := []struct {
		who       coursebot.Learner
		args      string
		lead, ch  string // stored in alpha, "" = refused
		refusedIn string // a word of the refusal
	}{
		{slackAdmin, "lead alpha <@U0ALICE|alice>", "slack:U0ALICE", "", ""},
		{slackAdmin, "lead alpha <@U0ALICE>", "slack:U0ALICE", "", ""},
		{slackAdmin, "lead alpha U0ALICE", "slack:U0ALICE", "", ""},
		{slackAdmin, "lead alpha slack:U0ALICE", "slack:U0ALICE", "", ""},
		{slackAdmin, "lead alpha @alice", "", "", "turns blue"},
		{slackAdmin, "lead alpha alice", "", "", "turns blue"},
		{slackAdmin, "lead alpha slack:alice", "", "", "turns blue"},
		{slackAdmin, "lead alpha <@123456789>", "", "", "turns blue"}, // Discord's form on Slack
		{discordAdmin, "lead alpha <@123456789>", "discord:123456789", "", ""},
		{discordAdmin, "lead alpha <@!123456789>", "discord:123456789", "", ""},
		{discordAdmin, "lead alpha @alice", "", "", "turns blue"},
		{admin, "lead alpha test:bob", "test:bob", "", ""},
		{admin, "lead alpha bob", "test:bob", "", ""},
		{admin, "lead alpha @bob", "", "", "test:bob"},
		{slackAdmin, "channel alpha <#C0BETA|beta>", "", "slack:C0BETA", ""},
		{slackAdmin, "channel alpha <#C0BETA|team room>", "", "slack:C0BETA", ""},
		{slackAdmin, "channel alpha <#C0BETA>", "", "slack:C0BETA", ""},
		{slackAdmin, "channel alpha #beta", "", "", "turns blue"},
		{discordAdmin, "channel alpha <#123456789>", "", "discord:123456789", ""},
		{discordAdmin, "channel alpha #general", "", "", "turns blue"},
	}
	for _, tt := range tests {
		t.Run(tt.who.Platform+" "+tt.args, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t, false)
			before := f.snapshot(t)
			out := f.do(t, tt.who, "cohort", tt.args)
			c, _, _ := f.db.Cohort(context.Background(), "alpha")
			switch {
			case tt.refusedIn != "":
				if !strings.Contains(out, tt.refusedIn) {
					t.Errorf("refusal lacks %q:\n%s", tt.refusedIn, out)
				}
				if f.snapshot(t) != before {
					t.Errorf("a refused reference changed the store")
				}
			case tt.lead != "" && !c.IsLead(tt.lead):
				t.Errorf("leads %v, want %s in them:\n%s", c.Leads, tt.lead, out)
			case tt.ch != "" && c.Channel != tt.ch:
				t.Errorf("channel %q, want %q:\n%s", c.Channel, tt.ch, out)
			}
		})
	}
	// Invitations and removals take mentions too.
	f := newFixture(t, false)
	f.must(t, slackAdmin, "cohort", "join alpha <@U0BOB|bob>")
	if m, ok, _ := f.db.Membership(context.Background(), "alpha", "slack:U0BOB"); !ok || !m.Pending {
		t.Errorf("invitation of <@U0BOB|bob>: %+v %v", m, ok)
	}
	f.must(t, slackAdmin, "cohort", "leave alpha <@U0BOB>")
	if _, ok, _ := f.db.Membership(context.Background(), "alpha", "slack:U0BOB"); ok {
		t.Errorf("<@U0BOB> not removed")
	}
}

// TestChannelBinding: a lead may bind only a channel they are in, as the
// platform says; admins any.
func TestChannelBinding(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		who     coursebot.Learner
		args    string
		allowed bool
	}{
		{leadA, "channel alpha test:C9", true},      // lead-a is in C9
		{leadA, "channel alpha test:C0BETA", false}, // beta's channel: lead-a is not in it
		{leadA, "channel alpha C0BETA", false},
		{leadA, "channel alpha test:C0NONE", false},
		{leadA, "channel alpha slack:C0BETA", false}, // another platform: admins only
		{leadA, "channel alpha none", true},
		{admin, "channel alpha test:C0BETA", true},
		{leadB, "channel alpha test:C9", false}, // not alpha's lead
	} {
		t.Run(tt.who.UserID+" "+tt.args, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t, false)
			before := f.snapshot(t)
			out := f.do(t, tt.who, "cohort", tt.args)
			if tt.allowed {
				if refused(out) || f.snapshot(t) == before {
					t.Errorf("refused or unchanged:\n%s", out)
				}
				return
			}
			if !refused(out) {
				t.Errorf("not refused:\n%s", out)
			}
			if f.snapshot(t) != before {
				t.Errorf("a refused binding changed the store")
			}
		})
	}
	// Without a way to check the platform, only admins bind.
	f := newFixture(t, false)
	f.h.o.Channels = nil
	if out := f.do(t, leadA, "cohort", "channel alpha test:C9"); !refused(out) || !strings.Contains(out, "cannot check") {
		t.Errorf("bound without a check: %s", out)
	}
}
