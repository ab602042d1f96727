package cohorts

import (
	"context"
	"fmt"
	"strings"

	"github.com/coursebot/coursebot"
)

// ChannelAccess tells whether a user can see a channel on one platform:
// on Slack, whether they are a member of it (conversations.members); on
// Discord, whether they have VIEW_CHANNEL there. The Slack and Discord
// adapters implement it. A channel the bot cannot see answers false.
type ChannelAccess interface {
	CanSeeChannel(ctx context.Context, channel, user string) (bool, error)
}

// mayBind checks that who, a lead (not an admin), may bind channel
// ("platform:id") to their cohort: only a channel they are in, as the
// platform says, so a lead cannot send their cohort's reminders and
// digests into someone else's channel.
func (h *Handler) mayBind(ctx context.Context, who coursebot.Learner, channel string) error {
	platform, id, _ := strings.Cut(channel, ":")
	if platform != who.Platform {
		return refuse(coursebot.EFORBIDDEN, "Only admins can bind a channel on %s to a cohort; leads bind channels they are in on their own platform. Nothing was changed.", platform)
	}
	acc := h.o.Channels[platform]
	if acc == nil {
		return refuse(coursebot.EFORBIDDEN, "Only admins can bind channels on %s: I cannot check there who is in a channel. Nothing was changed.", platform)
	}
	ok, err := acc.CanSeeChannel(ctx, id, who.UserID)
	if err != nil {
		return fmt.Errorf("check a lead's access to channel %s: %w", channel, err)
	}
	if !ok {
		return refuse(coursebot.EFORBIDDEN, "Only admins, or a lead who is in that channel, can bind it to a cohort, and I cannot find you in %s (if it is private, the bot must be in it too). Nothing was changed.", channel)
	}
	return nil
}
