package slack

import (
	"testing"

	"github.com/coursebot/coursebot/bot"
)

func TestPlacement(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		mod     func(*Options)
		channel string
		want    string
	}{
		{"dm by default", nil, "C1", "D1"},
		{"channel by default", func(o *Options) { o.Placement = PlaceChannel }, "C1", "C1"},
		{"channel override beats lesson", func(o *Options) {
			o.ChannelPlacement = map[string]string{"C7": PlaceChannel}
			o.LessonPlacement = map[string]string{"9-9": PlaceDM}
		}, "C7", "C7"},
		{"lesson override", func(o *Options) { o.LessonPlacement = map[string]string{"9-9": PlaceChannel} }, "C3", "C3"},
		{"a DM stays a DM", func(o *Options) { o.Placement = PlaceChannel }, "D1", "D1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t, stub(make(chan bot.Message, 8)), tt.mod)
			h.command("U1", "start-9-9", tt.channel)
			h.idle()
			if th := h.lessonThread("U1", "9-9"); th.Channel != tt.want {
				t.Fatalf("thread in %s, want %s", th.Channel, tt.want)
			}
		})
	}
}

// TestChannelNotJoinedFallsBackToDM: Slack refuses the post in a channel the
// bot is not in; the lesson opens in the learner's DM instead.
func TestChannelNotJoinedFallsBackToDM(t *testing.T) {
	t.Parallel()
	h := newHarness(t, stub(make(chan bot.Message, 8)), func(o *Options) { o.Placement = PlaceChannel })
	h.fake.notInChannel("C9")
	h.command("U1", "start-9-9", "C9")
	h.idle()
	if th := h.lessonThread("U1", "9-9"); th.Channel != "D1" {
		t.Fatalf("thread in %s, want the DM", th.Channel)
	}
	if msgs := posted(h.fake, "D1"); len(msgs) != 1 {
		t.Fatalf("%d messages in the DM, want 1 (the card that opens the thread)", len(msgs))
	}
}
