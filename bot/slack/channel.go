package slack

import (
	"context"
	"errors"
	"fmt"

	"github.com/slack-go/slack"

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
					done <- fmt.Errorf("slack: post to channel %s: %w", channel, classify(err))
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

// permanentError marks an error no retry will fix (the bot is not in the
// channel, it was deleted or archived): the scheduler records the
// recipient as failed at once and tells the cohort's leads.
type permanentError struct{ error }

func (permanentError) Permanent() bool { return true }
func (e permanentError) Unwrap() error { return e.error }

func classify(err error) error {
	if se, ok := errors.AsType[slack.SlackErrorResponse](err); ok {
		switch se.Err {
		case "not_in_channel", "channel_not_found", "is_archived", "restricted_action", "cannot_dm_bot", "user_not_found", "account_inactive":
			return permanentError{err}
		}
	}
	return err
}
