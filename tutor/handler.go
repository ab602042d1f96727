// Package tutor is the optional AI tutor: a bot.Handler in front of the
// lesson engine (as the cohort layer is) that answers what the learner
// wrote through any OpenAI-compatible model, streaming, grounded in the
// step's tutor script, the module reading and the teaching notes. The
// deterministic engine stays the default and the fallback: when the model
// is slow, down, rate-limited, answers garbage or nothing, or the learner's
// daily budget is spent, the learner gets the course's own follow-up and
// the lesson goes on. See docs/tutor.md.
package tutor

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/coursebot/coursebot"
	"github.com/coursebot/coursebot/bot"
	"github.com/coursebot/coursebot/course"
	"github.com/coursebot/coursebot/lessons"
	"github.com/coursebot/coursebot/search"
)

// Store is what the tutor needs from persistence (*store.DB).
type Store interface {
	Learner(ctx context.Context, learner string) (coursebot.LearnerRecord, error)
	Progress(ctx context.Context, learner, lesson string) (coursebot.Progress, error)
	TutorRecord(ctx context.Context, learner string) (coursebot.TutorRecord, error)
	UpdateTutor(ctx context.Context, learner string, fn func(*coursebot.TutorRecord) error) (coursebot.TutorRecord, error)
}

// Searcher finds course passages for a /help question: the same search
// the course uses without the tutor (*lessons.Engine).
type Searcher interface {
	Search(ctx context.Context, query string, n int) ([]search.Result, error)
}

// Clock is the tutor's time: Now for budgets and latencies, AfterFunc for
// the request timeout (stop reports whether it stopped f from running).
type Clock interface {
	Now() time.Time
	AfterFunc(d time.Duration, f func()) (stop func() bool)
}

// SystemClock is the real clock.
type SystemClock struct{}

// Now is time.Now.
func (SystemClock) Now() time.Time { return time.Now() }

// AfterFunc is time.AfterFunc.
func (SystemClock) AfterFunc(d time.Duration, f func()) func() bool { return time.AfterFunc(d, f).Stop }

// Outcome is one tutor request, for metrics. It carries no text.
type Outcome struct {
	Kind   string // "answer", "stuck", "help"
	Model  string
	Result string // "ok", "fallback" or "budget"
	Cause  string // why it fell back ("" when ok)
	// FirstToken is the time to the first piece of text (0 when none came),
	// Total the time to the finished reply.
	FirstToken, Total   time.Duration
	TokensIn, TokensOut int
}

// Observer counts outcomes (the /metrics registry).
type Observer interface {
	Observe(Outcome)
}

// Options configure the tutor.
type Options struct {
	Model     Model
	ModelName string // for metrics
	Store     Store
	Course    func() *course.Course
	Search    Searcher
	// Timeout bounds one reply, from the request to its last token.
	Timeout time.Duration
	// MaxTurns is how many tutor replies one question (or one stuck
	// conversation) gets; then Next is the only way on.
	MaxTurns int
	// DailyBudget is how many tutor replies a learner gets per day (UTC).
	DailyBudget int
	Clock       Clock
	Observer    Observer
	Log         *slog.Logger
}

// Defaults of Options.
const (
	DefaultTimeout     = 20 * time.Second
	DefaultMaxTurns    = 3
	DefaultDailyBudget = 40
)

// StuckCommand is the command a learner types in a lesson's thread when
// stuck on the capstone; VerbStuck the action of the "I'm stuck" button.
const (
	StuckCommand = lessons.StuckCommand
	VerbStuck    = "stuck"
)

// Handler is the tutor in front of next (the engine or the cohort layer).
type Handler struct {
	next bot.Handler
	o    Options
	// guards is the output guard of the course loaded now.
	guards struct {
		sync.Mutex
		course *course.Course
		g      *Guard
	}
}

// guard is the output guard of the course now loaded (built again when
// the course is).
func (h *Handler) guard() *Guard {
	c := h.o.Course()
	h.guards.Lock()
	defer h.guards.Unlock()
	if h.guards.course != c || h.guards.g == nil {
		h.guards.course, h.guards.g = c, CourseGuard(c)
	}
	return h.guards.g
}

