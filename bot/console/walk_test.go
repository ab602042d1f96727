package console

import (
	"bytes"
	"context"
	"strconv"
	"testing"

	"github.com/coursebot/coursebot"
	"github.com/coursebot/coursebot/internal/walktest"
)

// consoleLearner is walktest's learner at the console: it types lines, as
// a person does, and reads what the console printed.
type consoleLearner struct {
	t    *testing.T
	c    *Console
	out  *bytes.Buffer
	said string
	walktest.Stored
}

func (l *consoleLearner) line(s string) {
	l.t.Helper()
	l.out.Reset()
	if err := l.c.Line(context.Background(), s); err != nil {
		l.t.Fatal(err)
	}
	l.said = l.out.String()
}

func (l *consoleLearner) Command(name string) { l.line("/" + name) }
func (l *consoleLearner) Type(text string)    { l.line(text) }
func (l *consoleLearner) Said() string        { return l.said }

// Buttons are the buttons the console numbered and can press now.
func (l *consoleLearner) Buttons() []string {
	var out []string
	for _, ch := range l.c.choices {
		if ch.action != "" {
			out = append(out, ch.label)
		}
	}
	return out
}

// Press types the button's number, as a learner does.
func (l *consoleLearner) Press(label string) {
	l.t.Helper()
	for i := len(l.c.choices) - 1; i >= 0; i-- {
		if ch := l.c.choices[i]; ch.action != "" && walktest.Matches(ch.label, label) {
			l.line(strconv.Itoa(i + 1))
			return
		}
	}
	l.t.Fatalf("no button %q to press: %q\n%s", label, l.Buttons(), l.said)
}

// TestEveryStateHasAWayOn walks every card of the built-in lesson and of
// the quiz course at the console (see walktest.Walk).
func TestEveryStateHasAWayOn(t *testing.T) {
	t.Parallel()
	walktest.Each(t, "../..", func(t *testing.T, tc walktest.Case) (walktest.Platform, func()) {
		c, out, db := engineConsole(t, tc.Course)
		c.who = coursebot.Learner{Platform: "console", UserID: "walker"}
		return &consoleLearner{t: t, out: out, c: c, Stored: walktest.Stored{T: t, DB: db, Key: "console:walker", Lesson: tc.Lesson.ID}}, nil
	})
}
