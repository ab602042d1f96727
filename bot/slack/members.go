package slack

import (
	"context"
	"errors"
	"fmt"

	"github.com/slack-go/slack"
)

// CanSeeChannel reports whether user (a Slack user id) is a member of
// channel, from conversations.members (paged). A channel the bot cannot
// see (private and the bot not invited, or no such channel) answers
// false: nobody can be shown to be in it.
func (a *Adapter) CanSeeChannel(ctx context.Context, channel, user string) (bool, error) {
	params := &slack.GetUsersInConversationParameters{ChannelID: channel, Limit: 200}
	for range 200 { // 40,000 members at most
		var (
			members []string
			next    string
		)
		err := a.call(ctx, "conversations.members", func(ctx context.Context, _ bool) error {
			var err error
			members, next, err = a.api.GetUsersInConversationContext(ctx, params)
			return err
		})
		var se slack.SlackErrorResponse
		if errors.As(err, &se) && (se.Err == "channel_not_found" || se.Err == "not_in_channel") {
			return false, nil
		}
		if err != nil {
			return false, fmt.Errorf("slack: members of %s: %w", channel, err)
		}
		for _, m := range members {
			if m == user {
				return true, nil
			}
		}
		if next == "" {
			return false, nil
		}
		params.Cursor = next
	}
	return false, fmt.Errorf("slack: members of %s: too many pages", channel)
}