var _ bot.Handler = (*Handler)(nil)

// New returns the tutor in front of next.
func New(next bot.Handler, o Options) (*Handler, error) {
	if next == nil || o.Model == nil || o.Store == nil || o.Course == nil || o.Search == nil {
		return nil, errors.New("tutor: next handler, Model, Store, Course and Search are required")
	}
	if o.Timeout <= 0 {
		o.Timeout = DefaultTimeout
	}
	if o.MaxTurns <= 0 {
		o.MaxTurns = DefaultMaxTurns
	}
	if o.DailyBudget <= 0 {
		o.DailyBudget = DefaultDailyBudget
	}
	if o.Clock == nil {
		o.Clock = SystemClock{}
	}
	if o.Observer == nil {
		o.Observer = nopObserver{}
	}
	if o.Log == nil {
		o.Log = slog.Default()
	}
	return &Handler{next: next, o: o}, nil
}

type nopObserver struct{}

func (nopObserver) Observe(Outcome) {}

// Handle implements bot.Handler: answers to questions, replies to the
// tutor, /stuck and the "I'm stuck" button, and /help with a question get
// the tutor; everything else goes to next, with an "I'm stuck" button added
// to capstone cards.
func (h *Handler) Handle(ctx context.Context, m bot.Message) ([]bot.Reply, error) {
	switch m.Kind {
	case bot.KindText:
		replies, handled, err := h.text(ctx, m)
		if handled || err != nil {
			return replies, err
		}
	case bot.KindCommand:
		name := m.Command // normalised by the adapter (bot.CommandName)
		if name == StuckCommand {
			return h.stuckCommand(ctx, m)
		}
		if help := course.HelpCommand(h.o.Course()); help != "" && name == help && strings.TrimSpace(m.Args) != "" {
			return h.help(ctx, m)
		}
	case bot.KindAction:
		if a, err := bot.ParseAction(m.Action); err == nil && a.Verb == VerbStuck {
			return h.stuck(ctx, m.Learner, a.Lesson, a.At)
		}
	}
	replies, err := h.next.Handle(ctx, m)
	if err != nil {
		return nil, err
	}
	return h.Decorate(replies), nil
}

// Decorate adds the "I'm stuck" button to capstone cards that offer
// buttons and do not have it yet: the tutor's own, and the engine's (the
// routing table's bot.Decorated).
func (h *Handler) Decorate(replies []bot.Reply) []bot.Reply {
	loaded := h.o.Course()
	for i, r := range replies {
		if r.Lesson == "" || r.Card == "" || len(r.Buttons) == 0 {
			continue
		}
		ts, ok := course.TutorStepOf(loaded, r.Lesson, r.Card)
		if !ok || !ts.Capstone {
			continue
		}
		b := stuckButton(ts)
		if !slices.ContainsFunc(r.Buttons, func(x bot.Button) bool { return x.Action == b.Action }) {
			replies[i].Buttons = append(append([]bot.Button(nil), r.Buttons...), b)
		}
	}
	return replies
}

func stuckButton(ts course.TutorStep) bot.Button {
	return bot.Button{Label: "I'm stuck", Action: bot.Action{Verb: VerbStuck, Lesson: ts.Lesson, At: ts.Card}.Encode()}
}

