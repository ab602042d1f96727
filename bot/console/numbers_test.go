package console

import (
	"bytes"
	"context"
	"log/slog"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/coursebot/coursebot"
	"github.com/coursebot/coursebot/bot"
	"github.com/coursebot/coursebot/course"
	"github.com/coursebot/coursebot/lessons"
	"github.com/coursebot/coursebot/scheduler"
	"github.com/coursebot/coursebot/store"
)

// engineConsole is a console on the real engine over a fresh store, for
// transcripts of what the learner sees.
func engineConsole(t *testing.T, loaded *course.Course) (*Console, *bytes.Buffer, *store.DB) {
	t.Helper()
	db, err := store.Open(filepath.Join(t.TempDir(), "c.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = db.Close() })
	eng := lessons.NewEngine(loaded, db, lessons.EngineOptions{Log: slog.New(slog.DiscardHandler)})
	t.Cleanup(func() { _ = eng.Close() })
	var out bytes.Buffer
	return New(eng, coursebot.Learner{Platform: "console", UserID: "ada"}, &out, nil), &out, db
}

func (c *Console) lines(t *testing.T, out *bytes.Buffer, lines ...string) string {
	t.Helper()
	out.Reset()
	for _, l := range lines {
		if err := c.Line(context.Background(), l); err != nil {
			t.Fatal(err)
		}
	}
	return out.String()
}

func builtinCourse(t *testing.T) *course.Course {
	t.Helper()
	c, err := course.LoadBuiltin()
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// TestStepsListNumbersMatchItsButtons: the Steps list reads 1-7, and its
// buttons are [1]-[7] (they were [3]-[9], after the card's buttons).
func TestStepsListNumbersMatchItsButtons(t *testing.T) {
	t.Parallel()
	c, out, _ := engineConsole(t, builtinCourse(t))
	got := c.lines(t, out, "/start-4-4", "steps")
	for _, want := range []string{"1. Opener", "[1] 1. Opener", "[3] 3. Architecture Review", "[7] 7. Course Wrap Up"} {
		if !strings.Contains(got, want) {
			t.Errorf("the Steps list lacks %q:\n%s", want, got)
		}
	}
	if got := c.lines(t, out, "3"); !strings.Contains(got, "== Architecture Review ==") {
		t.Errorf("3 on the Steps list did not go to step 3:\n%s", got)
	}
}

// TestButtonsAreNumberedAfterCitations: a reply that cites its sources as
// [1]..[4] numbers its buttons from [5], so no number on screen means two
// things.
func TestButtonsAreNumberedAfterCitations(t *testing.T) {
	t.Parallel()
	reply := bot.Reply{Ephemeral: true, Title: "Help: drift", Blocks: []bot.Block{
		{Kind: bot.BlockMarkdown, Text: "Drift is when inputs change [1][3]."},
		{Kind: bot.BlockMarkdown, Text: "Read more:\n[1] Lesson 4.4 · card 12\n[2] card 13\n[3] card 14\n[4] card 15"}},
		Buttons: []bot.Button{{Label: "Open Lesson 4.4", Action: "open|4-4"}}}
	h := &script{card: reply}
	var out bytes.Buffer
	c := New(h, coursebot.Learner{Platform: "console", UserID: "ada"}, &out, nil)
	got := c.lines(t, &out, "/help-mlops drift")
	if !strings.Contains(got, "[5] Open Lesson 4.4") || strings.Contains(got, "[1] Open Lesson") {
		t.Fatalf("button numbered among the citations:\n%s", got)
	}
	c.lines(t, &out, "5")
	if last := h.got[len(h.got)-1]; last.Action != "open|4-4" {
		t.Errorf("5 = %+v, want Open Lesson", last)
	}
}

// TestSeveralRatingsOnOneLine: sixteen ratings need not take sixteen
// lines: "1 4, 2 3" (or "1 4 2 3") rates items 1 and 2, and the card is
// shown once.
func TestSeveralRatingsOnOneLine(t *testing.T) {
	t.Parallel()
	c, out, db := engineConsole(t, builtinCourse(t))
	c.lines(t, out, "/start-4-4", "/start-4-4 step 5")
	for range 20 {
		if strings.Contains(out.String(), "Rate each from 1 to 5") {
			break
		}
		if strings.Contains(out.String(), "] Skip question") {
			c.lines(t, out, "skip")
			continue
		}
		c.lines(t, out, "next")
	}
	if !strings.Contains(out.String(), "Rate each from 1 to 5") {
		t.Fatal("no ratings card")
	}
	for _, line := range []string{"1 4, 2 3", "3 2 4 1"} {
		got := c.lines(t, out, line)
		if n := strings.Count(got, "Rate each from 1 to 5"); n != 1 {
			t.Errorf("%q: the card shown %d times:\n%s", line, n, got)
		}
	}
	p, err := db.Progress(context.Background(), "console:ada", "4-4")
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Ratings) != 4 {
		t.Fatalf("ratings %v, want 4 items rated", p.Ratings)
	}
	for _, want := range []string{"●●●●○ 4", "●●●○○ 3", "●●○○○ 2", "●○○○○ 1"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("the card does not show %q:\n%s", want, out.String())
		}
	}
	if got := c.lines(t, out, "1 4, 2"); !strings.Contains(got, "rate several at once") {
		t.Errorf("a half pair: %q", got)
	}
}

// TestChooseAllLettersAndNumbersTick: on a choose-all quiz, typing a
// letter ticks that option as its number does; only Check answer grades.
func TestChooseAllLettersAndNumbersTick(t *testing.T) {
	t.Parallel()
	loaded, err := course.LoadDir("../../testdata/quiz/course")
	if err != nil {
		t.Fatal(err)
	}
	c, out, db := engineConsole(t, loaded)
	c.lines(t, out, "/start-2-1", "/start-2-1 step 2", "dvc.yaml", "next")
	if !strings.Contains(out.String(), "Which of these does git track") {
		t.Fatalf("not on the choose-all quiz:\n%s", out.String())
	}
	for _, line := range []string{"A", "1", "a c", "1 3"} {
		got := c.lines(t, out, line)
		if strings.Contains(got, "Right") || strings.Contains(got, "Not quite") {
			t.Fatalf("%q graded the quiz:\n%s", line, got)
		}
	}
	// a c set A and C; "1 3" then untoggled both: nothing ticked. Tick by
	// letters and check.
	got := c.lines(t, out, "C A", "check")
	if !strings.Contains(got, "☑ A) the .dvc pointer files") || !strings.Contains(got, "✅ **Right.**") {
		t.Errorf("letters then Check answer:\n%s", got)
	}
	p, err := db.Progress(context.Background(), "console:ada", "2-1")
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range p.Quiz {
		if r.Tries > 1 {
			t.Errorf("graded more than once: %+v", p.Quiz)
		}
	}
}

// TestDirectMessagesCanBePressed: a nudge's buttons (Resume, Snooze, Stop)
// arrive numbered, and typing the number presses them.
func TestDirectMessagesCanBePressed(t *testing.T) {
	t.Parallel()
	loaded := builtinCourse(t)
	c, out, db := engineConsole(t, loaded)
	c.lines(t, out, "/start-4-4", "next")
	p, err := db.Progress(context.Background(), "console:ada", "4-4")
	if err != nil {
		t.Fatal(err)
	}
	pr := NewPrinter(out)
	pr.Own, pr.Show = c.who, c.Notify
	out.Reset()
	nudge := scheduler.NudgeReplies(loaded, p, scheduler.NudgeOptions{Lesson: "4-4", After: 72 * time.Hour})
	if err := pr.Send(context.Background(), c.who, nudge); err != nil {
		t.Fatal(err)
	}
	got := out.String()
	resume := regexp.MustCompile(`\[(\d+)\] Resume`).FindStringSubmatch(got)
	if resume == nil {
		t.Fatalf("the nudge's Resume has no number:\n%s", got)
	}
	if got := c.lines(t, out, resume[1]); !strings.Contains(got, "Welcome back to Lesson 4.4") {
		t.Errorf("pressing %s did not resume:\n%s", resume[1], got)
	}
}
