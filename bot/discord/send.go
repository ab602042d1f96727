package discord

import (
	"context"
	"fmt"

	"github.com/bwmarrin/discordgo"

	"github.com/coursebot/coursebot"
	"github.com/coursebot/coursebot/bot"
	"github.com/coursebot/coursebot/delivery"
)

var _ bot.Sender = (*Adapter)(nil)

// Send delivers replies to a learner's DMs (nudges from the scheduler). It
// runs on the learner's worker, so it never interleaves with their lesson.
// The idempotency key in ctx (delivery.WithKey) makes the nonces: a repeat
// of the same send (same key) does not post twice. An error no retry will
// fix is delivery.Permanent.
func (a *Adapter) Send(ctx context.Context, to coursebot.Learner, replies []bot.Reply) error {
	if to.Platform != Platform {
		return fmt.Errorf("discord send: learner %s is not a Discord user", to.Key())
	}
	err := a.q.Do(ctx, to.Key(), func(ctx context.Context) error {
		var ch *discordgo.Channel
		err := a.rest.call(ctx, "open DM", true, func(opt discordgo.RequestOption) error {
			var err error
			ch, err = a.session.UserChannelCreate(to.UserID, opt)
			return err
		})
		if err != nil {
			return err
		}
		return a.postAll(ctx, ch.ID, bot.Own(replies, to))
	})
	if err != nil {
		return fmt.Errorf("discord send to %s: %w", to.Key(), err)
	}
	return nil
}

// postAll posts replies into channel, each message with a nonce made from
// the idempotency key in ctx (delivery.NextMessage), so a repeat of the
// same send collapses into the messages it already made.
func (a *Adapter) postAll(ctx context.Context, channel string, replies []bot.Reply) error {
	for _, r := range replies {
		for _, m := range a.render(r) {
			id, _ := delivery.NextMessage(ctx)
			if _, err := a.rest.send(ctx, channel, m, nonce(id)); err != nil {
				return err
			}
		}
		if r.File != nil {
			id, _ := delivery.NextMessage(ctx)
			if err := a.rest.sendFile(ctx, channel, r.File, nonce(id)); err != nil {
				return err
			}
		}
	}
	return nil
}