// text handles free text: a first answer (the engine saves it, the tutor
// replies in place of the fixed follow-up), a reply to the tutor, or a
// reply in a stuck conversation. handled is false for text the tutor
// leaves to next.
func (h *Handler) text(ctx context.Context, m bot.Message) ([]bot.Reply, bool, error) {
	text := strings.TrimSpace(m.Text)
	if lessons.IsNavWord(text) {
		return nil, false, nil // "next" means the button: the engine says where it is
	}
	ts, p, ok, err := h.position(ctx, m.Learner, m.Lesson)
	if err != nil || !ok || text == "" {
		return nil, false, err
	}
	trec, err := h.o.Store.TutorRecord(ctx, m.Learner.Key())
	if err != nil {
		return nil, false, err
	}
	// An inbox item done again after a crash gets the reply it got the
	// first time, even when that was the last one MaxTurns allows.
	e, _, _ := keyed(&trec, itemKey(ctx))
	redo := e != nil
	if q := ts.Question; q != nil {
		if m.Question != "" && m.Question != q.ID {
			return nil, false, nil
		}
		saved, answered := p.Answers[q.ID]
		if ex := lastExchange(trec, kindAnswer, ts, q.ID); answered && ex != nil {
			if tutorTurns(ex) >= h.o.MaxTurns && !redo {
				return []bot.Reply{h.enough(ts)}, true, nil
			}
			r, err := h.converse(ctx, m.Learner, exchange{kind: kindAnswer, ts: ts, learner: text, answer: saved.Text,
				reply: h.tutorCard(ts), block: 0, fallbackText: course.AnswerFollowUp(q, saved.Text)})
			return []bot.Reply{r}, true, err
		}
		replies, err := h.firstAnswer(ctx, m, ts, q)
		return replies, true, err
	}
	if ts.Capstone {
		ex := lastExchange(trec, kindStuck, ts, "")
		if ex == nil {
			return nil, false, nil
		}
		if tutorTurns(ex) >= h.o.MaxTurns && !redo {
			return []bot.Reply{h.enough(ts)}, true, nil
		}
		r, err := h.converse(ctx, m.Learner, exchange{kind: kindStuck, ts: ts, learner: text,
			reply: h.tutorCard(ts), block: 0, fallbackText: stuckFallback})
		return []bot.Reply{r}, true, err
	}
	return nil, false, nil
}

// firstAnswer has the engine save a first answer to q, then gives the
// tutor's reply in place of each reply's fixed follow-up.
func (h *Handler) firstAnswer(ctx context.Context, m bot.Message, ts course.TutorStep, q *course.QuestionDef) ([]bot.Reply, error) {
	replies, err := h.next.Handle(ctx, m)
	if err != nil {
		return nil, err
	}
	for i, r := range replies {
		r, block, answer, ok := answerSlot(r, ts)
		if !ok {
			continue
		}
		replies[i], err = h.converse(ctx, m.Learner, exchange{kind: kindAnswer, ts: ts, learner: answer, answer: answer, isNew: true,
			reply: r, block: block, fallbackText: course.AnswerFollowUp(q, answer)})
		if err != nil {
			return nil, err
		}
	}
	return h.Decorate(replies), nil
}

// position finds the card the learner is on in lesson (their active lesson
// when ""); ok is false when they are in no lesson.
func (h *Handler) position(ctx context.Context, who coursebot.Learner, lesson string) (course.TutorStep, coursebot.Progress, bool, error) {
	if lesson == "" {
		rec, err := h.o.Store.Learner(ctx, who.Key())
		if err != nil {
			return course.TutorStep{}, coursebot.Progress{}, false, fmt.Errorf("tutor: %w", err)
		}
		lesson = rec.Active
	}
	if lesson == "" {
		return course.TutorStep{}, coursebot.Progress{}, false, nil
	}
	p, err := h.o.Store.Progress(ctx, who.Key(), lesson)
	if err != nil {
		return course.TutorStep{}, p, false, fmt.Errorf("tutor: %w", err)
	}
	if p.State() != coursebot.StateInProgress {
		return course.TutorStep{}, p, false, nil
	}
	ts, ok := course.TutorStepOf(h.o.Course(), lesson, p.Card)
	return ts, p, ok, nil
}

// answerSlot returns the engine's reply to an answer with a placeholder
// where the tutor's reply goes (in place of the fixed follow-up, or after
// the question when there is none), its block, and the answer as saved.
func answerSlot(r bot.Reply, ts course.TutorStep) (bot.Reply, int, string, bool) {
	if r.Lesson != ts.Lesson || r.Card != ts.Card {
		return r, 0, "", false
	}
	for i, b := range r.Blocks {
		if b.Kind != bot.BlockQuestion || b.Question == nil || b.Question.ID != ts.Question.ID || !b.Question.Answered {
			continue
		}
		ph := bot.Block{Kind: bot.BlockMarkdown, Text: bot.Placeholder}
		blocks := append([]bot.Block(nil), r.Blocks[:i+1]...)
		rest := r.Blocks[i+1:]
		if len(rest) > 0 && rest[0].Kind == bot.BlockMarkdown && rest[0].Text == course.AnswerFollowUp(ts.Question, b.Question.Answer) {
			rest = rest[1:]
		}
		r.Blocks = append(append(blocks, ph), rest...)
		return r, i + 1, b.Question.Answer, true
	}
	return r, 0, "", false
}

