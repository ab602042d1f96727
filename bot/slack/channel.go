package slack

import (
	"context"
	"errors"
	"fmt"

	"github.com/coursebot/coursebot/bot"
)

// SendChannel posts replies to a channel outside of a request (a cohort's
// reminder), through the same chat.postMessage path as lesson cards, with
// its retries. Posts to one channel are serialised on one worker.
func (a *Adapter) SendChannel(ctx context.Context, channel string, replies []bot.Reply) error {
	if channel == "" {
		return errors.New("slack: send to channel: no channel")
	}
	done := make(chan error, 1)
	ok := a.enqueue("channel:"+channel, func(wctx context.Context) {
		for _, r := range replies {
			for _, m := range render(r).all() {
				if _, err := a.post(wctx, channel, "", m); err != nil {
					done <- fmt.Errorf("slack: post to channel %s: %w", channel, err)
					return
				}
			}
		}
		done <- nil
	})
	if !ok {
		return errors.New("slack: send to channel: adapter is shutting down")
	}
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
		return fmt.Errorf("slack: post to channel %s: %w", channel, ctx.Err())
	}
}
