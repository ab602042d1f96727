package lessons

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync/atomic"
	"time"

	"github.com/coursebot/coursebot"
	"github.com/coursebot/coursebot/bot"
	"github.com/coursebot/coursebot/course"
)

// Engine runs lessons: it turns a learner's command, button press or text
// into replies and writes the learner's state to the Store before replying.
// It never knows which platform it talks to.
type Engine struct {
	loaded      atomic.Pointer[loaded]
	store       Store
	now         func() time.Time
	log         *slog.Logger
	answerLimit int
	list        func() []bot.Command // EngineOptions.Commands
}

// loaded is a course with what the engine derives from it; SetCourse swaps
// it whole, so a request sees one course from start to end.
type loaded struct {
	course  *course.Course
	search  *courseSearch       // built on first use
	revisit map[string][]string // rating item id -> lesson ids
}

// request is one message's view of the engine: the engine and the course
// loaded when the message arrived.
type request struct {
	*Engine
	*loaded
}

func newLoaded(c *course.Course) *loaded {
	return &loaded{course: c, search: newCourseSearch(c), revisit: revisitMap(c)}
}

// EngineOptions are the engine's injected dependencies and settings.
type EngineOptions struct {
	Now func() time.Time // defaults to time.Now
	Log *slog.Logger     // defaults to slog.Default()
	// AnswerLimit is the longest answer kept, in characters; longer answers
	// are cut there and the learner is told. Defaults to DefaultAnswerLimit.
	AnswerLimit int
	// Commands lists every command a learner can type, the routing
	// table's (bot.Mux.Commands): /help and the answer to an unknown
	// command show it. Nil lists the engine's own (Commands and Forget).
	Commands func() []bot.Command
}

// DefaultAnswerLimit is the longest free-text answer kept, in characters.
const DefaultAnswerLimit = 4000

// NewEngine returns an engine for course over store.
func NewEngine(c *course.Course, store Store, opts EngineOptions) *Engine {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Log == nil {
		opts.Log = slog.Default()
	}
	if opts.AnswerLimit <= 0 {
		opts.AnswerLimit = DefaultAnswerLimit
	}
	e := &Engine{store: store, now: opts.Now, log: opts.Log, answerLimit: opts.AnswerLimit, list: opts.Commands}
	e.loaded.Store(newLoaded(c))
	return e
}

// SetCourse replaces the course atomically (a reload): requests already
// running finish on the old one. Learners keep their answers and place,
// since both are keyed by stable ids. The old course's search index is
// closed once the searches on it finish.
func (e *Engine) SetCourse(c *course.Course) {
	old := e.loaded.Swap(newLoaded(c))
	if err := old.search.Close(); err != nil {
		e.log.Warn("close the replaced course's search index", "err", err)
	}
}

var _ bot.Handler = (*Engine)(nil)

// Course returns the course the engine serves.
func (e *Engine) Course() *course.Course { return e.loaded.Load().course }

// errNoQuestion ends an answer's update when no question waits on the
// learner's card: nothing is written, and notAnAnswer says what to do.
var errNoQuestion = errors.New("no question is waiting")

// refuse says why the learner's action changes nothing: a
// *coursebot.Error, which Handle answers as an ephemeral notice, never as
// an error.
func refuse(code, format string, args ...any) error {
	return coursebot.Errorf(code, format, args...)
}

// Handle implements bot.Handler.
func (eng *Engine) Handle(ctx context.Context, m bot.Message) ([]bot.Reply, error) {
	e := &request{Engine: eng, loaded: eng.loaded.Load()}
	var (
		replies []bot.Reply
		err     error
	)
	switch m.Kind {
	case bot.KindCommand:
		replies, err = e.command(ctx, m)
	case bot.KindAction:
		replies, err = e.action(ctx, m)
	case bot.KindText:
		replies, err = e.answer(ctx, m)
	default:
		err = fmt.Errorf("handle: unknown message kind %d", m.Kind)
	}
	if r, ok := bot.Refusal(err, m.Lesson); ok {
		return []bot.Reply{r}, nil
	}
	if err != nil {
		// No learner key in the error: it reaches the operator's log,
		// whose learner= attribute names the learner as log.learner_ids
		// says (hashed by default).
		return nil, fmt.Errorf("handle %s: %w", kindName(m.Kind), err)
	}
	return replies, nil
}

func kindName(k bot.MessageKind) string {
	switch k {
	case bot.KindCommand:
		return "command"
	case bot.KindAction:
		return "action"
	case bot.KindText:
		return "answer"
	}
	return "message"
}

