// Package walktest walks a learner through every card of a lesson on one
// platform — the console, Slack's fake or Discord's fake, each driven by
// its own test through Platform — and checks that every state the learner
// reaches offers a way on that works: a card's Next, Skip question or
// Finish lesson, the plan after choosing a background, the answer to text
// that is not an answer ("next" typed on a question card), the end of the
// lesson and the end of its retries.
package walktest

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/coursebot/coursebot"
	"github.com/coursebot/coursebot/course"
)

// Platform is the learner's side of one platform in a test.
type Platform interface {
	// Command types a slash command ("start-4-4", no slash).
	Command(name string)
	// Buttons are the labels of the controls the learner can press now,
	// as the platform shows them.
	Buttons() []string
	// Press presses the live control whose label is label (or the label
	// as the platform cut it to fit).
	Press(label string)
	// Type sends text where the lesson runs: the console's prompt, a reply
	// in the lesson's thread, or the answer form.
	Type(text string)
	// Said is the text of the latest reply.
	Said() string
	// Progress is the learner's record of the lesson, from the store.
	Progress() coursebot.Progress
}

// Report says what a walk went through, for the test's own checks.
type Report struct {
	Cards, Questions, Quizzes, Retries int
	Plan                               bool // a background was chosen and the plan shown
}

// Walk takes a new learner through les on p: every card, answering each
// question (after typing "next" at the first one, which must not be
// saved), answering the first quiz wrong and the others right, choosing a
// background where the card offers one, finishing the lesson, retrying the
// missed quizzes and opening Your progress at the end. It fails t where a
// state offers no way on, or pressing the way on does not move the
// learner on.
func Walk(t *testing.T, p Platform, les *course.Lesson) Report {
	t.Helper()
	w := &walker{t: t, p: p, les: les}
	p.Command(les.Command)
	for range 6 * len(les.Cards) {
		pr := p.Progress()
		if pr.State() == coursebot.StateCompleted {
			break
		}
		w.card(pr)
	}
	if p.Progress().State() != coursebot.StateCompleted {
		t.Fatalf("the lesson was not completed in %d presses", 6*len(les.Cards))
	}
	w.end()
	return w.rep
}

// walker is one walk's state: what it has checked once and the quizzes it
// missed on purpose.
type walker struct {
	t   *testing.T
	p   Platform
	les *course.Lesson
	rep Report

	typedNext     bool // "next" typed on a question card
	typedNextQuiz bool // "next" typed on a short-answer quiz
	wrong         bool // a quiz answered wrong
	missed        []*course.QuizDef
}

// card takes the way on from the learner's card: a background where one
// is offered (once), an answer where a question or quiz waits, else the
// card's Next (Finish lesson on the last card), which must move them on.
func (w *walker) card(pr coursebot.Progress) {
	t, p := w.t, w.p
	t.Helper()
	card := w.les.CardByKey(pr.Card)
	if card == nil {
		t.Fatalf("the learner is on card %q, not in the lesson", pr.Card)
	}
	// The way on from the card: Skip question while its question or
	// quiz waits, else Next (Finish lesson on the last card).
	btns := p.Buttons()
	want := []string{"Next", "Finish lesson"}
	if waits(card, pr) {
		want = []string{"Skip question"}
	}
	way := first(btns, want...)
	if way == "" {
		t.Fatalf("card %d (%s) offers no way on (%q): buttons %q\n%s", card.Index+1, card.Title, want, btns, p.Said())
	}
	if bg := prefixed(btns, "I come from "); bg != "" && !w.rep.Plan {
		w.chooseBackground(bg)
		return // on from the plan's own Next
	}
	if q := card.Question(); q != nil && way == "Skip question" {
		w.answerQuestion(card, q)
		return
	}
	if q := card.Quiz(); q != nil && way == "Skip question" {
		w.answerCardQuiz(card, q)
		return
	}
	before := pr.CardIndex
	p.Press(way)
	w.rep.Cards++
	if after := p.Progress(); after.State() != coursebot.StateCompleted && after.CardIndex <= before {
		t.Fatalf("%s on card %d (%s) did not move the learner on: now on card %d\n%s", way, before+1, card.Title, after.CardIndex+1, p.Said())
	}
}

