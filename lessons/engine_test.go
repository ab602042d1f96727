package lessons_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coursebot/coursebot"
	"github.com/coursebot/coursebot/bot"
	"github.com/coursebot/coursebot/course"
	coursefs "github.com/coursebot/coursebot/course/builtin"
	"github.com/coursebot/coursebot/lessons"
	"github.com/coursebot/coursebot/store"
)

// clock is an injected clock the test moves by hand.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

type harness struct {
	t      testing.TB
	ctx    context.Context
	course *course.Course
	db     *store.DB
	path   string
	clock  *clock
	engine *lessons.Engine
}

func newHarness(t testing.TB) *harness {
	t.Helper()
	h := &harness{t: t, ctx: context.Background(), course: builtin(t), path: filepath.Join(t.TempDir(), "coursebot.db"),
		clock: &clock{t: time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)}}
	h.open()
	t.Cleanup(func() {
		if err := h.db.Close(); err != nil {
			t.Error(err)
		}
	})
	return h
}

// open (re)opens the store and builds a fresh engine over it, as a restart does.
func (h *harness) open() {
	db, err := store.Open(h.path, store.Options{LockTimeout: time.Second})
	if err != nil {
		h.t.Fatalf("open store: %v", err)
	}
	h.db = db
	e := lessons.NewEngine(h.course, db, lessons.EngineOptions{Now: h.clock.Now, AnswerLimit: 50})
	h.t.Cleanup(func() {
		if err := e.Close(); err != nil {
			h.t.Error(err)
		}
	})
	h.engine = e
}

func (h *harness) restart() {
	h.t.Helper()
	if err := h.db.Close(); err != nil {
		h.t.Fatal(err)
	}
	h.open()
}

// learner drives the engine as one person.
type learner struct {
	h    *harness
	who  coursebot.Learner
	last bot.Reply
}

func (h *harness) learner(id string) *learner {
	return &learner{h: h, who: coursebot.Learner{Platform: "test", UserID: id}}
}

func (l *learner) send(m bot.Message) bot.Reply {
	l.h.t.Helper()
	m.Learner = l.who
	rs, err := l.h.engine.Handle(l.h.ctx, m)
	if err != nil {
		l.h.t.Fatalf("handle %+v: %v", m, err)
	}
	if len(rs) != 1 {
		l.h.t.Fatalf("handle %+v: %d replies, want 1", m, len(rs))
	}
	if !rs[0].Ephemeral {
		l.last = rs[0]
	}
	return rs[0]
}

func (l *learner) cmd(name string, args ...string) bot.Reply {
	return l.send(bot.Message{Kind: bot.KindCommand, Command: name, Args: strings.Join(args, " ")})
}

func (l *learner) text(s string) bot.Reply {
	return l.send(bot.Message{Kind: bot.KindText, Text: s, Lesson: l.last.Lesson})
}

// press presses the button labelled label on the last card.
func (l *learner) press(label string) bot.Reply {
	l.h.t.Helper()
	return l.send(bot.Message{Kind: bot.KindAction, Action: l.button(label)})
}

func (l *learner) button(label string) string {
	l.h.t.Helper()
	for _, b := range l.last.Buttons {
		if b.Label == label {
			return b.Action
		}
	}
	l.h.t.Fatalf("no %q button on card %q (buttons %+v)", label, l.last.Card, l.last.Buttons)
	return ""
}

func text(r bot.Reply) string {
	var sb strings.Builder
	for _, b := range r.Blocks {
		sb.WriteString(b.Text + "\n")
	}
	return sb.String()
}

func hasButton(r bot.Reply, label string) bool {
	for _, b := range r.Buttons {
		if b.Label == label {
			return true
		}
	}
	return false
}

func question(r bot.Reply) *bot.Question {
	for _, b := range r.Blocks {
		if b.Question != nil {
			return b.Question
		}
	}
	return nil
}

func TestStartShowsOpeningCardThenOffersResume(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	l := h.learner("ada")
	r := l.cmd("start-4-4")
	if r.Lesson != "4-4" || r.Card != "intro" || !strings.Contains(r.Context, "about 60 minutes, 7 steps") || !hasButton(r, "Next") {
		t.Fatalf("opening card = %+v", r)
	}
	l.press("Next")
	again := l.cmd("start-4-4")
	if !hasButton(again, "Resume") || !hasButton(again, "Restart") || !strings.Contains(text(again), "card 2 of 41") {
		t.Fatalf("second start = %+v", again)
	}
	if got := l.press("Resume"); got.Card != "opener" {
		t.Errorf("resume went to %q, want opener", got.Card)
	}
}

