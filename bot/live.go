package bot

import (
	"context"
	"time"
)

// Live is the part of a Reply still being written: a tutor's answer arriving
// token by token from a model. The Reply that carries it is the placeholder
// to show at once (its Blocks[Block] says "thinking…"). An adapter posts the
// placeholder, then calls Run, which calls update with the text of
// Blocks[Block] so far (each call's text extends the previous one) and
// returns the finished reply, which replaces the placeholder. Adapters that
// can edit a message in place edit it as the text grows, no more often than
// their platform allows (see Throttle); the console prints the text as it
// comes; an adapter that can do neither uses Settle.
//
// Run never fails: whatever goes wrong (a model that times out or answers
// garbage) ends in a finished reply the learner can go on from.
type Live struct {
	// Block is the index in the placeholder's Blocks of the block being
	// written.
	Block int
	// Run writes the text; ctx bounds it. update may be nil.
	Run func(ctx context.Context, update func(text string)) Reply
}

// Placeholder is the text of a live block before the first token.
const Placeholder = "thinking…"

// Settle finishes the live replies of replies, in order, and returns them
// with every live reply replaced by its finished form. It is for adapters
// (and tools) that cannot edit a message after posting it.
func Settle(ctx context.Context, replies []Reply) []Reply {
	var out []Reply
	for _, r := range replies {
		if r.Live != nil && r.Live.Run != nil {
			r = r.Live.Run(ctx, nil)
			r.Live = nil
		}
		out = append(out, r)
	}
	return out
}

// Settled wraps h so that its replies arrive finished: for adapters that
// post once and never edit.
func Settled(h Handler) Handler { return settled{h} }

type settled struct{ h Handler }

func (s settled) Handle(ctx context.Context, m Message) ([]Reply, error) {
	replies, err := s.h.Handle(ctx, m)
	if err != nil {
		return nil, err
	}
	return Settle(ctx, replies), nil
}

// WithText returns the placeholder r with the live block's text replaced:
// the reply as it stands while streaming. It copies Blocks, not r's other
// slices.
func (r Reply) WithText(block int, text string) Reply {
	blocks := append([]Block(nil), r.Blocks...)
	if block >= 0 && block < len(blocks) {
		blocks[block].Text = text
	}
	r.Blocks = blocks
	return r
}

// Throttle returns an update function for Live.Run that passes text on to
// edit at most once per interval (the first text at once): platforms limit
// how often a message may be edited. Text that arrives between edits is
// dropped, since the next text extends it and the finished reply replaces
// it. now is the clock (time.Now when nil).
func Throttle(interval time.Duration, now func() time.Time, edit func(text string)) func(text string) {
	if now == nil {
		now = time.Now
	}
	var last time.Time
	first := true
	return func(text string) {
		t := now()
		if !first && t.Sub(last) < interval {
			return
		}
		first, last = false, t
		edit(text)
	}
}
