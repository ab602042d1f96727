package tutor

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/coursebot/coursebot"
	"github.com/coursebot/coursebot/bot"
	"github.com/coursebot/coursebot/course"
	"github.com/coursebot/coursebot/delivery"
)

// Roles of a coursebot.TutorTurn.
const (
	roleLearner = coursebot.RoleLearner
	roleTutor   = coursebot.RoleTutor
)

// maxExchanges bounds the exchanges kept per learner (oldest go first).
const maxExchanges = 100

// errTimedOut is the cause of a request cancelled by the timeout.
var errTimedOut = errors.New("no complete reply within the timeout")

// exchange is one tutor turn to produce.
type exchange struct {
	kind     string
	ts       course.TutorStep
	question string // help: the learner's question
	learner  string // the learner's text, stored as their turn
	answer   string // answer: the learner's saved answer (its key points)
	isNew    bool   // start a new exchange rather than continue the last
	system   string // the system prompt ("" = systemPrompt(kind, ts))
	// reply is the placeholder; block the index of the live block.
	reply bot.Reply
	block int
	// fallbackText is the course's fixed text for this turn ("" = drop the
	// block); fallback, when set, builds the whole fallback reply instead.
	fallbackText string
	fallback     func(ctx context.Context) bot.Reply
}

func (x exchange) matches(e *coursebot.TutorExchange) bool {
	switch x.kind {
	case kindAnswer:
		return e.Kind == kindAnswer && e.Lesson == x.ts.Lesson && e.Question == x.ts.Question.ID
	case kindStuck:
		return e.Kind == kindStuck && e.Lesson == x.ts.Lesson && isCard(x.ts, e.Card)
	}
	return e.Kind == x.kind
}

// isCard reports whether key names ts's card: its own key, or the key of a
// card merged into it since the exchange was kept.
func isCard(ts course.TutorStep, key string) bool {
	return key == ts.Card || slices.Contains(ts.CardAliases, key)
}

// lastExchange is the learner's latest exchange of kind about ts's question
// (answer) or card (stuck).
func lastExchange(rec coursebot.TutorRecord, kind string, ts course.TutorStep, question string) *coursebot.TutorExchange {
	for i := len(rec.Exchanges) - 1; i >= 0; i-- {
		e := &rec.Exchanges[i]
		if e.Kind != kind || e.Lesson != ts.Lesson {
			continue
		}
		if (kind == kindAnswer && e.Question == question) || (kind == kindStuck && isCard(ts, e.Card)) {
			return e
		}
	}
	return nil
}

func tutorTurns(e *coursebot.TutorExchange) int {
	n := 0
	for _, t := range e.Turns {
		if t.Role == roleTutor {
			n++
		}
	}
	return n
}

// errRedo ends a record update that found the item's turn already there:
// nothing is written.
var errRedo = errors.New("the item's turn is recorded already")

// itemKey is the idempotency key of the inbox item whose work ctx is (""
// outside one: the console, tools).
func itemKey(ctx context.Context) string {
	k, _ := delivery.KeyFrom(ctx)
	return k.ID()
}

// keyed finds the learner's turn carried by the inbox item key (e, at)
// and the index in e of the tutor's reply to it (-1 when there is none).
// A reply cut short by a shutdown (CauseCanceled) is no reply: the item
// stays in the inbox for the next start, which asks the model again.
func keyed(rec *coursebot.TutorRecord, key string) (e *coursebot.TutorExchange, at, reply int) {
	if key == "" {
		return nil, 0, -1
	}
	for i := len(rec.Exchanges) - 1; i >= 0; i-- {
		ex := &rec.Exchanges[i]
		at, reply = -1, -1
		for j, t := range ex.Turns {
			switch {
			case t.Key != key:
			case t.Role == roleLearner && at < 0:
				at = j
			case t.Role == roleTutor && t.Fallback != CauseCanceled:
				reply = j
			}
		}
		if at >= 0 {
			return ex, at, reply
		}
	}
	return nil, 0, -1
}

