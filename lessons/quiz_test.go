package lessons_test

import (
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/coursebot/coursebot/bot"
	"github.com/coursebot/coursebot/course"
	"github.com/coursebot/coursebot/lessons"
)

func loadDir(t testing.TB, dir string) *course.Course {
	t.Helper()
	c, err := course.LoadDir(filepath.Join("..", "testdata", "quiz", dir))
	if err != nil {
		t.Fatalf("load %s: %v", dir, err)
	}
	return c
}

// quizHarness is a harness over one of the quiz test courses.
func quizHarness(t testing.TB, dir string) *harness {
	t.Helper()
	h := &harness{t: t, ctx: t.Context(), course: loadDir(t, dir), path: filepath.Join(t.TempDir(), "coursebot.db"),
		clock: &clock{t: time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)}}
	h.open()
	t.Cleanup(func() {
		if err := h.db.Close(); err != nil {
			t.Error(err)
		}
	})
	return h
}

// walkToQuiz presses Next until the card holds a quiz.
func walkToQuiz(t *testing.T, l *learner) bot.Reply {
	t.Helper()
	for range 20 {
		if strings.Contains(text(l.last), "**Quiz") || (question(l.last) != nil && strings.Contains(text(l.last), "**Quiz**")) {
			return l.last
		}
		l.press("Next")
	}
	t.Fatal("no quiz card reached")
	return bot.Reply{}
}

func TestQuizLessonIsGradedWithRetry(t *testing.T) {
	t.Parallel()
	h := quizHarness(t, "course")
	l := h.learner("ada")
	l.cmd("start-2-1")

	// 1: multiple choice, right. Next is refused until the quiz is answered.
	walkToQuiz(t, l)
	next := bot.Action{Verb: bot.VerbNext, Lesson: "2-1", At: l.last.Card}.Encode()
	if r := l.send(bot.Message{Kind: bot.KindAction, Action: next}); !r.Ephemeral || !strings.Contains(text(r), "Answer the quiz first") {
		t.Fatalf("Next on an open quiz = %+v", r)
	}
	wrongButton := l.button("A) git add data/raw.csv")
	r := l.press("B) dvc add data/raw.csv")
	if !strings.Contains(text(r), "Right") || !strings.Contains(text(r), "`dvc add` writes") || !hasButton(r, "Next") {
		t.Fatalf("feedback = %q %+v", text(r), r.Buttons)
	}
	// A second press on the same card changes nothing.
	r = l.send(bot.Message{Kind: bot.KindAction, Action: wrongButton})
	if !r.Ephemeral || !strings.Contains(text(r), "Already answered") {
		t.Fatalf("second press = %+v", r)
	}

	// 2: short answer, typed with backticks and capitals.
	l.press("Next")
	walkToQuiz(t, l)
	r = l.text("`DVC.yaml`")
	if !strings.Contains(text(r), "Right") || !strings.Contains(text(r), "Each stage in dvc.yaml") {
		t.Fatalf("short answer feedback = %q", text(r))
	}
	// Typing again is not a second attempt at the answered quiz.
	if r := l.text("dvc.yml"); !r.Ephemeral {
		t.Fatalf("typing on an answered quiz card = %+v", r)
	}

	// 3: choose all that apply, ticked then checked: only A ticked is wrong.
	l.press("Next")
	walkToQuiz(t, l)
	r = l.press("☐ A) the .dvc pointer files")
	if !r.Update || !hasButton(r, "☑ A) the .dvc pointer files") {
		t.Fatalf("tick = %+v", r.Buttons)
	}
	r = l.press("Check answer")
	if !strings.Contains(text(r), "Not quite") || !strings.Contains(text(r), "A) the .dvc pointer files and C) dvc.lock") {
		t.Fatalf("choose-all feedback = %q", text(r))
	}

	// 4: wrong by typed letter; 5: skipped.
	l.press("Next")
	walkToQuiz(t, l)
	if r := l.text("b"); !strings.Contains(text(r), "Not quite") || strings.Contains(text(r), "undefined") {
		t.Fatalf("typed letter = %q", text(r))
	}
	l.press("Next")
	walkToQuiz(t, l)
	r = l.press("Skip question") // moves on, like a skipped question
	if r.Card == "remotes-continued" || strings.Contains(text(r), "The answer is") {
		t.Fatalf("skip = %q", text(r))
	}
	if r := l.press("Back"); !strings.Contains(text(r), "Skipped") || strings.Contains(text(r), "The answer is") || hasButton(r, "A) s3") {
		t.Fatalf("skipped quiz card = %q %+v", text(r), r.Buttons)
	}
	r = l.press("Next")
	for r.Card != "completed" {
		r = l.press(map[bool]string{true: "Finish lesson", false: "Next"}[hasButton(r, "Finish lesson")])
	}
	if !strings.Contains(text(r), "Quiz: 2 of 5 correct first time. You missed 3 of 5 quiz questions.") || !hasButton(r, "Retry missed") {
		t.Fatalf("completion = %q %+v", text(r), r.Buttons)
	}

	// Retry missed: 3, 4, 5 in order; a right retry does not change the score.
	r = l.press("Retry missed")
	if !strings.Contains(text(r), "Which of these does git track") {
		t.Fatalf("first retry = %q", text(r))
	}
	l.press("☐ A) the .dvc pointer files")
	l.press("☐ C) dvc.lock")
	r = l.press("Check answer")
	if !strings.Contains(text(r), "Right") || !hasButton(r, "Next missed question") {
		t.Fatalf("retry feedback = %q %+v", text(r), r.Buttons)
	}
	r = l.press("Next missed question")
	if !strings.Contains(text(r), "uploads cached data") {
		t.Fatalf("second retry = %q", text(r))
	}
	stale := l.button("B) dvc pull")
	l.press("A) dvc push")
	if r := l.send(bot.Message{Kind: bot.KindAction, Action: stale}); !r.Ephemeral || !strings.Contains(text(r), "Already answered") {
		t.Fatalf("re-press in retry = %+v", r)
	}

	st := l.cmd("status")
	if !strings.Contains(text(st), "quiz 2 of 5 correct") {
		t.Errorf("status = %q", text(st))
	}
	p, err := h.db.Progress(h.ctx, l.who.Key(), "2-1")
	if err != nil {
		t.Fatal(err)
	}
	if s := lessons.Summarize(h.course.Lessons["2-1"], p); s.Quizzes != 5 || s.QuizCorrect != 2 {
		t.Errorf("summary quizzes = %d/%d, want 2/5", s.QuizCorrect, s.Quizzes)
	}
}