func TestStaleAndDoublePressesChangeNothing(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	l := h.learner("bo")
	l.cmd("start-4-4")
	next := l.button("Next")
	l.press("Next") // to "opener"
	r := l.send(bot.Message{Kind: bot.KindAction, Action: next})
	if !r.Ephemeral || !strings.Contains(text(r), "Already done") {
		t.Fatalf("double press = %+v", r)
	}
	p, err := h.db.Progress(h.ctx, l.who.Key(), "4-4")
	if err != nil {
		t.Fatal(err)
	}
	if p.Card != "opener" {
		t.Errorf("after a double press the learner is on %q, want opener", p.Card)
	}
	// Back from opener, then the old opener's Next is stale too.
	openerNext := l.button("Next")
	l.press("Back")
	if r := l.send(bot.Message{Kind: bot.KindAction, Action: openerNext}); !r.Ephemeral {
		t.Errorf("stale Next after Back was accepted: %+v", r)
	}
	for _, bad := range []string{"", "nonsense", strings.Repeat("x", 200), "next|9-9|intro", "fly|4-4|intro"} {
		r := l.send(bot.Message{Kind: bot.KindAction, Action: bad})
		if !r.Ephemeral {
			t.Errorf("action %q was not refused: %+v", bad, r)
		}
	}
}

func TestAnswersAreSavedWithFollowUp(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	l := h.learner("cy")
	l.cmd("start-4-4")
	l.press("Next")
	q := l.press("Next") // Socratic question
	if question(q) == nil || hasButton(q, "Next") || !hasButton(q, "Skip question") {
		t.Fatalf("question card = %+v", q)
	}
	tests := []struct {
		name, in string
		want     string
		saved    bool
	}{
		{"empty", "   ", "Your answer is empty", false},
		{"ok", "Shipping ML reliably.", "Saved your answer.", true},
		{"too long", strings.Repeat("é", 60), "Saved the first 50 characters", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h.clock.Add(time.Minute)
			r := l.text(tt.in)
			if !strings.Contains(text(r), tt.want) {
				t.Fatalf("reply = %q, want %q", text(r), tt.want)
			}
			if !tt.saved {
				return
			}
			if !strings.Contains(text(r), "MLOps is the discipline of reliably delivering ML systems") || !hasButton(r, "Next") {
				t.Errorf("after answering, no follow-up or no Next: %+v", r)
			}
			p, _ := h.db.Progress(h.ctx, l.who.Key(), "4-4")
			a := p.Answers[question(r).ID]
			if a.At != h.clock.Now() || len([]rune(a.Text)) > 50 {
				t.Errorf("stored answer = %+v", a)
			}
		})
	}
	// Not on a question card: free text is refused and nothing is stored.
	l.press("Next")          // Architecture Review, with a question
	l.press("Skip question") // Part 1: reading only
	r := l.text("stray words")
	if !r.Ephemeral || !strings.Contains(text(r), "No question is waiting") {
		t.Errorf("stray text = %+v", r)
	}
}

func TestSkipQuestionMovesOnAndIsRemembered(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	l := h.learner("di")
	l.cmd("start-4-4")
	l.press("Next")
	l.press("Next")
	r := l.press("Skip question")
	if r.Card != "architecture-review" {
		t.Fatalf("skip went to %q", r.Card)
	}
	back := l.press("Back")
	if !hasButton(back, "Next") || !strings.Contains(text(back), "MLOps is the discipline") {
		t.Errorf("a skipped question shows Next and its follow-up: %+v", back)
	}
}