// chooseBackground presses bg: the plan must show, with a Next.
func (w *walker) chooseBackground(bg string) {
	t, p := w.t, w.p
	t.Helper()
	p.Press(bg)
	if !strings.Contains(p.Said(), "Your plan") {
		t.Fatalf("choosing %q showed no plan:\n%s", bg, p.Said())
	}
	if b := p.Buttons(); first(b, "Next") == "" {
		t.Fatalf("the plan offers no way on: buttons %q\n%s", b, p.Said())
	}
	w.rep.Plan = true
}

// answerQuestion answers card's question, after typing "next" twice at
// the first question (which must not be saved and must leave Skip
// question).
func (w *walker) answerQuestion(card *course.Card, q *course.QuestionDef) {
	t, p := w.t, w.p
	t.Helper()
	if !w.typedNext {
		w.typedNext = true
		for range 2 {
			p.Type("next")
			if _, saved := p.Progress().Answers[q.ID]; saved {
				t.Fatalf("\"next\" typed on card %d was saved as the answer", card.Index+1)
			}
			if first(p.Buttons(), "Skip question") == "" {
				t.Fatalf("after \"next\" typed on a question card, no Skip question: %q\n%s", p.Buttons(), p.Said())
			}
		}
	}
	p.Type("My answer to card " + card.Title)
	if _, saved := p.Progress().Answers[q.ID]; !saved {
		t.Fatalf("the answer on card %d was not saved:\n%s", card.Index+1, p.Said())
	}
	w.rep.Questions++
	mustGoOn(t, p, card)
}

// answerCardQuiz answers card's quiz, the first wrong and the others
// right, after typing "next" at the first short-answer quiz (which must
// not be graded).
func (w *walker) answerCardQuiz(card *course.Card, q *course.QuizDef) {
	t, p := w.t, w.p
	t.Helper()
	if len(q.Options) == 0 && !w.typedNextQuiz {
		w.typedNextQuiz = true
		p.Type("next")
		if p.Progress().Quiz[q.ID].Tries != 0 {
			t.Fatalf("\"next\" typed on the short-answer quiz of card %d was graded as the answer", card.Index+1)
		}
	}
	answerQuiz(t, p, q, w.wrong)
	if !w.wrong {
		w.missed = append(w.missed, q)
	}
	w.wrong = true
	if p.Progress().Quiz[q.ID].Tries != 1 {
		t.Fatalf("the quiz on card %d was not graded:\n%s", card.Index+1, p.Said())
	}
	w.rep.Quizzes++
	mustGoOn(t, p, card)
}

// end checks that the end of the lesson, and of its retries, lead on too,
// and that Your progress shows the lesson completed.
func (w *walker) end() {
	t, p := w.t, w.p
	t.Helper()
	btns := p.Buttons()
	if first(btns, "Your progress") == "" {
		t.Fatalf("the end of the lesson offers no way on: %q\n%s", btns, p.Said())
	}
	if len(w.missed) > 0 {
		if first(btns, "Retry missed") == "" {
			t.Fatalf("missed %d quizzes but no Retry missed: %q\n%s", len(w.missed), btns, p.Said())
		}
		w.retryMissed()
	}
	p.Press("Your progress")
	if !strings.Contains(p.Said(), "completed") {
		t.Fatalf("Your progress does not show the completed lesson:\n%s", p.Said())
	}
}

// retryMissed retries the missed quizzes, answering them right: each but
// the last offers the next, the last leads on, and "next" typed then is
// not taken for an answer.
func (w *walker) retryMissed() {
	t, p := w.t, w.p
	t.Helper()
	p.Press("Retry missed")
	for i, q := range w.missed {
		answerQuiz(t, p, q, true)
		w.rep.Retries++
		btns := p.Buttons()
		if i < len(w.missed)-1 {
			if first(btns, "Next missed question") == "" {
				t.Fatalf("after retry %d, no Next missed question: %q\n%s", i+1, btns, p.Said())
			}
			p.Press("Next missed question")
			continue
		}
		if first(btns, "Your progress") == "" {
			t.Fatalf("after the last retry, no way on: %q\n%s", btns, p.Said())
		}
	}
	p.Type("next")
	if strings.Contains(p.Said(), "Press Next") || first(p.Buttons(), "Your progress") == "" {
		t.Fatalf("\"next\" after the last retry: %q\n%s", p.Buttons(), p.Said())
	}
}