// command routes a slash command: /start-X-Y, the course's status and help
// commands; anything else gets the list of commands that exist.
func (e *request) command(ctx context.Context, m bot.Message) ([]bot.Reply, error) {
	name := m.Command // normalised by the adapter (bot.CommandName)
	if name == ForgetCommand {
		return e.forgetAsk()
	}
	if name == ReviewCommand && e.course.HasQuizzes() {
		return e.review(ctx, m.Learner)
	}
	if name == StuckCommand && e.course.HasCapstone() {
		return nil, e.stuckWithoutTutor()
	}
	if id, ok := course.LessonOfCommand(name); ok {
		if strings.TrimSpace(m.Args) != "" {
			return e.startAt(ctx, m.Learner, id, m.Args)
		}
		return e.start(ctx, m.Learner, id)
	}
	if name == GettingStartedCommand && !e.courseHas(name) {
		return e.gettingStarted(), nil
	}
	for _, c := range e.course.Extra {
		if c.Name != name {
			continue
		}
		switch c.Role {
		case course.RoleStatus:
			return e.status(ctx, m.Learner)
		case course.RoleHelp:
			return e.help(ctx, m.Args)
		}
	}
	return nil, refuse(coursebot.ENOTFOUND, "There is no /%s command. Commands: %s", name, e.commandList())
}

func (e *request) commandList() string {
	var names []string
	for _, c := range e.commands() {
		names = append(names, "/"+c.Name)
	}
	return strings.Join(names, ", ")
}

// commands are every command a learner can type: the routing table's
// (EngineOptions.Commands), else the engine's own, /forget-me only when
// the store can forget.
func (e *request) commands() []bot.Command {
	if e.list != nil {
		return e.list()
	}
	cmds := Commands(e.course)
	if _, ok := e.store.(Forgetter); ok {
		cmds = append(cmds, Forget)
	}
	return cmds
}

func (e *request) lessonList() string {
	var out []string
	for _, c := range e.course.Catalogue {
		note := ""
		if !c.Installed {
			note = " (not installed yet)"
		}
		out = append(out, fmt.Sprintf("/%s %s%s", c.Command, c.Title, note))
	}
	return strings.Join(out, "\n")
}

// lesson returns the installed lesson id, or a refusal saying why not.
func (e *request) lesson(id string) (*course.Lesson, error) {
	if les, ok := e.course.Lessons[id]; ok {
		return les, nil
	}
	if entry, ok := e.course.Entry(id); ok {
		return nil, refuse(coursebot.EUNAVAILABLE, "Lesson %s (%s) is part of the course, but its material is not installed yet. Lessons you can take now: %s",
			dotted(id), entry.Title, e.installedList())
	}
	return nil, refuse(coursebot.ENOTFOUND, "There is no lesson %s. The course has:\n%s", dotted(id), e.lessonList())
}

func (e *request) installedList() string {
	var out []string
	for _, c := range e.course.Catalogue {
		if c.Installed {
			out = append(out, "/"+c.Command)
		}
	}
	return strings.Join(out, ", ")
}

func dotted(id string) string { return strings.Replace(id, "-", ".", 1) }

