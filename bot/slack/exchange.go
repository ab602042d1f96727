package slack

import (
	"context"

	"github.com/coursebot/coursebot/bot"
)

// typedAnswer shapes the reply to an answer the learner typed in the
// lesson thread as one exchange: their message is right above it, so the
// reply does not repeat the card's title, the question or their answer;
// it says what happened ("Saved your answer.") and what follows (the
// course's follow-up, or the tutor's reply as it is written). A live
// reply's finished form is shaped the same way.
func typedAnswer(r bot.Reply) bot.Reply {
	if r.Ephemeral || r.Lesson == "" || r.Update {
		return r
	}
	out := r
	out.Title, out.Context, out.Blocks = "", "", nil
	live := -1
	for i, b := range r.Blocks {
		isLive := r.Live != nil && i == r.Live.Block
		if isLive {
			live = len(out.Blocks)
		}
		if !isLive && b.Kind == bot.BlockQuestion && b.Question != nil && b.Question.Answered {
			continue
		}
		out.Blocks = append(out.Blocks, b)
	}
	if r.Live != nil && r.Live.Run != nil {
		run := r.Live.Run
		out.Live = &bot.Live{Block: live, Run: func(ctx context.Context, update func(string)) bot.Reply {
			final := run(ctx, update)
			final.Live = nil
			return typedAnswer(final)
		}}
	}
	return out
}
