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
			if r.File != nil {
				if err := a.upload(wctx, channel, "", r.File); err != nil {
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
// channel, it was deleted or archived, the user cannot be messaged or is
// gone, the token is bad): the scheduler records the recipient as failed at
// once and tells the cohort's leads. Send and SendChannel both classify.
type permanentError struct{ error }

func (permanentError) Permanent() bool { return true }
func (e permanentError) Unwrap() error { return e.error }

// permanentCodes are the Web API error codes no retry fixes.
var permanentCodes = map[string]bool{
	// the channel
	"not_in_channel": true, "channel_not_found": true, "is_archived": true, "restricted_action": true,
	// the recipient
	"cannot_dm_bot": true, "user_not_found": true, "user_disabled": true, "users_not_found": true,
	// the token (account_inactive: the bot user was deactivated)
	"invalid_auth": true, "not_authed": true, "account_inactive": true, "token_revoked": true,
	"token_expired": true, "no_permission": true, "missing_scope": true, "not_allowed_token_type": true,
}

func classify(err error) error {
	if err == nil {
		return nil
	}
	if se, ok := errors.AsType[slack.SlackErrorResponse](err); ok && permanentCodes[se.Err] {
		return permanentError{err}
	}
	return err
}
