package scheduler

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/coursebot/coursebot"
	"github.com/coursebot/coursebot/bot"
	"github.com/coursebot/coursebot/course"
	"github.com/coursebot/coursebot/lessons"
)

// quizLearner drives the lesson engine as one learner of the quiz course.
type quizLearner struct {
	t    *testing.T
	eng  *lessons.Engine
	who  coursebot.Learner
	last bot.Reply
}

func (l *quizLearner) send(m bot.Message) bot.Reply {
	l.t.Helper()
	m.Learner = l.who
	rs, err := l.eng.Handle(context.Background(), m)
	if err != nil || len(rs) == 0 {
		l.t.Fatalf("handle %+v: %v (%d replies)", m, err, len(rs))
	}
	if !rs[len(rs)-1].Ephemeral {
		l.last = rs[len(rs)-1]
	}
	return rs[len(rs)-1]
}

func (l *quizLearner) press(label string) bot.Reply {
	l.t.Helper()
	for _, b := range l.last.Buttons {
		if b.Label == label {
			return l.send(bot.Message{Kind: bot.KindAction, Action: b.Action})
		}
	}
	l.t.Fatalf("no %q button on %q: %+v", label, l.last.Title, l.last.Buttons)
	return bot.Reply{}
}

func (l *quizLearner) text(s string) bot.Reply {
	return l.send(bot.Message{Kind: bot.KindText, Text: s, Lesson: l.last.Lesson})
}

func blocksText(r bot.Reply) string {
	var sb strings.Builder
	for _, b := range r.Blocks {
		sb.WriteString(b.Text + "\n")
	}
	return sb.String()
}

// missTwo starts Lesson 2.1 of the quiz course and misses its first two
// quizzes (a wrong option, a wrong short answer).
func missTwo(t *testing.T, eng *lessons.Engine, id string) *quizLearner {
	l := &quizLearner{t: t, eng: eng, who: coursebot.Learner{Platform: "test", UserID: id}}
	l.send(bot.Message{Kind: bot.KindCommand, Command: "start-2-1"})
	l.press("Next")
	if r := l.press("A) git add data/raw.csv"); !strings.Contains(blocksText(r), "Not quite") {
		t.Fatalf("first quiz = %q", blocksText(r))
	}
	l.press("Next")
	l.press("Next")
	if r := l.text("params.yaml"); !strings.Contains(blocksText(r), "Not quite") {
		t.Fatalf("second quiz = %q", blocksText(r))
	}
	return l
}

// TestReviewDMsArriveOnSchedule: questions missed on Monday 10:00 are
// announced on Tuesday 10:00 (1 day), again on Thursday 10:00 (3 days)
// when ignored, and after a right review at day 3 on the next Monday (7
// days); then never again. Quiet hours move a DM to the morning, an
// opted-out learner gets none, a snoozed one after the snooze. The clock
// is the scheduler's injected clock, moved an hour at a time.
func TestReviewDMsArriveOnSchedule(t *testing.T) {
	t.Parallel()
	t0 := mustTime(t, "2026-11-23T10:00:00Z") // a Monday
	clock := newClock(t0)
	db, _ := tempDB(t, clock)
	loaded, err := course.LoadDir(filepath.Join("..", "testdata", "quiz", "course"))
	if err != nil {
		t.Fatal(err)
	}
	eng := lessons.NewEngine(loaded, db, lessons.EngineOptions{Now: clock.Now, Log: quietLog()})
	ctx := context.Background()

	ada := missTwo(t, eng, "ada")
	missTwo(t, eng, "opt")
	if _, err := db.UpdateNudgeState(ctx, "test:opt", func(st *coursebot.NudgeState) { st.OptOut = true }); err != nil {
		t.Fatal(err)
	}
	missTwo(t, eng, "zed")
	if _, err := db.UpdateNudgeState(ctx, "test:zed", func(st *coursebot.NudgeState) { st.SnoozeUntil = t0.Add(50 * time.Hour) }); err != nil {
		t.Fatal(err)
	}
	clock.Set(mustTime(t, "2026-11-23T20:30:00Z"))
	missTwo(t, eng, "owl") // missed at 20:30: due Tuesday 20:30, inside the quiet hours
	clock.Set(mustTime(t, "2026-11-23T21:00:00Z"))

	rec := &recorder{clock: clock.Now}
	s := newSched(t, db, clock, rec, func(o *Options) {
		o.Course = func() *course.Course { return loaded }
		o.Nudges = NudgeOptions{Reviews: true, Check: "0 * * * *", Zone: "UTC", QuietStart: 21 * 60, QuietEnd: 8 * 60}
	})
	if err := s.Start(ctx); err != nil {
		t.Fatal(err)
	}
	reviewed := false
	for clock.Now().Before(t0.Add(10 * 24 * time.Hour)) {
		clock.Advance(time.Hour)
		if err := s.RunDue(ctx); err != nil {
			t.Fatal(err)
		}
		// Thursday noon, after the day-3 DM: ada reviews both, rightly.
		if !reviewed && !clock.Now().Before(t0.Add(74*time.Hour)) {
			reviewed = true
			r := ada.send(bot.Message{Kind: bot.KindCommand, Command: lessons.ReviewCommand})
			if !strings.Contains(r.Context, "2 questions due for review") {
				t.Fatalf("/review = %+v", r)
			}
			if r := ada.press("B) dvc add data/raw.csv"); !strings.Contains(blocksText(r), "Right") {
				t.Fatalf("review answer = %q", blocksText(r))
			}
			ada.press("Next question")
			if r := ada.text("dvc.yaml"); !strings.Contains(blocksText(r), "That was the last question due") {
				t.Fatalf("last review answer = %q", blocksText(r))
			}
		}
	}
	want := map[string][]string{
		"test:ada": {"2026-11-24T10:00:00Z", "2026-11-26T10:00:00Z", "2026-11-30T10:00:00Z"},
		"test:zed": {"2026-11-25T12:00:00Z", "2026-11-26T10:00:00Z", "2026-11-30T10:00:00Z"},
		"test:owl": {"2026-11-25T08:00:00Z", "2026-11-27T08:00:00Z", "2026-12-01T08:00:00Z"},
	}
	got := map[string][]string{}
	for _, p := range rec.got() {
		got[p.to] = append(got[p.to], p.at.UTC().Format(time.RFC3339))
		if txt := blocksText(p.replies[0]); !strings.Contains(txt, "2 questions from Lesson 2.1 to review") {
			t.Errorf("DM to %s = %q", p.to, txt)
		}
	}
	for who, times := range want {
		if strings.Join(got[who], " ") != strings.Join(times, " ") {
			t.Errorf("%s got review DMs at %v, want %v", who, got[who], times)
		}
	}
	if len(got["test:opt"]) != 0 {
		t.Errorf("opted-out learner got %v", got["test:opt"])
	}
}
