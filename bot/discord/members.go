package discord

import (
	"context"
	"net/http"

	"github.com/bwmarrin/discordgo"
)

// Discord JSON error codes meaning "nothing there for this user".
const (
	codeUnknownGuild  = 10004
	codeUnknownMember = 10007
	codeMissingAccess = 50001
)

// CanSeeChannel reports whether user (a Discord user id) has VIEW_CHANNEL
// in channel: the guild's @everyone and the member's roles, then the
// channel's overwrites, as Discord computes it (discordgo's
// UserChannelPermissions over GET /channels/{id}, /guilds/{id} and
// /guilds/{id}/members/{user}; the guild owner and administrators see
// everything). A channel, guild or member the bot cannot find answers
// false.
func (a *Adapter) CanSeeChannel(ctx context.Context, channel, user string) (bool, error) {
	var perms int64
	err := a.rest.call(ctx, "channel permissions", true, func(opt discordgo.RequestOption) error {
		var err error
		perms, err = a.session.UserChannelPermissions(user, channel, opt)
		return err
	})
	if err != nil {
		status, code := statusOf(err)
		switch {
		case status == http.StatusNotFound, status == http.StatusForbidden,
			code == codeUnknownChannel, code == codeUnknownGuild, code == codeUnknownMember, code == codeUnknownUser, code == codeMissingAccess:
			return false, nil
		}
		return false, err
	}
	return perms&discordgo.PermissionViewChannel != 0, nil
}
