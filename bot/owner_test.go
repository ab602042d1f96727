package bot

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/coursebot/coursebot"
)

// threads is an in-memory ThreadFinder.
type threads map[Place]coursebot.Thread

func (ts threads) ThreadAt(_ context.Context, platform, channel, thread string) (coursebot.Thread, bool, error) {
	if channel == "broken" {
		return coursebot.Thread{}, false, errors.New("disk on fire")
	}
	t, ok := ts[Place{platform, channel, thread}]
	return t, ok, nil
}

func TestMayPress(t *testing.T) {
	a := coursebot.Learner{Platform: "slack", UserID: "UA"}
	b := coursebot.Learner{Platform: "slack", UserID: "UB"}
	bThread := Place{"slack", "C1", "100.1"}
	known := threads{bThread: {Platform: "slack", Learner: b.Key(), Lesson: "4-4", Channel: "C1", ThreadID: "100.1"}}
	tests := []struct {
		name    string
		presser coursebot.Learner
		owner   string
		at      Place
		want    bool
	}{
		{"owner on own marked card", b, OwnerTag(b), bThread, true},
		{"other on marked card", a, OwnerTag(b), bThread, false},
		{"other on marked card in an unknown thread", a, OwnerTag(b), Place{"slack", "C1", "99.1"}, false},
		{"owner on own card in an old thread", b, OwnerTag(b), Place{"slack", "C1", "99.1"}, true},
		{"other on unmarked card in a known thread", a, "", bThread, false},
		{"owner on unmarked card in own thread", b, "", bThread, true},
		{"other carrying their own tag into someone's thread", a, OwnerTag(a), bThread, false},
		{"unmarked card in a DM", a, "", Place{"slack", "D1", ""}, true},
	}
	for _, tt := range tests {
		got, err := MayPress(context.Background(), known, tt.presser, tt.owner, tt.at)
		if err != nil || got != tt.want {
			t.Errorf("%s: MayPress = %v, %v; want %v", tt.name, got, err, tt.want)
		}
	}
	if _, err := MayPress(context.Background(), known, a, "", Place{"slack", "broken", "1"}); err == nil {
		t.Error("a store error was not returned")
	}
}

func TestOwnMarksButtonsAndTellsTagsApart(t *testing.T) {
	a := coursebot.Learner{Platform: "discord", UserID: "123456789012345678"}
	b := coursebot.Learner{Platform: "discord", UserID: "123456789012345679"}
	if OwnerTag(a) == OwnerTag(b) || len(OwnerTag(a)) != 10 || OwnerTag(coursebot.Learner{}) != "" {
		t.Fatalf("tags %q %q", OwnerTag(a), OwnerTag(b))
	}
	in := []Reply{{Lesson: "4-4", Buttons: []Button{{Label: "Next", Action: "next|4-4|intro"}, {Label: "odd", Action: ""}}}}
	out := Own(in, a)
	if out[0].Owner != OwnerTag(a) || OwnerOf(out[0].Buttons[0].Action) != OwnerTag(a) || out[0].Buttons[1].Action != "" {
		t.Fatalf("Own = %+v", out)
	}
	if in[0].Buttons[0].Action != "next|4-4|intro" || in[0].Owner != "" {
		t.Fatal("Own changed its input")
	}
	long := Action{Verb: "next", Lesson: "4-4", At: strings.Repeat("k", MaxActionLen-12)}.Encode()
	if Mark(long, OwnerTag(a)) != long {
		t.Error("Mark grew an action past MaxActionLen")
	}
	if got := NotYours("4-4").Blocks[0].Text; got != "This card belongs to someone else; type /start-4-4 for your own." || !NotYours("4-4").Ephemeral {
		t.Errorf("NotYours = %q", got)
	}
}
