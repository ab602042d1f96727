package discord

import (
	"context"
	"fmt"

	"github.com/coursebot/coursebot/bot"
	"github.com/coursebot/coursebot/delivery"
)

// SendChannel posts replies to a channel outside of a request (a cohort's
// reminder), through the same REST path as Send, with nonces so a retried
// post is not doubled. Posts to one channel are serialised on one worker.
func (a *Adapter) SendChannel(ctx context.Context, channel string, replies []bot.Reply) error {
	if channel == "" || !isSnowflake(channel) {
		return delivery.Permanent(fmt.Errorf("discord send to channel %q: not a channel id", channel))
	}
	err := a.q.Do(ctx, "channel:"+channel, func(ctx context.Context) error {
		return a.postAll(ctx, channel, replies)
	})
	if err != nil {
		return fmt.Errorf("discord send to channel %s: %w", channel, err)
	}
	return nil
}

func isSnowflake(s string) bool {
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return s != ""
}
