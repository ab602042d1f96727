package insighttest

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coursebot/coursebot"
	"github.com/coursebot/coursebot/bot"
	"github.com/coursebot/coursebot/course"
	"github.com/coursebot/coursebot/lessons"
	"github.com/coursebot/coursebot/store"
	"github.com/coursebot/coursebot/tutor"
)

// Cohort is the simulated cohort, walked into a store.
type Cohort struct {
	Course *course.Course
	// Name is the cohort's ("spring"); Other the other cohort's
	// ("autumn"), whose one member is not in spring.
	Name, Other string
	// Plans are every simulated learner's: the 30 members first.
	Plans []*Plan
	// Fallbacks is how many tutor replies fell back to the course's text
	// (the model fails every FailEvery-th request).
	Fallbacks int
}

// FailEvery is how often the fixture's model fails (with a server error).
const FailEvery = 7

// Members are the plans of the cohort's accepted members.
func (c *Cohort) Members() []*Plan {
	var out []*Plan
	for _, p := range c.Plans {
		if p.Membership == Accepted {
			out = append(out, p)
		}
	}
	return out
}

// Build creates cohort "spring" (led by lead, a learner key) with the 30
// members and "autumn" with one, and walks every plan into db through
// the real engine and tutor, learners keyed on platform.
func Build(t testing.TB, db *store.DB, platform, lead string) *Cohort {
	t.Helper()
	ctx := context.Background()
	loaded := Course(t)
	c := &Cohort{Course: loaded, Name: "spring", Other: "autumn", Plans: Plans(loaded, platform)}
	for _, co := range []coursebot.Cohort{
		{Name: c.Name, Code: "springcode", Timezone: "Europe/Berlin", Leads: []string{lead}, Created: time.Date(2026, 11, 1, 9, 0, 0, 0, time.UTC), CreatedBy: lead},
		{Name: c.Other, Code: "autumncode", Timezone: "UTC", Created: time.Date(2026, 11, 1, 9, 0, 0, 0, time.UTC), CreatedBy: lead},
	} {
		if err := db.CreateCohort(ctx, co); err != nil {
			t.Fatalf("insighttest: %v", err)
		}
	}
	for _, p := range c.Plans {
		m := coursebot.Member{Cohort: c.Name, Learner: p.Key, Joined: p.Joined, Figures: p.Figures, Answers: p.Answers}
		switch p.Membership {
		case Invited:
			m.Pending, m.Invited, m.Joined, m.AddedBy = true, p.Joined, time.Time{}, lead
		case Other:
			m.Cohort = c.Other
		}
		if _, err := db.AddMember(ctx, m); err != nil {
			t.Fatalf("insighttest: %v", err)
		}
		if p.Membership == Left {
			if _, err := db.RemoveMember(ctx, c.Name, p.Key); err != nil {
				t.Fatalf("insighttest: %v", err)
			}
		}
	}
	// Learners walk side by side (their writes share the store's
	// commits), each worker with its own clock, engine and tutor; every
	// learner's own steps stay in order. The model is shared: which
	// replies fall back depends on the order, not what the figures test.
	m := &model{}
	jobs := make(chan *Plan)
	var wg sync.WaitGroup
	failed := make(chan error, workers)
	for range workers {
		clk := &Clock{}
		engine := lessons.NewEngine(loaded, db, lessons.EngineOptions{Now: clk.Now, Log: quiet})
		t.Cleanup(func() { _ = engine.Close() })
		tut, err := tutor.New(engine, tutor.Options{Model: m, ModelName: "insighttest", Store: db, Course: engine.Course, Search: engine, Clock: clk, Log: quiet})
		if err != nil {
			t.Fatalf("insighttest: %v", err)
		}
		d := &driver{h: bot.Settled(tut), clock: clk}
		wg.Add(1)
		go func() {
			defer wg.Done()
			for p := range jobs {
				if err := d.plan(loaded, p); err != nil {
					failed <- err
					for range jobs {
					}
					return
				}
			}
		}()
	}
	for _, p := range c.Plans {
		jobs <- p
	}
	close(jobs)
	wg.Wait()
	close(failed)
	if err := <-failed; err != nil {
		t.Fatalf("insighttest: %v", err)
	}
	c.Fallbacks = m.failed()
	return c
}