func TestChecklistAndRatingsAreIdempotent(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	l := h.learner("ed")
	// Before starting, ticking is refused.
	c := h.course.Lessons["4-4"]
	var checkID, rateID string
	for _, card := range c.Cards {
		for _, b := range card.Blocks {
			if b.Kind == course.Checklist && checkID == "" {
				checkID = b.Items[0].ID
			}
			if b.Kind == course.Rating && rateID == "" {
				rateID = b.Items[0].ID
			}
		}
	}
	if r := l.send(bot.Message{Kind: bot.KindAction, Action: bot.CheckAction("4-4", checkID, true)}); !r.Ephemeral {
		t.Fatalf("tick before start accepted: %+v", r)
	}
	l.cmd("start-4-4")
	for i := 0; i < 2; i++ { // a double press leaves it ticked
		r := l.send(bot.Message{Kind: bot.KindAction, Action: bot.CheckAction("4-4", checkID, true)})
		if !r.Update || r.Buttons != nil {
			t.Errorf("tick on an earlier card = %+v, want an in-place update without navigation", r)
		}
	}
	for _, v := range []int{4, 2} {
		l.send(bot.Message{Kind: bot.KindAction, Action: bot.RateAction("4-4", rateID, v)})
	}
	for _, bad := range []string{bot.RateAction("4-4", rateID, 9), bot.CheckAction("4-4", rateID, true), bot.CheckAction("4-4", "c0000000000", true)} {
		if r := l.send(bot.Message{Kind: bot.KindAction, Action: bad}); !r.Ephemeral {
			t.Errorf("%q accepted", bad)
		}
	}
	p, _ := h.db.Progress(h.ctx, l.who.Key(), "4-4")
	if !p.Checks[checkID] || p.Ratings[rateID] != 2 || len(p.Checks) != 1 || len(p.Ratings) != 1 {
		t.Errorf("progress = checks %v ratings %v", p.Checks, p.Ratings)
	}
	st := l.cmd("status")
	if !strings.Contains(text(st), "Problem framing and success metrics (rated 2)") || !strings.Contains(text(st), "1 of 67 items ticked") {
		t.Errorf("status = %s", text(st))
	}
	l.send(bot.Message{Kind: bot.KindAction, Action: bot.CheckAction("4-4", checkID, false)})
	if p, _ := h.db.Progress(h.ctx, l.who.Key(), "4-4"); p.Checks[checkID] {
		t.Error("untick did not stick")
	}
}

func TestCommandsThatDoNotExist(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	l := h.learner("fi")
	tests := []struct{ cmd, want string }{
		{"start-1-1", "Lesson 1.1 (Welcome & Setup) is part of the course, but its material is not installed yet"},
		{"start-9-9", "There is no lesson 9.9. The course has:\n/start-1-1 Welcome & Setup (not installed yet)"},
		{"frobnicate", "There is no /frobnicate command. Commands: /start-1-1,"},
		{"frobnicate", "/help-mlops, /stuck, /forget-me"},
		{"help-mlops", "/status: Check your progress"},
	}
	for _, tt := range tests {
		r := l.cmd(tt.cmd)
		if !r.Ephemeral || !strings.Contains(text(r), tt.want) {
			t.Errorf("/%s = %q, want it to contain %q", tt.cmd, text(r), tt.want)
		}
	}
	r := l.cmd("help-mlops", "drift detection")
	if !strings.Contains(text(r), "Drift detection concepts") || !strings.Contains(text(r), "/start-4-3 Drift Detection (not installed yet)") || !hasButton(r, "Open Lesson 4.4") {
		t.Errorf("help drift = %s %+v", text(r), r.Buttons)
	}
}

// walk takes learner l through the whole lesson: answering every question,
// ticking every checklist item and rating every item 1-5 by turns.
func walk(t testing.TB, l *learner) bot.Reply {
	l.cmd("start-4-4")
	for i := 0; i < 200; i++ {
		r := l.last
		for _, b := range r.Blocks {
			for _, it := range b.Items {
				switch b.Kind {
				case bot.BlockChecklist:
					l.send(bot.Message{Kind: bot.KindAction, Action: bot.CheckAction(r.Lesson, it.ID, true)})
				case bot.BlockRating:
					l.send(bot.Message{Kind: bot.KindAction, Action: bot.RateAction(r.Lesson, it.ID, 1+len(it.Text)%5)})
				}
			}
		}
		l.last = r
		if q := question(r); q != nil && !q.Answered {
			l.text("My answer to: " + q.Prompt)
		}
		label := "Next"
		if hasButton(l.last, "Finish lesson") {
			label = "Finish lesson"
		}
		done := l.press(label)
		if done.Card == "completed" {
			return done
		}
	}
	t.Fatal("lesson did not end within 200 presses")
	return bot.Reply{}
}

