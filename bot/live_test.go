package bot_test

import (
	"context"
	"testing"
	"testing/synctest"
	"time"

	"github.com/coursebot/coursebot/bot"
)

func TestThrottlePassesTheFirstTextThenAtMostOnePerInterval(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var edits []string
		update := bot.Throttle(time.Second, nil, func(s string) { edits = append(edits, s) })
		update("a")  // t=0: at once
		update("ab") // t=0: dropped
		time.Sleep(600 * time.Millisecond)
		update("abc") // t=0.6: dropped
		time.Sleep(400 * time.Millisecond)
		update("abcd") // t=1.0: passed
		time.Sleep(999 * time.Millisecond)
		update("abcde") // t=1.999: dropped
		time.Sleep(time.Millisecond)
		update("abcdef") // t=2.0: passed
		want := []string{"a", "abcd", "abcdef"}
		if len(edits) != len(want) {
			t.Fatalf("edits = %q, want %q", edits, want)
		}
		for i := range want {
			if edits[i] != want[i] {
				t.Fatalf("edits = %q, want %q", edits, want)
			}
		}
	})
}

func TestSettledFinishesLiveReplies(t *testing.T) {
	h := handlerFunc(func(context.Context, bot.Message) ([]bot.Reply, error) {
		ph := bot.Reply{Title: "Tutor", Blocks: []bot.Block{{Kind: bot.BlockMarkdown, Text: bot.Placeholder}}}
		ph.Live = &bot.Live{Block: 0, Run: func(ctx context.Context, update func(string)) bot.Reply {
			if update != nil {
				update("Hel")
			}
			return ph.WithText(0, "Hello")
		}}
		return []bot.Reply{{Title: "before"}, ph}, nil
	})
	rs, err := bot.Settled(h).Handle(t.Context(), bot.Message{})
	if err != nil {
		t.Fatal(err)
	}
	if len(rs) != 2 || rs[0].Title != "before" || rs[1].Live != nil || rs[1].Blocks[0].Text != "Hello" {
		t.Fatalf("settled = %+v", rs)
	}
}

type handlerFunc func(context.Context, bot.Message) ([]bot.Reply, error)

func (f handlerFunc) Handle(ctx context.Context, m bot.Message) ([]bot.Reply, error) {
	return f(ctx, m)
}
