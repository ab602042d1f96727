package discord

import (
	"context"
	"fmt"

	"github.com/bwmarrin/discordgo"

	"github.com/coursebot/coursebot/bot"
)

var _ bot.Sender = (*Adapter)(nil)

// Send delivers replies to a learner's DMs (nudges from the scheduler). It
// runs on the learner's worker, so it never interleaves with their lesson.
func (a *Adapter) Send(ctx context.Context, to bot.Learner, replies []bot.Reply) error {
	if to.Platform != Platform {
		return fmt.Errorf("discord send: learner %s is not a Discord user", to.Key())
	}
	done := make(chan error, 1)
	at := a.now().UnixNano()
	ok := a.workers.submit(to.Key(), func(wctx context.Context) {
		ctx, cancel := context.WithCancel(ctx)
		defer cancel()
		stop := context.AfterFunc(wctx, cancel)
		defer stop()
		var ch *discordgo.Channel
		err := a.rest.call(ctx, "open DM", true, func(opt discordgo.RequestOption) error {
			var err error
			ch, err = a.session.UserChannelCreate(to.UserID, opt)
			return err
		})
		if err != nil {
			done <- fmt.Errorf("discord send to %s: %w", to.Key(), classify(err))
			return
		}
		for n, r := range bot.Own(replies, to) {
			for k, m := range a.render(r) {
				if _, err := a.rest.send(ctx, ch.ID, m, nonce("send", to.Key(), fmt.Sprint(at), fmt.Sprint(n), fmt.Sprint(k))); err != nil {
					done <- fmt.Errorf("discord send to %s: %w", to.Key(), classify(err))
					return
				}
			}
			if r.File != nil {
				if err := a.rest.sendFile(ctx, ch.ID, r.File, nonce("send", to.Key(), fmt.Sprint(at), fmt.Sprint(n), "file")); err != nil {
					done <- fmt.Errorf("discord send to %s: %w", to.Key(), classify(err))
					return
				}
			}
		}
		done <- nil
	})
	if !ok {
		return fmt.Errorf("discord send to %s: adapter is shut down", to.Key())
	}
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
		return fmt.Errorf("discord send to %s: %w", to.Key(), ctx.Err())
	}
}