// workers is how many learners walk at once.
const workers = 8

var quiet = slog.New(slog.DiscardHandler)

// plan walks every lesson of p.
func (d *driver) plan(loaded *course.Course, p *Plan) error {
	who, _ := coursebot.ParseLearnerKey(p.Key)
	who.Name = p.Name
	for _, id := range []string{"1-1", "2-1", "4-4"} {
		if w := p.Walks[id]; w != nil {
			if err := d.walk(who, loaded.Lessons[id], w); err != nil {
				return err
			}
		}
	}
	return nil
}

// Clock is the fixture's clock: set by hand; AfterFunc never fires (no
// request times out).
type Clock struct {
	mu sync.Mutex
	t  time.Time
}

// Now returns the clock's time.
func (c *Clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }

// Set moves the clock to t.
func (c *Clock) Set(t time.Time) { c.mu.Lock(); c.t = t; c.mu.Unlock() }

// AfterFunc never calls f.
func (c *Clock) AfterFunc(time.Duration, func()) func() bool { return func() bool { return true } }

// model is the tutor's model: a fixed Socratic question, and a server
// error every FailEvery-th request.
type model struct {
	mu    sync.Mutex
	calls int
	fails int
}

func (m *model) Stream(_ context.Context, _ []tutor.Message, delta func(string) bool) (tutor.Reply, error) {
	m.mu.Lock()
	m.calls++
	fail := m.calls%FailEvery == 0
	if fail {
		m.fails++
	}
	m.mu.Unlock()
	if fail {
		return tutor.Reply{}, &tutor.ModelError{Cause: tutor.CauseServer, Err: errors.New("HTTP 503")}
	}
	text := "That is a fair start. What would change if the data changed tomorrow?"
	delta(text)
	return tutor.Reply{Text: text}, nil
}

func (m *model) failed() int { m.mu.Lock(); defer m.mu.Unlock(); return m.fails }

// driver sends one learner's messages at the plan's times.
type driver struct {
	h     bot.Handler
	clock *Clock
}

// send sends m from who at at; a refusal is an error (the plan asked for
// something the lesson does not allow).
func (d *driver) send(who coursebot.Learner, at time.Time, m bot.Message) error {
	d.clock.Set(at)
	m.Learner = who
	rs, err := d.h.Handle(context.Background(), m)
	if err != nil {
		return fmt.Errorf("%s at %s: %+v: %w", who.Key(), at.Format(time.RFC3339), m, err)
	}
	for _, r := range rs {
		if r.Refused {
			return fmt.Errorf("%s at %s: %+v was refused: %s", who.Key(), at.Format(time.RFC3339), m, said(r))
		}
	}
	return nil
}

func said(r bot.Reply) string {
	var parts []string
	for _, b := range r.Blocks {
		parts = append(parts, b.Text)
	}
	return strings.Join(parts, " / ")
}

func (d *driver) press(who coursebot.Learner, at time.Time, a bot.Action) error {
	return d.send(who, at, bot.Message{Kind: bot.KindAction, Action: a.Encode(), Lesson: a.Lesson})
}

// verbQuiz is the lesson engine's quiz action (lessons/quizplay.go).
const verbQuiz = "quiz"