// tutorCard is the reply that carries a tutor's turn after the first: the
// placeholder and the card's way on.
func (h *Handler) tutorCard(ts course.TutorStep) bot.Reply {
	r := bot.Reply{Lesson: ts.Lesson, Card: ts.Card, Title: "Tutor",
		Blocks: []bot.Block{{Kind: bot.BlockMarkdown, Text: bot.Placeholder}}, Buttons: navButtons(ts)}
	if ts.Capstone {
		r.Buttons = append(r.Buttons, stuckButton(ts))
	}
	return r
}

func navButtons(ts course.TutorStep) []bot.Button {
	at := func(verb string) string { return bot.Action{Verb: verb, Lesson: ts.Lesson, At: ts.Card}.Encode() }
	var out []bot.Button
	if ts.CardIndex > 0 {
		out = append(out, bot.Button{Label: "Back", Action: at(bot.VerbBack)})
	}
	label := "Next"
	if ts.CardIndex == ts.Cards-1 {
		label = "Finish lesson"
	}
	return append(out, bot.Button{Label: label, Action: at(bot.VerbNext), Style: bot.StylePrimary})
}

// enough is the answer once the tutor has replied MaxTurns times.
func (h *Handler) enough(ts course.TutorStep) bot.Reply {
	return bot.Reply{Lesson: ts.Lesson, Ephemeral: true, Buttons: navButtons(ts), Blocks: []bot.Block{{Kind: bot.BlockMarkdown,
		Text: fmt.Sprintf("That was the tutor's last reply here (%d per question). Your answer is saved: press Next to go on.", h.o.MaxTurns)}}}
}

// stuckFallback is the tutor's turn on a capstone card when the model
// cannot answer.
const stuckFallback = "The tutor cannot answer just now. Take the exercise one part at a time and check what you have against this card; write down where it stops and what you tried, then press I'm stuck again or ask your cohort's lead."

// stuckCommand handles /stuck in a lesson's thread.
func (h *Handler) stuckCommand(ctx context.Context, m bot.Message) ([]bot.Reply, error) {
	ts, _, ok, err := h.position(ctx, m.Learner, m.Lesson)
	if err != nil {
		return nil, err
	}
	if !ok || !ts.Capstone {
		return []bot.Reply{{Ephemeral: true, Lesson: m.Lesson, Blocks: []bot.Block{{Kind: bot.BlockMarkdown,
			Text: "/stuck is for the capstone exercise: use it (or the I'm stuck button) on one of its cards. For anything else, reply to the card's question or ask with /" + course.HelpCommand(h.o.Course()) + " and your question."}}}}, nil
	}
	return h.stuck(ctx, m.Learner, ts.Lesson, ts.Card)
}

// stuck starts a stuck conversation on a capstone card.
func (h *Handler) stuck(ctx context.Context, who coursebot.Learner, lesson, card string) ([]bot.Reply, error) {
	ts, ok := course.TutorStepOf(h.o.Course(), lesson, card)
	if !ok || !ts.Capstone {
		return []bot.Reply{{Ephemeral: true, Lesson: lesson, Blocks: []bot.Block{{Kind: bot.BlockMarkdown,
			Text: "That button is not one of mine any more. Type /status to see where you are."}}}}, nil
	}
	r, err := h.converse(ctx, who, exchange{kind: kindStuck, ts: ts, learner: StuckMessage, isNew: true,
		reply: h.tutorCard(ts), block: 0, fallbackText: stuckFallback})
	if err != nil {
		return nil, err
	}
	return []bot.Reply{r}, nil
}
