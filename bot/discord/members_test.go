package discord_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/bwmarrin/discordgo"
	"github.com/coursebot/coursebot/bot/discord"
)

// TestCanSeeChannel: VIEW_CHANNEL as Discord computes it, from the
// channel, the guild's roles and the member, over REST.
func TestCanSeeChannel(t *testing.T) {
	t.Parallel()
	f := newFakeDiscord(t)
	view := fmt.Sprint(discordgo.PermissionViewChannel | discordgo.PermissionSendMessages)
	f.addGuild(&fakeGuild{
		ID: "900", OwnerID: "1",
		Roles: []fakeRole{{ID: "900", Permissions: view}, {ID: "910", Permissions: "0"}, {ID: "920", Permissions: fmt.Sprint(discordgo.PermissionAdministrator)}},
		Members: map[string][]string{
			"1": nil, "2": nil, "3": {"910"}, "4": {"920"}, "5": nil,
		},
	},
		&fakeChannel{ID: "700", Type: 0}, // public: @everyone may view
		&fakeChannel{ID: "701", Type: 0, Overwrites: []fakeOverwrite{ // staff only: @everyone denied, role 910 and member 5 allowed
			{ID: "900", Type: 0, Allow: "0", Deny: fmt.Sprint(discordgo.PermissionViewChannel)},
			{ID: "910", Type: 0, Allow: fmt.Sprint(discordgo.PermissionViewChannel), Deny: "0"},
			{ID: "5", Type: 1, Allow: fmt.Sprint(discordgo.PermissionViewChannel), Deny: "0"},
		}},
	)
	e := newEnv(t, discord.ModeHTTP, f, "", false)
	ctx := context.Background()
	for _, tt := range []struct {
		channel, user string
		want          bool
	}{
		{"700", "2", true},
		{"701", "2", false},   // denied by the @everyone overwrite
		{"701", "3", true},    // allowed through role 910
		{"701", "5", true},    // allowed as a member
		{"701", "4", true},    // administrator
		{"701", "1", true},    // owner
		{"701", "99", false},  // not in the guild
		{"799", "2", false},   // no such channel
		{"chan1", "2", false}, // a channel in no guild
	} {
		got, err := e.a.CanSeeChannel(ctx, tt.channel, tt.user)
		if err != nil || got != tt.want {
			t.Errorf("CanSeeChannel(%s, %s) = %v, %v; want %v", tt.channel, tt.user, got, err, tt.want)
		}
	}
}
