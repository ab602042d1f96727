package slack

import (
	"context"
	"errors"
	"fmt"

	"github.com/coursebot/coursebot/bot"
	"github.com/coursebot/coursebot/delivery"
)

// SendChannel posts replies to a channel outside of a request (a cohort's
// reminder), through the same chat.postMessage path as lesson cards, with
// its retries. Posts to one channel are serialised on one worker. An error
// no retry will fix (the bot is not in the channel, it was deleted or
// archived, the token is bad) is delivery.Permanent: the scheduler records
// the recipient as failed at once and tells the cohort's leads.
func (a *Adapter) SendChannel(ctx context.Context, channel string, replies []bot.Reply) error {
	if channel == "" {
		return delivery.Permanent(errors.New("slack: send to channel: no channel"))
	}
	err := a.q.Do(ctx, "channel:"+channel, func(ctx context.Context) error {
		for _, r := range replies {
			for _, m := range render(r).all() {
				if _, err := a.post(ctx, channel, "", m); err != nil {
					return err
				}
			}
			if r.File != nil {
				if err := a.upload(ctx, channel, "", r.File); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("slack: post to channel %s: %w", channel, err)
	}
	return nil
}
