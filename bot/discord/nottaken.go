package discord

import (
	"context"
	"errors"
	"time"

	"github.com/coursebot/coursebot/delivery"
	"github.com/coursebot/coursebot/ratelimit"
)

// A typed answer in a lesson thread comes over the gateway, which Discord
// never delivers again: one the inbox refuses (too busy, or shutting down)
// is gone unless the learner sends it again. They are told so in the
// thread, instead of reading nothing (a button's refusal is the
// interaction's own ephemeral answer; Slack sends a refused event again).
const (
	msgAnswerBusy    = "Sorry, I am very busy right now and did not keep that message. Please send it again in a minute."
	msgAnswerRestart = "The bot is restarting and did not keep that message. Please send it again in a minute."
	msgAnswerFault   = "Sorry, something went wrong on our side and I did not keep that message. Please send it again in a minute."
)

// notTakenLen bounds the notices waiting to be sent: past it, in an
// overload, further ones are dropped (the inbox counts every refusal).
const notTakenLen = 64

// notice is one sentence for a channel.
type notice struct{ channel, text string }

// refusedMessage tells the learner in channel that their message was not
// kept, when err says the inbox refused it (ErrDuplicate is no refusal).
func (a *Adapter) refusedMessage(channel string, err error) {
	var text string
	switch {
	case err == nil || errors.Is(err, delivery.ErrDuplicate):
		return
	case errors.Is(err, delivery.ErrBusy):
		text = msgAnswerBusy // counted and summarised in the log by the inbox
	case errors.Is(err, delivery.ErrClosed):
		text = msgAnswerRestart
	default:
		a.log.Warn("message not taken", "err", err)
		text = msgAnswerFault
	}
	select {
	case a.notTaken <- notice{channel: channel, text: text}:
	default: // an overload: the inbox's own count says how many were refused
	}
}

// tellNotTaken sends the notices until stop is closed. It runs beside the
// gateway, so the gateway's read loop never waits for an API call.
func (a *Adapter) tellNotTaken(stop <-chan struct{}) {
	for {
		select {
		case <-stop:
			return
		case n := <-a.notTaken:
			ctx, cancel := context.WithTimeout(ratelimit.WithPriority(context.Background(), ratelimit.Background), 10*time.Second)
			if _, err := a.rest.send(ctx, n.channel, outMsg{Content: n.text}, ""); err != nil {
				a.log.Warn("could not say a message was not kept", "err", sanitize(err))
			}
			cancel()
		}
	}
}