// start opens a lesson: a first start shows the opening card; a learner
// already in it (or done with it) chooses Resume or Restart.
func (e *request) start(ctx context.Context, who coursebot.Learner, id string) ([]bot.Reply, error) {
	les, err := e.lesson(id)
	if err != nil {
		return nil, err
	}
	now := e.now()
	var fresh bool
	_, p, err := e.store.UpdateProgress(ctx, who.Key(), id, func(rec *coursebot.LearnerRecord, p *coursebot.Progress) error {
		touch(rec, who, id, now)
		fresh = p.State() == coursebot.StateNotStarted
		if fresh {
			p.Card, p.CardIndex = les.Cards[0].Key, 0
			p.Started, p.Updated = now, now
			p.Reach(p.Card, now)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if fresh {
		return []bot.Reply{e.render(les, les.Cards[0], p)}, nil
	}
	card := e.cardOf(les, p)
	state := fmt.Sprintf("You are on card %d of %d (%s).", card.Index+1, len(les.Cards), card.Title)
	if p.State() == coursebot.StateCompleted {
		state = fmt.Sprintf("You completed it on %s.", p.Completed.Format("2 Jan 2006"))
	}
	return []bot.Reply{{
		Lesson: id,
		Title:  les.Title,
		Blocks: []bot.Block{{Kind: bot.BlockMarkdown, Text: fmt.Sprintf("Welcome back to Lesson %s. %s Your answers, ticks and ratings are kept either way.", dotted(id), state)}},
		Buttons: []bot.Button{
			{Label: "Resume", Action: bot.Action{Verb: bot.VerbResume, Lesson: id}.Encode(), Style: bot.StylePrimary},
			{Label: "Restart", Action: bot.Action{Verb: bot.VerbRestart, Lesson: id}.Encode()},
		},
	}}, nil
}

func touch(rec *coursebot.LearnerRecord, who coursebot.Learner, lesson string, now time.Time) {
	if who.Name != "" {
		rec.Name = who.Name
	}
	rec.Active = lesson
	rec.LastSeen = now
	rec.Pending = nil // a retry or review question left unanswered
}

// cardOf returns the learner's current card: the card with the saved key,
// or the card it was merged into or is now the first part of
// (docs/course-format.md "Card keys"); if a course update removed it, the
// card now at the same index (or the last one).
func (e *request) cardOf(les *course.Lesson, p coursebot.Progress) *course.Card {
	return les.CardAt(p.Card, p.CardIndex)
}

// action handles a button press, checkbox or rating.
func (e *request) action(ctx context.Context, m bot.Message) ([]bot.Reply, error) {
	a, err := bot.ParseAction(m.Action)
	if err != nil {
		return nil, refuse(coursebot.ENOTFOUND, "That button is not one of mine any more. Type /status to see where you are.")
	}
	if a.Verb == bot.VerbOpen {
		return e.start(ctx, m.Learner, a.Lesson)
	}
	if a.Verb == verbForget {
		return e.forgetAnswer(ctx, m.Learner, a)
	}
	if a.Verb == VerbReview {
		return e.review(ctx, m.Learner)
	}
	les, err := e.lesson(a.Lesson)
	if err != nil {
		return nil, err
	}
	switch a.Verb {
	case bot.VerbNext, bot.VerbBack, bot.VerbSkip, bot.VerbResume, bot.VerbRestart:
		return e.move(ctx, m.Learner, les, a)
	case bot.VerbCheck, bot.VerbRate:
		return e.mark(ctx, m.Learner, les, a)
	case verbQuiz, verbRetry:
		return e.quizAction(ctx, m.Learner, les, a)
	case verbBackground:
		return e.chooseBackground(ctx, m.Learner, les, a)
	case verbSteps, verbGoto:
		return e.stepAction(ctx, m.Learner, les, a)
	case verbStatus:
		return e.status(ctx, m.Learner)
	}
	return nil, refuse(coursebot.ENOTFOUND, "That button is not one of mine any more. Type /status to see where you are.")
}

// mark ticks a checklist item or records a rating. Both are idempotent
// (the action carries the desired state), so a double press is harmless,
// and allowed on any card of a lesson the learner has started.
func (e *request) mark(ctx context.Context, who coursebot.Learner, les *course.Lesson, a bot.Action) ([]bot.Reply, error) {
	card, item := findItem(les, a.Item)
	if item == nil {
		return nil, refuse(coursebot.ENOTFOUND, "That item is no longer in Lesson %s; the course may have changed. Type /%s to see the current card.", dotted(les.ID), les.Command)
	}
	kind := card.Blocks[blockOf(card, a.Item)].Kind
	var on bool
	var value int
	switch {
	case a.Verb == bot.VerbCheck && kind == course.Checklist && (a.Value == "1" || a.Value == "0"):
		on = a.Value == "1"
	case a.Verb == bot.VerbRate && kind == course.Rating && len(a.Value) == 1 && a.Value[0] >= '0'+bot.RatingMin && a.Value[0] <= '0'+bot.RatingMax:
		value = int(a.Value[0] - '0')
	default:
		return nil, refuse(coursebot.EINVALID, "That choice is not valid for this item.")
	}
	now := e.now()
	_, p, err := e.store.UpdateProgress(ctx, who.Key(), les.ID, func(rec *coursebot.LearnerRecord, p *coursebot.Progress) error {
		if p.State() == coursebot.StateNotStarted {
			return refuse(coursebot.ECONFLICT, "You have not started Lesson %s yet: type /%s.", dotted(les.ID), les.Command)
		}
		touch(rec, who, les.ID, now)
		p.Updated = now
		if a.Verb == bot.VerbCheck {
			p.ClaimTick(a.Item) // the capstone check leaves it alone from now on
			if p.Checks == nil {
				p.Checks = map[string]bool{}
			}
			if on {
				p.Checks[a.Item] = true
			} else {
				delete(p.Checks, a.Item)
			}
			return nil
		}
		if p.Ratings == nil {
			p.Ratings = map[string]int{}
		}
		p.Ratings[a.Item] = value
		return nil
	})
	if err != nil {
		return nil, err
	}
	r := e.render(les, card, p)
	r.Update = true
	if !card.HasKey(p.Card) {
		// An earlier card: re-render it in place but offer no navigation.
		r.Buttons = nil
	}
	return []bot.Reply{r}, nil
}

func findItem(les *course.Lesson, id string) (*course.Card, *course.ItemDef) {
	for _, c := range les.Cards {
		for bi := range c.Blocks {
			for ii := range c.Blocks[bi].Items {
				if c.Blocks[bi].Items[ii].ID == id {
					return c, &c.Blocks[bi].Items[ii]
				}
			}
		}
	}
	return nil, nil
}

func blockOf(c *course.Card, id string) int {
	for bi, b := range c.Blocks {
		for _, it := range b.Items {
			if it.ID == id {
				return bi
			}
		}
	}
	return -1
}

func (e *request) firstInstalled() string {
	for _, c := range e.course.Catalogue {
		if c.Installed {
			return c.Command
		}
	}
	return "start-1-1"
}

func (e *request) statusName() string {
	for _, c := range e.course.Extra {
		if c.Role == course.RoleStatus {
			return c.Name
		}
	}
	return "status"
}

func (e *request) helpName() string {
	for _, c := range e.course.Extra {
		if c.Role == course.RoleHelp {
			return c.Name
		}
	}
	return "help"
}
