package bot

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"

	"github.com/coursebot/coursebot"
)

// A lesson card in a shared place (a Slack channel thread, a public Discord
// thread) can be seen and pressed by anyone there. Every control therefore
// carries the tag of the learner it was shown to, and the adapters ask
// MayPress before a press, tick, rating, Answer button or answer form does
// anything: a press by anyone else gets NotYours and changes nothing.

// OwnerTag is the short tag that marks a control as l's: 10 hex digits of
// SHA-256 of l.Key(). It is not a secret (controls cannot be forged on
// Slack or Discord, whose servers build the press from the posted
// message); it only has to tell two learners apart, and it is short enough
// to fit Discord's 100-character custom_id beside the action.
func OwnerTag(l coursebot.Learner) string {
	if l.UserID == "" {
		return ""
	}
	sum := sha256.Sum256([]byte(l.Key()))
	return hex.EncodeToString(sum[:5])
}

// Own marks replies as shown to l: each reply's Owner and the Action of
// each of its buttons. Adapters call it on every reply they deliver.
func Own(replies []Reply, l coursebot.Learner) []Reply {
	tag := OwnerTag(l)
	out := make([]Reply, len(replies))
	for i, r := range replies {
		r.Owner = tag
		if len(r.Buttons) > 0 {
			bs := make([]Button, len(r.Buttons))
			for j, b := range r.Buttons {
				b.Action = Mark(b.Action, tag)
				bs[j] = b
			}
			r.Buttons = bs
		}
		out[i] = r
	}
	return out
}

// Mark returns action with its Owner set to owner. An action that does not
// parse, or would grow past MaxActionLen, is returned unchanged: it stays
// usable and MayPress falls back to the thread record for it.
func Mark(action, owner string) string {
	if owner == "" {
		return action
	}
	a, err := ParseAction(action)
	if err != nil {
		return action
	}
	a.Owner = owner
	if s := a.Encode(); len(s) <= MaxActionLen {
		return s
	}
	return action
}

// OwnerOf returns the owner tag carried by an Action string ("" if none).
func OwnerOf(action string) string {
	a, err := ParseAction(action)
	if err != nil {
		return ""
	}
	return a.Owner
}

// ThreadFinder finds the lesson thread at a place (the store implements it).
type ThreadFinder interface {
	ThreadAt(ctx context.Context, platform, channel, threadID string) (coursebot.Thread, bool, error)
}

// Place is where a pressed control was: the platform, the channel and the
// thread holding the message ("" when the message is in no thread).
type Place struct {
	Platform string
	Channel  string
	Thread   string
}

// MayPress reports whether presser may act through a control that carries
// owner (an OwnerTag, "" on unmarked controls) at place. Both must agree:
// a marked control belongs to the learner it was shown to, and a lesson
// thread known to the store belongs to the learner who opened it. A
// control with neither (an unmarked control in a DM or an ephemeral
// message, which only its learner can see) may be pressed. The check is
// the same on every platform; only the platform's ids differ.
func MayPress(ctx context.Context, threads ThreadFinder, presser coursebot.Learner, owner string, at Place) (bool, error) {
	if owner != "" && owner != OwnerTag(presser) {
		return false, nil
	}
	if threads == nil || at.Channel == "" || at.Thread == "" {
		return true, nil
	}
	th, ok, err := threads.ThreadAt(ctx, at.Platform, at.Channel, at.Thread)
	if err != nil {
		return false, fmt.Errorf("who owns the thread: %w", err)
	}
	return !ok || th.Learner == presser.Key(), nil
}

// NotYours is the ephemeral answer to a press on someone else's card. It
// names the command that opens the presser's own copy of the lesson.
func NotYours(lesson string) Reply {
	text := "This card belongs to someone else; nothing was changed."
	if lesson != "" {
		text = fmt.Sprintf("This card belongs to someone else; type /start-%s for your own.", lesson)
	}
	return Reply{Ephemeral: true, Blocks: []Block{{Kind: BlockMarkdown, Text: text}}}
}

// NotYoursText is NotYours as one plain line, for places that take text
// (a modal's error, an interaction's immediate answer).
func NotYoursText(lesson string) string {
	r := NotYours(lesson)
	return strings.TrimSpace(r.Blocks[0].Text)
}
