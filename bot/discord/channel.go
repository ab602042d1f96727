package discord

import (
	"context"
	"errors"
	"fmt"

	"github.com/coursebot/coursebot/bot"
)

// SendChannel posts replies to a channel outside of a request (a cohort's
// reminder), through the same REST path as Send, with nonces so a retried
// post is not doubled. Posts to one channel are serialised on one worker.
func (a *Adapter) SendChannel(ctx context.Context, channel string, replies []bot.Reply) error {
	if channel == "" || !isSnowflake(channel) {
		return fmt.Errorf("discord send to channel %q: not a channel id", channel)
	}
	done := make(chan error, 1)
	at := a.now().UnixNano()
	ok := a.workers.submit("channel:"+channel, func(wctx context.Context) {
		ctx, cancel := context.WithCancel(ctx)
		defer cancel()
		stop := context.AfterFunc(wctx, cancel)
		defer stop()
		for n, r := range replies {
			for k, m := range render(r) {
				if _, err := a.rest.send(ctx, channel, m, nonce("channel", channel, fmt.Sprint(at), fmt.Sprint(n), fmt.Sprint(k))); err != nil {
					done <- fmt.Errorf("discord send to channel %s: %w", channel, classify(err))
					return
				}
			}
			if r.File != nil {
				if err := a.rest.sendFile(ctx, channel, r.File, nonce("channel", channel, fmt.Sprint(at), fmt.Sprint(n), "file")); err != nil {
					done <- fmt.Errorf("discord send to channel %s: %w", channel, classify(err))
					return
				}
			}
		}
		done <- nil
	})
	if !ok {
		return errors.New("discord send to channel: adapter is shut down")
	}
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
		return fmt.Errorf("discord send to channel %s: %w", channel, ctx.Err())
	}
}

func isSnowflake(s string) bool {
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return s != ""
}

// permanentError marks an error no retry will fix (a deleted channel, no
// access, a user who does not take DMs from the bot or does not exist): the
// scheduler records the recipient as failed at once. Send and SendChannel
// both classify.
type permanentError struct{ error }

func (permanentError) Permanent() bool { return true }
func (e permanentError) Unwrap() error { return e.error }

func classify(err error) error {
	status, code := statusOf(err)
	switch {
	case status == 401, status == 403, status == 404:
		return permanentError{err}
	case code == codeCannotDM, code == codeUnknownChannel, code == codeUnknownUser:
		return permanentError{err}
	}
	return err
}