// TestHoldOutLessonLoadsAndIsGraded drives a lesson written in another
// style (quizzes in the module, list options, lower-case letters,
// "Answers:", "Explanation:", curly quotes) from start to finish.
func TestHoldOutLessonLoadsAndIsGraded(t *testing.T) {
	t.Parallel()
	h := quizHarness(t, "holdout")
	l := h.learner("hal")
	l.cmd("start-3-1")
	l.press("Next")
	l.text("Yes, with requests.")
	l.press("Next")
	walkToQuiz(t, l)
	if r := l.press("B) POST"); !strings.Contains(text(r), "Right") || !strings.Contains(text(r), "belongs with **POST**") {
		t.Fatalf("holdout mc = %q", text(r))
	}
	l.press("Next")
	walkToQuiz(t, l)
	if r := l.text("/livez"); !strings.Contains(text(r), "Right") {
		t.Fatalf("holdout short answer = %q", text(r))
	}
	l.press("Next")
	walkToQuiz(t, l)
	// Typed letters tick the options, as pressing them does; Check answer
	// grades (one rule for typing and pressing).
	if r := l.text("a and c"); strings.Contains(text(r), "Right") || !hasButton(r, "☑ A) the model is loaded") || !hasButton(r, "☑ C) the port is open") || !hasButton(r, "☐ B) a retraining job finished") {
		t.Fatalf("holdout choose-all typed = %q %+v", text(r), r.Buttons)
	}
	if r := l.press("Check answer"); !strings.Contains(text(r), "Right") {
		t.Fatalf("holdout choose-all checked = %q", text(r))
	}
	r := l.press("Next")
	for r.Card != "completed" {
		if question(r) != nil && !question(r).Answered {
			r = l.press("Skip question")
			continue
		}
		r = l.press(map[bool]string{true: "Finish lesson", false: "Next"}[hasButton(r, "Finish lesson")])
	}
	if !strings.Contains(text(r), "3 of 3 correct first time; nothing left to retry") || hasButton(r, "Retry missed") {
		t.Fatalf("holdout completion = %q", text(r))
	}
}
