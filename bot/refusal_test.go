package bot_test

import (
	"errors"
	"fmt"
	"testing"

	"github.com/coursebot/coursebot"
	"github.com/coursebot/coursebot/bot"
)

func TestRefusal(t *testing.T) {
	t.Parallel()
	show := bot.Button{Label: "Show where I am", Action: "resume|4-4"}
	stale := bot.Offer(coursebot.Errorf(coursebot.ECONFLICT, "Already done."), show)
	r, ok := bot.Refusal(fmt.Errorf("update progress: %w", stale), "4-4")
	if !ok {
		t.Fatal("a wrapped refusal with buttons was not recognised")
	}
	if !r.Ephemeral || !r.Refused || r.Lesson != "4-4" || len(r.Blocks) != 1 || r.Blocks[0].Text != "Already done." ||
		len(r.Buttons) != 1 || r.Buttons[0] != show {
		t.Errorf("reply = %+v", r)
	}
	if coursebot.ErrorCode(stale) != coursebot.ECONFLICT {
		t.Errorf("the code does not reach through Offer: %q", coursebot.ErrorCode(stale))
	}
	r, ok = bot.Refusal(coursebot.Errorf(coursebot.EINVALID, "Usage: /cohort members NAME"), "")
	if !ok || r.Lesson != "" || r.Buttons != nil || r.Blocks[0].Text != "Usage: /cohort members NAME" {
		t.Errorf("plain refusal = %+v, %v", r, ok)
	}
	for _, err := range []error{nil, errors.New("disk full"), coursebot.ErrFault} {
		if _, ok := bot.Refusal(err, "4-4"); ok {
			t.Errorf("%v taken for a refusal", err)
		}
	}
}
