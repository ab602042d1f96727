package bot

import (
	"errors"

	"github.com/coursebot/coursebot"
)

// Offer attaches buttons to a refusal: the way on from where the learner
// is ("Show where I am", the lesson's steps). Refusal puts them on the
// notice.
func Offer(err *coursebot.Error, buttons ...Button) error { return &offer{err: err, buttons: buttons} }

type offer struct {
	err     *coursebot.Error
	buttons []Button
}

func (o *offer) Error() string { return o.err.Error() }
func (o *offer) Unwrap() error { return o.err }

// Refusal is the reply to a request that changed nothing: when err holds a
// *coursebot.Error, its message as an ephemeral notice marked Refused, in
// lesson's place ("" = in place), with the buttons Offer attached. ok is
// false for any other error (a fault, for the operator's log).
func Refusal(err error, lesson string) (r Reply, ok bool) {
	var e *coursebot.Error
	if !errors.As(err, &e) {
		return Reply{}, false
	}
	r = Reply{Ephemeral: true, Refused: true, Lesson: lesson, Blocks: []Block{{Kind: BlockMarkdown, Text: e.Message}}}
	var o *offer
	if errors.As(err, &o) {
		r.Buttons = o.buttons
	}
	return r, true
}
