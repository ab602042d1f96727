package slack

import (
	"context"
	"time"

	"github.com/coursebot/coursebot/bot"
)

// LiveEditInterval is the least time between two edits of a reply that is
// still being written: chat.update is a Tier 3 method (about 50 calls a
// minute per workspace, short bursts allowed), so one edit a second.
const LiveEditInterval = time.Second

// liveGone is the live message's text when the finished reply has nothing
// in its place (a question without a follow-up, when the tutor fell back).
const liveGone = "Your answer is saved."

// deliverLive posts a reply still being written (a tutor's answer): the
// part before the live block, then the live block as a message of its own
// saying "thinking…", edited in place as the text grows (at most once per
// LiveEditInterval) and once more with the finished text, then the rest of
// the finished reply with its buttons. Ephemeral replies cannot be edited
// with chat.update: they are posted finished.
func (a *Adapter) deliverLive(ctx context.Context, o origin, r bot.Reply) error {
	if r.Ephemeral || r.Lesson == "" {
		final := r.Live.Run(ctx, nil)
		final.Live = nil
		return a.deliverInPlace(ctx, o, bot.Own([]bot.Reply{final}, o.learner)[0])
	}
	head := bot.SplitLive(r)
	if len(head.Blocks) > 0 || head.Title != "" {
		if err := a.deliverThread(ctx, o, head); err != nil {
			return err
		}
		o.start = false // the thread exists now
	}
	th, err := a.thread(ctx, o, r)
	if err != nil {
		return err
	}
	ts, err := a.post(ctx, th.Channel, th.ThreadID, liveMessage(bot.Placeholder))
	if err != nil {
		return err
	}
	update := bot.Throttle(LiveEditInterval, a.now, func(text string) {
		if err := a.update(ctx, th.Channel, ts, liveMessage(text)); err != nil {
			a.logErr("edit live reply", err, "learner", o.learner.Key())
		}
	})
	final := r.Live.Run(ctx, update)
	text, tail := bot.FinishLive(r, final)
	if text == "" {
		text = liveGone
	}
	if err := a.update(ctx, th.Channel, ts, liveMessage(text)); err != nil {
		return err
	}
	if len(tail.Blocks) == 0 && len(tail.Buttons) == 0 && tail.File == nil {
		return nil
	}
	return a.deliverThread(ctx, o, bot.Own([]bot.Reply{tail}, o.learner)[0])
}

// liveMessage renders the live block's text as one Slack message.
func liveMessage(text string) message {
	out := render(bot.Reply{Blocks: []bot.Block{{Kind: bot.BlockMarkdown, Text: text}}})
	if len(out.Content) == 0 {
		return message{Text: text}
	}
	return out.Content[0]
}