// walk takes who through les as w says.
func (d *driver) walk(who coursebot.Learner, les *course.Lesson, w *Walk) error {
	var errs []error
	do := func(err error) { errs = append(errs, err) }
	do(d.send(who, w.Arrive[0], bot.Message{Kind: bot.KindCommand, Command: les.Command}))
	for i := 0; i <= w.Stop && errors.Join(errs...) == nil; i++ {
		at, card := w.Arrive[i], les.Cards[i]
		way := d.answerCard(who, at, les, card, w, do)
		d.mark(who, at, les, card, w, do)
		for range w.Stuck[i] {
			do(d.press(who, at, bot.Action{Verb: tutor.VerbStuck, Lesson: les.ID, At: card.Key}))
		}
		switch {
		case i < w.Stop:
			do(d.press(who, w.Arrive[i+1], bot.Action{Verb: way, Lesson: les.ID, At: card.Key}))
		case !w.Completed.IsZero():
			do(d.press(who, w.Completed, bot.Action{Verb: way, Lesson: les.ID, At: card.Key}))
		}
	}
	for _, id := range slices.Sorted(maps.Keys(w.Reviews)) {
		for n, r := range w.Reviews[id] {
			do(d.press(who, r.At, bot.Action{Verb: verbQuiz, Lesson: les.ID, At: "review." + strconv.Itoa(n+1), Item: id, Value: r.Answer}))
		}
	}
	return errors.Join(errs...)
}

// answerCard answers the question and quiz on card as w says, and returns
// the way on: Next, or Skip where w passes either over.
func (d *driver) answerCard(who coursebot.Learner, at time.Time, les *course.Lesson, card *course.Card, w *Walk, do func(error)) string {
	way := bot.VerbNext
	if q := card.Question(); q != nil {
		if a, ok := w.Answers[q.ID]; ok {
			do(d.send(who, at, bot.Message{Kind: bot.KindText, Text: a, Lesson: les.ID}))
		} else {
			way = bot.VerbSkip
		}
	}
	if q := card.Quiz(); q != nil {
		if a, ok := w.Quiz[q.ID]; ok {
			if a == "" {
				way = bot.VerbSkip
			} else {
				do(d.answer(who, at, les, card, q, a))
			}
		}
	}
	return way
}

// mark ticks and rates the items of card as w says.
func (d *driver) mark(who coursebot.Learner, at time.Time, les *course.Lesson, card *course.Card, w *Walk, do func(error)) {
	for _, b := range card.Blocks {
		for _, it := range b.Items {
			if b.Kind == course.Checklist && w.Ticks[it.ID] {
				do(d.press(who, at, bot.Action{Verb: bot.VerbCheck, Lesson: les.ID, Item: it.ID, Value: "1"}))
			}
			if r := w.Ratings[it.ID]; b.Kind == course.Rating && r > 0 {
				do(d.press(who, at, bot.Action{Verb: bot.VerbRate, Lesson: les.ID, Item: it.ID, Value: strconv.Itoa(r)}))
			}
		}
	}
}

// answer gives a quiz's first answer: its option's button, each option of
// a choose-all quiz ticked then checked, or the short answer typed.
func (d *driver) answer(who coursebot.Learner, at time.Time, les *course.Lesson, card *course.Card, q *course.QuizDef, a string) error {
	switch {
	case len(q.Options) == 0:
		return d.send(who, at, bot.Message{Kind: bot.KindText, Text: a, Lesson: les.ID})
	case q.Multi():
		for _, l := range a {
			if err := d.press(who, at, bot.Action{Verb: verbQuiz, Lesson: les.ID, At: card.Key, Item: q.ID, Value: "+" + string(l)}); err != nil {
				return err
			}
		}
		return d.press(who, at, bot.Action{Verb: verbQuiz, Lesson: les.ID, At: card.Key, Item: q.ID, Value: "="})
	}
	return d.press(who, at, bot.Action{Verb: verbQuiz, Lesson: les.ID, At: card.Key, Item: q.ID, Value: a})
}

// String describes the plan in one line, for failing tests.
func (p *Plan) String() string {
	var parts []string
	for _, id := range []string{"1-1", "2-1", "4-4"} {
		if w := p.Walks[id]; w != nil {
			parts = append(parts, fmt.Sprintf("%s: card %d%s", id, w.Stop+1, map[bool]string{true: " done", false: ""}[!w.Completed.IsZero()]))
		}
	}
	return fmt.Sprintf("%s (%s, %s): %s", p.Name, p.Key, p.Membership, strings.Join(parts, ", "))
}