// converse records the learner's turn and spends one of the day's budget
// before it returns, so both survive a restart, then returns the
// placeholder whose Live asks the model. With the budget spent it returns
// the fallback at once, saying so the first time in the day.
//
// The same inbox item done again (after a crash, the inbox redoes it)
// finds its turn by the item's key: it spends nothing more, and where the
// tutor's reply was recorded it is given again without asking the model,
// through the same live placeholder so the adapter finds the messages it
// posted the first time instead of posting them again.
func (h *Handler) converse(ctx context.Context, who coursebot.Learner, x exchange) (bot.Reply, error) {
	// The tutor's turn on a card ends the way a tutor's turn does: the
	// learner may reply (see bot.Reply.AwaitsReply); /help is a one-off.
	x.reply.AwaitsReply = x.kind != kindHelp
	now := h.o.Clock.Now()
	day := now.UTC().Format("2006-01-02")
	key := itemKey(ctx)
	var refused, tell bool
	var turns []coursebot.TutorTurn
	var stored *coursebot.TutorTurn
	_, err := h.o.Store.UpdateTutor(ctx, who.Key(), func(rec *coursebot.TutorRecord) error {
		refused, tell, turns, stored = false, false, nil, nil
		if e, at, reply := keyed(rec, key); e != nil {
			turns = append([]coursebot.TutorTurn(nil), e.Turns[:at+1]...)
			if reply >= 0 {
				t := e.Turns[reply]
				stored = &t
			}
			return errRedo
		}
		if rec.Day != day {
			rec.Day, rec.Used, rec.Told = day, 0, false
		}
		e := exchangeFor(rec, x)
		e.Turns = append(e.Turns, coursebot.TutorTurn{Role: roleLearner, Text: x.learner, At: now, Key: key})
		if rec.Used >= h.o.DailyBudget {
			refused, tell = true, !rec.Told
			rec.Told = true
			e.Turns = append(e.Turns, coursebot.TutorTurn{Role: roleTutor, Text: x.fallbackText, At: now, Fallback: CauseBudget, Key: key})
			return nil
		}
		rec.Used++
		turns = append([]coursebot.TutorTurn(nil), e.Turns...)
		return nil
	})
	redo := errors.Is(err, errRedo)
	if err != nil && !redo {
		return bot.Reply{}, fmt.Errorf("tutor: %w", err)
	}
	if redo && stored != nil && stored.Fallback == CauseBudget {
		return h.fallbackReply(ctx, x), nil // as the first time, less the day's notice
	}
	if refused {
		h.o.Observer.Observe(Outcome{Kind: x.kind, Model: h.o.ModelName, Result: "budget", Cause: CauseBudget})
		r := h.fallbackReply(ctx, x)
		if tell {
			r.Blocks = append([]bot.Block{{Kind: bot.BlockMarkdown, Text: fmt.Sprintf(
				"You have had today's %d replies from the tutor; it is back tomorrow (UTC). Until then you get the course's own follow-ups.", h.o.DailyBudget)}}, r.Blocks...)
		}
		return r, nil
	}
	r := x.reply
	if stored != nil {
		r.Live = h.replay(x, *stored)
		return r, nil
	}
	system := x.system
	if system == "" {
		system = systemPrompt(x.kind, x.ts, x.answer)
	}
	msgs := conversation(system, turns)
	r.Live = &bot.Live{Block: x.block, Run: func(ctx context.Context, update func(string)) bot.Reply {
		return h.run(ctx, who, x, key, msgs, update)
	}}
	return r, nil
}

