package console

import (
	"bytes"
	"context"
	"log/slog"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/coursebot/coursebot"
	"github.com/coursebot/coursebot/bot"
	"github.com/coursebot/coursebot/internal/walktest"
	"github.com/coursebot/coursebot/lessons"
	"github.com/coursebot/coursebot/store"
)

// consoleLearner is walktest's learner at the console: it types lines, as
// a person does, and reads what the console printed.
type consoleLearner struct {
	t      *testing.T
	c      *Console
	out    *bytes.Buffer
	db     *store.DB
	lesson string
	said   string
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

func (l *consoleLearner) Progress() coursebot.Progress {
	p, err := l.db.Progress(context.Background(), "console:walker", l.lesson)
	if err != nil {
		l.t.Fatal(err)
	}
	return p
}

// TestEveryStateHasAWayOn walks every card of the built-in lesson and of
// the quiz course at the console (see walktest.Walk).
func TestEveryStateHasAWayOn(t *testing.T) {
	for _, tc := range []struct{ name, dir, lesson string }{{"built-in", "", "4-4"}, {"quiz", "../../testdata/quiz/course", "2-1"}} {
		t.Run(tc.name, func(t *testing.T) {
			course, err := lessons.LoadBuiltin()
			if tc.dir != "" {
				course, err = lessons.LoadDir(tc.dir)
			}
			if err != nil {
				t.Fatal(err)
			}
			db, err := store.Open(filepath.Join(t.TempDir(), "c.db"), store.Options{})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { _ = db.Close() })
			eng := lessons.NewEngine(course, db, lessons.EngineOptions{Log: slog.New(slog.DiscardHandler)})
			t.Cleanup(func() { _ = eng.Close() })
			var out bytes.Buffer
			l := &consoleLearner{t: t, out: &out, db: db, lesson: tc.lesson,
				c: New(eng, bot.Learner{Platform: "console", UserID: "walker"}, &out, nil)}
			rep := walktest.Walk(t, l, course.Lessons[tc.lesson])
			t.Logf("%+v", rep)
		})
	}
}