func TestWholeLessonToCompletionSurvivesRestart(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	l := h.learner("gu")
	done := walk(t, l)
	want := "Questions answered: 3 of 3\n- Checklist items ticked: 67 of 67\n- Self-assessment items rated: 16 of 16"
	if !strings.Contains(text(done), want) {
		t.Fatalf("completion = %s", text(done))
	}
	// A second Finish is stale.
	if r := l.send(bot.Message{Kind: bot.KindAction, Action: bot.Action{Verb: bot.VerbNext, Lesson: "4-4", At: "commands-reference"}.Encode()}); !r.Ephemeral {
		t.Errorf("finishing twice: %+v", r)
	}
	h.restart()
	st := l.cmd("status")
	if !strings.Contains(text(st), "✅ 4.4 Capstone: completed 23 Nov 2026") || !strings.Contains(text(st), "67 of 67 items ticked") {
		t.Errorf("status after restart = %s", text(st))
	}
	again := l.cmd("start-4-4")
	if !strings.Contains(text(again), "You completed it on 23 Nov 2026") {
		t.Errorf("start after completion = %s", text(again))
	}
	r := l.press("Restart")
	if r.Card != "intro" {
		t.Errorf("restart went to %q", r.Card)
	}
	p, _ := h.db.Progress(h.ctx, l.who.Key(), "4-4")
	if len(p.Answers) != 3 || !p.Completed.IsZero() {
		t.Errorf("after restart: %d answers kept, completed=%v", len(p.Answers), p.Completed)
	}
}

func TestPositionSurvivesCardRemovedByCourseEdit(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	l := h.learner("ha")
	// A learner whose card no longer exists resumes at the same index.
	_, _, err := h.db.UpdateProgress(h.ctx, l.who.Key(), "4-4", func(_ *coursebot.LearnerRecord, p *coursebot.Progress) error {
		p.Card, p.CardIndex, p.Started = "a-card-the-author-deleted", 5, h.clock.Now()
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	r := l.cmd("start-4-4")
	if !strings.Contains(text(r), "card 6 of 41") {
		t.Errorf("resume after edit = %s", text(r))
	}
}

func TestConcurrentLearnersDoNotInterfere(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	var wg sync.WaitGroup
	errs := make(chan string, 16)
	for i := 0; i < 16; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			l := h.learner(fmt.Sprintf("u%d", i))
			done := walk(t, l)
			if !strings.Contains(text(done), "Questions answered: 3 of 3") {
				errs <- text(done)
			}
		}(i)
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Error(e)
	}
	keys, err := h.db.Learners(h.ctx)
	if err != nil || len(keys) != 16 {
		t.Errorf("learners = %d, %v", len(keys), err)
	}
}

func TestSetCourseSwapsTheCourseAndKeepsLearnersPlace(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	l := h.learner("ix")
	l.cmd("start-4-4")
	l.press("Next")
	l.press("Next")
	l.text("an answer kept across the reload")
	dir := t.TempDir()
	if err := os.CopyFS(dir, coursefs.FS()); err != nil {
		t.Fatal(err)
	}
	script := filepath.Join(dir, ".claude", "commands", "start-4-4.md")
	src, _ := os.ReadFile(script)
	edited := strings.Replace(string(src), "### 1. Opener (3 min)\n", "### 1. Opener (3 min)\nWelcome, from the new edition.\n\n", 1)
	if err := os.WriteFile(script, []byte(edited), 0o644); err != nil {
		t.Fatal(err)
	}
	c, err := course.LoadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	h.engine.SetCourse(c)
	r := l.press("Back")
	if r.Card != "opener" || !strings.Contains(text(r), "Welcome, from the new edition.") {
		t.Errorf("after reload, Back shows %q: %s", r.Card, text(r))
	}
	r = l.press("Next")
	if q := question(r); q == nil || q.Answer != "an answer kept across the reload" {
		t.Errorf("answer lost across reload: %+v", r)
	}
}

func TestAnswerReplyCarriesQuestionAndFollowUpNotTheReading(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	l := h.learner("jo")
	l.cmd("start-4-4")
	l.press("Next")
	l.press("Next")
	arch := l.press("Skip question") // Architecture Review: a diagram, then a question
	if arch.Blocks[0].Kind != bot.BlockCode {
		t.Fatalf("architecture card starts %+v", arch.Blocks[:2])
	}
	r := l.text("Code flows into CI, CI into production.")
	for _, b := range r.Blocks {
		if b.Kind == bot.BlockCode {
			t.Errorf("the answer reply repeats the card's diagram")
		}
	}
	if r.Blocks[0].Text != "Saved your answer." || r.Blocks[1].Kind != bot.BlockQuestion || !r.Blocks[1].Question.Answered {
		t.Errorf("answer reply = %+v", r.Blocks)
	}
}
