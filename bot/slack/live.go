package slack

import (
	"context"
	"errors"
	"time"

	"github.com/slack-go/slack"

	"github.com/coursebot/coursebot/bot"
	"github.com/coursebot/coursebot/bot/markup"
	"github.com/coursebot/coursebot/ratelimit"
)

// LiveEditInterval is the least time between two edits of a reply that is
// still being written: chat.update is a Tier 3 method (about 50 calls a
// minute per workspace, short bursts allowed), so one edit a second.
const LiveEditInterval = time.Second

// liveGone is the live message's text when the finished reply has nothing
// in its place (a question without a follow-up, when the tutor fell back).
const liveGone = "Your answer is saved."

// deliverLive posts a reply still being written (a tutor's answer) as one
// exchange: the part before the live block ("Saved your answer.") and the
// live block share one message, which is posted at once (its notification
// text is that first part, never the placeholder), edited in place as the
// text grows (at most once per LiveEditInterval) and once more with the
// finished text; then the rest of the finished reply and its buttons
// follow as a card does. Ephemeral replies cannot be edited with
// chat.update: they are posted finished.
//
// chat.update is Tier 3 (50 a minute for the whole workspace), so the
// final edit's budget is reserved before the placeholder is posted: a
// placeholder is only posted when its finished text is sure to replace it
// without a wait. The edits in between are optional calls, made only
// while the budget has room to spare. When thirty learners answer at once
// and the budget is short, a reply degrades to fewer edits, and then to
// none: the finished reply is posted as it is, with the card's buttons in
// the same message, never lost.
func (a *Adapter) deliverLive(ctx context.Context, o origin, r bot.Reply) error {
	if r.Ephemeral || r.Lesson == "" {
		final := r.Live.Run(ctx, nil)
		final.Live = nil
		return a.deliverInPlace(ctx, o, bot.Own([]bot.Reply{final}, o.learner)[0])
	}
	th, err := a.thread(ctx, o, r)
	if err != nil {
		return err
	}
	a.spendControls(ctx, o, th)
	user := o.learner.UserID
	head := render(bot.SplitLive(r)).Content
	// The head's last message carries the live text when there is room
	// (a tutor's reply is one section); the rest of the head goes first.
	var lead *message
	if n := len(head); n > 0 && len(head[n-1].Blocks) < maxBlocks {
		lead, head = &head[n-1], head[:n-1]
	}
	for _, m := range head {
		if _, err := a.postInThread(ctx, &th, user, r, m); err != nil {
			return err
		}
	}
	finish := func(final bot.Reply) (string, bot.Reply) {
		text, tail := bot.FinishLive(r, final)
		if text == "" {
			text = liveGone
		}
		return text, bot.Own([]bot.Reply{tail}, o.learner)[0]
	}
	fctx, release, streaming := a.pace.Reserve(ctx, "chat.update")
	defer release()
	if !streaming {
		// Posted whole: the reply and the rest of the card with its
		// buttons go as one message where they fit, one post less when
		// the budget is short.
		text, tail := finish(r.Live.Run(ctx, nil))
		ex := exchangeMessage(lead, text, true)
		return a.postCardAfter(ctx, th, user, &ex, tail)
	}
	ts, err := a.postInThread(ctx, &th, user, r, exchangeMessage(lead, bot.Placeholder, false))
	if err != nil {
		return err
	}
	edit := ratelimit.WithPriority(ctx, ratelimit.Optional)
	update := bot.Throttle(LiveEditInterval, a.now, func(text string) {
		if err := a.update(edit, th.Channel, ts, exchangeMessage(lead, text, false)); err != nil && !errors.Is(err, ratelimit.ErrSkipped) {
			a.logErr("edit live reply", err, "learner", o.learner.Key())
		}
	})
	text, tail := finish(r.Live.Run(ctx, update))
	if err := a.update(fctx, th.Channel, ts, exchangeMessage(lead, text, true)); err != nil {
		return err
	}
	// The rest and the buttons, as a card (the thread is stored with
	// them, also when there are none).
	return a.postCard(ctx, th, user, tail)
}

// exchangeMessage is the live message: lead's blocks (may be nil) and the
// live text. Its notification text is lead's while the text is being
// written ("Saved your answer."), and the finished reply's first line, in
// plain text, once it is done.
func exchangeMessage(lead *message, text string, done bool) message {
	m := liveMessage(text)
	notify := "The tutor is replying to you"
	if lead != nil {
		m.Blocks = append(append([]slack.Block(nil), lead.Blocks...), m.Blocks...)
		notify = lead.Text
	}
	if done {
		notify = m.Text // the reply itself, in plain text
	}
	m.Text = markup.Truncate(notify, maxFallbackText)
	return m
}

// liveMessage renders the live block's text as one Slack message.
func liveMessage(text string) message {
	out := render(bot.Reply{Blocks: []bot.Block{{Kind: bot.BlockMarkdown, Text: text}}})
	if len(out.Content) == 0 {
		return message{Text: text}
	}
	return out.Content[0]
}