// waits reports whether card's question or quiz waits for an answer.
func waits(card *course.Card, p coursebot.Progress) bool {
	if q := card.Question(); q != nil {
		_, answered := p.Answers[q.ID]
		return !answered && !p.Skipped[q.ID]
	}
	if q := card.Quiz(); q != nil {
		return p.Quiz[q.ID].Tries == 0 && !p.Quiz[q.ID].Skipped
	}
	return false
}

// mustGoOn checks that after an answer the card offers its way on.
func mustGoOn(t *testing.T, p Platform, card *course.Card) {
	t.Helper()
	if first(p.Buttons(), "Next", "Finish lesson") == "" {
		t.Fatalf("after answering card %d (%s), no way on: %q\n%s", card.Index+1, card.Title, p.Buttons(), p.Said())
	}
}

// answerQuiz answers q right or wrong the way a learner does: pressing an
// option, ticking the options of a choose-all quiz and checking, or typing
// a short answer.
func answerQuiz(t *testing.T, p Platform, q *course.QuizDef, right bool) {
	t.Helper()
	switch {
	case len(q.Options) == 0:
		text := "not the answer"
		if right {
			text = q.Accept[0]
		}
		p.Type(text)
	case q.Multi():
		picks := q.Correct
		if !right {
			picks = picks[:1]
		}
		for _, l := range picks {
			p.Press("☐ " + l + ") " + option(q, l))
		}
		p.Press("Check answer")
	default:
		l := q.Correct[0]
		if !right {
			for _, o := range q.Options {
				if !slices.Contains(q.Correct, o.Letter) {
					l = o.Letter
					break
				}
			}
		}
		p.Press(l + ") " + option(q, l))
	}
}

func option(q *course.QuizDef, letter string) string {
	for _, o := range q.Options {
		if o.Letter == letter {
			return o.Text
		}
	}
	return ""
}

// first returns the first label of want among have ("" when none is).
func first(have []string, want ...string) string {
	for _, w := range want {
		if slices.Contains(have, w) {
			return w
		}
	}
	return ""
}

func prefixed(have []string, prefix string) string {
	for _, h := range have {
		if strings.HasPrefix(h, prefix) {
			return h
		}
	}
	return ""
}

// Matches reports whether a control's label as the platform shows it is
// label, or label cut to fit (ending in "…").
func Matches(shown, label string) bool {
	if shown == label {
		return true
	}
	stem, cut := strings.CutSuffix(shown, "…")
	return cut && strings.HasPrefix(label, strings.TrimSpace(stem))
}

// Case is a lesson to walk: the built-in Lesson 4.4 (with its plan), or the
// quiz course's Lesson 2.1 (every kind of quiz, and a retry).
type Case struct {
	Name   string
	Course *course.Course
	Lesson *course.Lesson
}

// Cases loads the lessons every platform walks. root is the path from the
// test's package to the module's root ("../.." from bot/slack).
func Cases(t *testing.T, root string) []Case {
	t.Helper()
	builtin, err := course.LoadBuiltin()
	if err != nil {
		t.Fatal(err)
	}
	quiz, err := course.LoadDir(root + "/testdata/quiz/course")
	if err != nil {
		t.Fatal(err)
	}
	return []Case{{"built-in", builtin, builtin.Lessons["4-4"]}, {"quiz", quiz, quiz.Lessons["2-1"]}}
}

// Each walks every case of Cases, each in a subtest of its own, on the
// platform start gives for it, and logs the walk's report. after, when
// start returns one, runs once the walk is done: the platform's own checks
// of what it showed on the way.
func Each(t *testing.T, root string, start func(t *testing.T, tc Case) (p Platform, after func())) {
	t.Helper()
	for _, tc := range Cases(t, root) {
		t.Run(tc.Name, func(t *testing.T) {
			p, after := start(t, tc)
			t.Logf("%+v", Walk(t, p, tc.Lesson))
			if after != nil {
				after()
			}
		})
	}
}

// Progresser reads a learner's record of a lesson (the store does).
type Progresser interface {
	Progress(ctx context.Context, learner, lesson string) (coursebot.Progress, error)
}

// Stored is a Platform's Progress: the record of Key's Lesson in DB.
type Stored struct {
	T      testing.TB
	DB     Progresser
	Key    string
	Lesson string
}

// Progress is the learner's record of the lesson, from the store.
func (s Stored) Progress() coursebot.Progress {
	s.T.Helper()
	p, err := s.DB.Progress(context.Background(), s.Key, s.Lesson)
	if err != nil {
		s.T.Fatal(err)
	}
	return p
}
