package discord

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/coursebot/coursebot/bot"
	"github.com/coursebot/coursebot/ratelimit"
)

// LiveEditInterval is the least time between two edits of a reply that is
// still being written: message edits share the channel's message rate
// limit (about five per five seconds), so one edit a second.
const LiveEditInterval = time.Second

// liveGone is the live message's text when the finished reply has nothing
// in its place (a question without a follow-up, when the tutor fell back).
const liveGone = "Your answer is saved."

// live posts a reply still being written (a tutor's answer) into the
// lesson's thread: the part before the live block, then the live block as
// a message of its own saying "thinking…", edited as the text grows (at
// most once per LiveEditInterval, each edit within the 2000-character
// limit) and once more with the finished text (what of it passes the limit
// in further messages), then the rest of the finished reply with its
// buttons. Ephemeral replies to a command stream
// in its response (liveOriginal); other ephemeral ones are posted finished.
func (d *poster) live(ctx context.Context, r bot.Reply) error {
	if (r.Ephemeral || r.Lesson == "") && d.ev.i != nil && d.ev.command && !d.usedOrig {
		return d.liveOriginal(ctx, r)
	}
	if r.Ephemeral || r.Lesson == "" {
		final := r.Live.Run(ctx, nil)
		final.Live = nil
		d.inPlace(ctx, bot.Own([]bot.Reply{final}, d.ev.learner)[0])
		return nil
	}
	head := bot.SplitLive(r)
	if len(head.Blocks) > 0 || head.Title != "" {
		if err := d.toThread(ctx, head); err != nil {
			return err
		}
	}
	th, err := d.a.ensureThread(ctx, d, r.Lesson, false)
	if err != nil {
		return err
	}
	channel := th.ThreadID
	if channel == "" {
		channel = d.ev.channelID
	}
	msg, err := d.a.rest.send(ctx, channel, liveMsg(bot.Placeholder), nonce(d.ev.id, channel, fmt.Sprint(d.n), "live"))
	if err != nil {
		return err
	}
	edit := func(ctx context.Context, text string) error {
		m := liveMsg(text)
		return d.a.rest.edit(ctx, channel, msg.ID, &m, nil)
	}
	// The edits while the text is written are optional: when the budget
	// is short there are fewer of them, never a lost final text.
	optional := ratelimit.WithPriority(ctx, ratelimit.Optional)
	update := bot.Throttle(LiveEditInterval, d.a.now, func(text string) {
		if err := edit(optional, text); err != nil && !errors.Is(err, ratelimit.ErrSkipped) {
			d.log.Warn("edit live reply", "err", err)
		}
	})
	final := r.Live.Run(ctx, update)
	text, tail := bot.FinishLive(r, final)
	if text == "" {
		text = liveGone
	}
	if err := edit(ctx, text); err != nil {
		return err
	}
	// A finished text past one message's limit goes on in messages of
	// its own after the live one, never cut.
	if more := render(bot.Reply{Blocks: []bot.Block{{Kind: bot.BlockMarkdown, Text: text}}}); len(more) > 1 {
		for i, m := range more[1:] {
			if _, err := d.a.rest.send(ctx, channel, m, nonce(d.ev.id, channel, fmt.Sprint(d.n), "live", fmt.Sprint(i+1))); err != nil {
				return err
			}
		}
	}
	if len(tail.Blocks) == 0 && len(tail.Buttons) == 0 && tail.File == nil {
		return nil
	}
	// The tail's posts need nonces of their own (the head's were made
	// with this reply's index): a distinct, deterministic index.
	n := d.n
	d.n = -1 - n
	defer func() { d.n = n }()
	return d.toThread(ctx, bot.Own([]bot.Reply{tail}, d.ev.learner)[0])
}

// liveMsg renders the live block's text as one Discord message (cut to
// its limits by the renderer).
func liveMsg(text string) outMsg {
	out := render(bot.Reply{Blocks: []bot.Block{{Kind: bot.BlockMarkdown, Text: text}}})
	if len(out) == 0 {
		return outMsg{Content: text}
	}
	return out[0]
}

// liveOriginal streams a reply that answers a command in place (a
// /help answer, ephemeral): the command's deferred response (@original,
// which Discord lets the bot edit, ephemeral too, for the interaction
// token's 15 minutes) shows the placeholder at once, is edited as the text
// grows (at most once per LiveEditInterval; its first message only, within
// the 2000-character limit) and then gets the finished reply, any further
// messages of which are follow-ups.
func (d *poster) liveOriginal(ctx context.Context, r bot.Reply) error {
	head := func(rep bot.Reply) outMsg {
		rep.Live = nil
		ms := d.a.render(bot.Own([]bot.Reply{rep}, d.ev.learner)[0])
		if len(ms) == 0 {
			return outMsg{Content: bot.Placeholder}
		}
		return ms[0]
	}
	if _, err := d.a.rest.editOriginal(ctx, d.ev.i, head(r)); err != nil {
		return err
	}
	optional := ratelimit.WithPriority(ctx, ratelimit.Optional)
	update := bot.Throttle(LiveEditInterval, d.a.now, func(text string) {
		if _, err := d.a.rest.editOriginal(optional, d.ev.i, head(r.WithText(r.Live.Block, text))); err != nil && !errors.Is(err, ratelimit.ErrSkipped) {
			d.log.Warn("edit live reply", "err", err)
		}
	})
	final := r.Live.Run(ctx, update)
	final.Live = nil
	d.inPlace(ctx, bot.Own([]bot.Reply{final}, d.ev.learner)[0]) // edits @original, then follow-ups
	return nil
}