// run asks the model, passing the text on as it grows, and returns the
// finished reply: the model's, or the fallback when anything goes wrong.
func (h *Handler) run(parent context.Context, who coursebot.Learner, x exchange, key string, msgs []Message, update func(string)) bot.Reply {
	start := h.o.Clock.Now()
	ctx, cancel := context.WithCancelCause(parent)
	defer cancel(nil)
	stop := h.o.Clock.AfterFunc(h.o.Timeout, func() { cancel(errTimedOut) })
	defer stop()
	out := Outcome{Kind: x.kind, Model: h.o.ModelName, Result: "ok"}
	// The reply is read up to what can be shown, and no further: each
	// piece costs its own length, however much the server sends. The
	// output guard reads each piece before the learner sees it: the text
	// shown stops where a copy of the notes or the solution could be
	// starting, and a reply that carries one stops there and is not shown.
	watch := h.guard().Watch()
	runes, shown := 0, 0
	reply, err := h.o.Model.Stream(ctx, msgs, func(d string) bool {
		if runes == 0 {
			out.FirstToken = h.o.Clock.Now().Sub(start)
		}
		runes += utf8.RuneCountInString(d)
		if watch.Write(d) != nil || runes > MaxReplyChars {
			return false
		}
		if s := strings.TrimSpace(watch.Shown()); update != nil && ctx.Err() == nil && len(s) > shown {
			shown = len(s)
			update(s)
		}
		return true
	})
	text, usage := reply.Text, reply.Usage
	if leak := watch.End(); err == nil && leak != nil {
		err = &ModelError{Cause: leak.Cause(), Err: fmt.Errorf("the reply copied %d words or more of the course's %s", LeakWords, leak.Kind)}
	}
	if errors.Is(context.Cause(ctx), errTimedOut) {
		err = &ModelError{Cause: CauseTimeout, Err: errTimedOut}
	}
	out.Total = h.o.Clock.Now().Sub(start)
	out.TokensIn, out.TokensOut = usage.In, usage.Out
	text = clip(strings.TrimSpace(text), MaxReplyChars)
	// The turn is recorded even when the learner's request was cancelled:
	// what they were shown must be in their record.
	rctx := context.WithoutCancel(parent)
	var final bot.Reply
	turn := coursebot.TutorTurn{Role: roleTutor, Text: text, At: h.o.Clock.Now(), Key: key}
	if err != nil {
		out.Result, out.Cause = "fallback", causeOf(err)
		turn.Text, turn.Fallback = x.fallbackText, out.Cause
		// The cause and the error go to the log; the text never does.
		h.o.Log.Warn("tutor: fell back to the course's text", "kind", x.kind, "cause", out.Cause, "err", err)
		final = h.fallbackReply(rctx, x)
	} else {
		// The last words, held back while they could still have been a
		// copy, are shown now that the reply is complete.
		if update != nil && parent.Err() == nil && len(text) > shown {
			update(text)
		}
		final = x.reply.WithText(x.block, text)
	}
	final.Live = nil
	if _, err := h.o.Store.UpdateTutor(rctx, who.Key(), func(rec *coursebot.TutorRecord) error {
		recordTurn(rec, x, key, turn)
		return nil
	}); err != nil {
		h.o.Log.Error("tutor: record the tutor's turn", "err", err)
	}
	h.o.Observer.Observe(out)
	return final
}

// exchangeFor is the exchange of rec the learner's turn x belongs to: the
// latest one it continues, or a new one (the oldest dropped past
// maxExchanges).
func exchangeFor(rec *coursebot.TutorRecord, x exchange) *coursebot.TutorExchange {
	if !x.isNew {
		for i := len(rec.Exchanges) - 1; i >= 0; i-- {
			if x.matches(&rec.Exchanges[i]) {
				return &rec.Exchanges[i]
			}
		}
	}
	ne := coursebot.TutorExchange{Kind: x.kind, Lesson: x.ts.Lesson, Card: x.ts.Card}
	if x.kind == kindAnswer {
		ne.Question = x.ts.Question.ID
	}
	rec.Exchanges = append(rec.Exchanges, ne)
	if len(rec.Exchanges) > maxExchanges {
		rec.Exchanges = append([]coursebot.TutorExchange(nil), rec.Exchanges[len(rec.Exchanges)-maxExchanges:]...)
	}
	return &rec.Exchanges[len(rec.Exchanges)-1]
}

// replay gives a recorded reply again (an inbox item done again) without
// asking the model.
func (h *Handler) replay(x exchange, reply coursebot.TutorTurn) *bot.Live {
	return &bot.Live{Block: x.block, Run: func(ctx context.Context, _ func(string)) bot.Reply {
		if reply.Fallback != "" {
			return h.fallbackReply(ctx, x)
		}
		final := x.reply.WithText(x.block, reply.Text)
		final.Live = nil
		return final
	}}
}

