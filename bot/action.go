package bot

import (
	"fmt"
	"strconv"
	"strings"
)

// MaxActionLen is the longest Action string the engine produces: Discord's
// custom_id allows 100 characters, Slack's action value 2000.
const MaxActionLen = 100

// Action verbs. Adapters need only VerbCheck and VerbRate (through
// CheckAction and RateAction); the rest arrive on Buttons ready-made.
const (
	VerbNext    = "next"
	VerbBack    = "back"
	VerbSkip    = "skip"
	VerbResume  = "resume"
	VerbRestart = "restart"
	VerbCheck   = "check"
	VerbRate    = "rate"
	VerbOpen    = "open" // open a lesson (from status, help and nudges)
	VerbSnooze  = "snooze"
)

// Action is the decoded form of a control's Action string.
type Action struct {
	Verb   string
	Lesson string // lesson id, "4-4"
	At     string // card key the control was shown on ("" when not positional)
	Item   string // checklist/rating item id or question id
	Value  string // "1"/"0" for checks, "1".."5" for ratings
	// Owner is the OwnerTag of the learner the control was shown to, set
	// by the adapter that rendered it ("" on controls from before owners
	// were marked). See MayPress.
	Owner string
}

// Encode renders the action as "verb|lesson|at|item|value|owner".
func (a Action) Encode() string {
	s := strings.Join([]string{a.Verb, a.Lesson, a.At, a.Item, a.Value, a.Owner}, "|")
	return strings.TrimRight(s, "|")
}

// ParseAction decodes an Action string. It never panics on hostile input.
func ParseAction(s string) (Action, error) {
	if s == "" || len(s) > MaxActionLen {
		return Action{}, fmt.Errorf("action: bad length %d", len(s))
	}
	parts := strings.Split(s, "|")
	if len(parts) > 6 {
		return Action{}, fmt.Errorf("action: %d fields, want at most 6", len(parts))
	}
	for len(parts) < 6 {
		parts = append(parts, "")
	}
	a := Action{Verb: parts[0], Lesson: parts[1], At: parts[2], Item: parts[3], Value: parts[4], Owner: parts[5]}
	if a.Verb == "" {
		return Action{}, fmt.Errorf("action: no verb")
	}
	return a, nil
}

// CheckAction is the Action string that sets checklist item id of lesson to on.
func CheckAction(lesson, id string, on bool) string {
	v := "0"
	if on {
		v = "1"
	}
	return Action{Verb: VerbCheck, Lesson: lesson, Item: id, Value: v}.Encode()
}

// RateAction is the Action string that rates item id of lesson with value.
func RateAction(lesson, id string, value int) string {
	return Action{Verb: VerbRate, Lesson: lesson, Item: id, Value: strconv.Itoa(value)}.Encode()
}