// recordTurn records the tutor's turn after the learner's turn of the
// inbox item key: one a shutdown cut short is replaced, so the learner's
// turn has one reply. Without the item's turn it goes to the latest
// exchange x continues.
func recordTurn(rec *coursebot.TutorRecord, x exchange, key string, turn coursebot.TutorTurn) {
	if e, at, _ := keyed(rec, key); e != nil {
		for j := at + 1; j < len(e.Turns); j++ {
			if t := e.Turns[j]; t.Key == key && t.Role == roleTutor {
				e.Turns[j] = turn
				return
			}
		}
		e.Turns = append(e.Turns, turn)
		return
	}
	for i := len(rec.Exchanges) - 1; i >= 0; i-- {
		if x.matches(&rec.Exchanges[i]) {
			rec.Exchanges[i].Turns = append(rec.Exchanges[i].Turns, turn)
			return
		}
	}
}

// fallbackReply is the reply without the model: the course's fixed text in
// the live block (or no block when there is none).
func (h *Handler) fallbackReply(ctx context.Context, x exchange) bot.Reply {
	if x.fallback != nil {
		return x.fallback(ctx)
	}
	r := x.reply
	r.Live = nil
	if x.fallbackText != "" {
		return r.WithText(x.block, x.fallbackText)
	}
	blocks := append([]bot.Block(nil), r.Blocks[:x.block]...)
	r.Blocks = append(blocks, r.Blocks[x.block+1:]...)
	if len(r.Blocks) == 0 {
		r.Blocks = []bot.Block{{Kind: bot.BlockMarkdown, Text: "Your reply is saved. Press Next when you are ready to go on."}}
	}
	return r
}

// help answers /help QUESTION from the passages the course's search finds,
// citing them; with no passage it is the course's own answer (nothing
// matches), and the fallback is that answer too.
func (h *Handler) help(ctx context.Context, m bot.Message) ([]bot.Reply, error) {
	question := strings.TrimSpace(m.Args)
	passages, err := h.o.Search.Search(ctx, question, HelpPassages)
	if err != nil || len(passages) == 0 {
		// No passage (or no search): the course's own answer, which says
		// so; the model is not asked.
		return h.next.Handle(ctx, m)
	}
	var sources []string
	var buttons []bot.Button
	opened := map[string]bool{}
	for i, p := range passages {
		sources = append(sources, fmt.Sprintf("[%d] %s (/%s)", i+1, Cite(p), p.Command))
		if !opened[p.Lesson] {
			opened[p.Lesson] = true
			buttons = append(buttons, bot.Button{Label: "Open Lesson " + strings.Replace(p.Lesson, "-", ".", 1),
				Action: bot.Action{Verb: bot.VerbOpen, Lesson: p.Lesson}.Encode()})
		}
	}
	r := bot.Reply{Ephemeral: true, Title: "Help: " + clip(question, 60), Buttons: buttons, Blocks: []bot.Block{
		{Kind: bot.BlockMarkdown, Text: bot.Placeholder},
		{Kind: bot.BlockMarkdown, Text: "Read more:\n" + strings.Join(sources, "\n")},
	}}
	x := exchange{kind: kindHelp, question: question, learner: question, isNew: true, system: helpSystem(h.o.Course(), passages),
		reply: r, block: 0, fallbackText: "(the course's search results)",
		fallback: func(ctx context.Context) bot.Reply {
			replies, err := h.next.Handle(ctx, m)
			if err != nil || len(replies) == 0 {
				return bot.Reply{Ephemeral: true, Blocks: []bot.Block{{Kind: bot.BlockMarkdown, Text: "Sorry, the search failed; please try again."}}}
			}
			return replies[0]
		}}
	reply, err := h.converse(ctx, m.Learner, x)
	if err != nil {
		return nil, err
	}
	return []bot.Reply{reply}, nil
}
