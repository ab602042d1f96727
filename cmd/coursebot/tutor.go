package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/coursebot/coursebot"
	"github.com/coursebot/coursebot/bot"
	"github.com/coursebot/coursebot/config"
	"github.com/coursebot/coursebot/course"
	"github.com/coursebot/coursebot/lessons"
	"github.com/coursebot/coursebot/store"
	"github.com/coursebot/coursebot/tutor"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/common/expfmt"
)

// newTutor is the AI tutor in front of next (the engine) when
// tutor.enabled; else nil, and the course works exactly as without it.
func newTutor(cfg config.Config, next bot.Handler, engine *lessons.Engine, db tutor.Store, log *slog.Logger, obs tutor.Observer) (*tutor.Handler, error) {
	if !cfg.Tutor.Enabled {
		return nil, nil
	}
	return buildTutor(cfg, next, engine, db, log, obs)
}

// tutorClient is the tutor's model as the config names it.
func tutorClient(cfg config.Config) *tutor.Client {
	t := cfg.Tutor
	return tutor.NewClient(tutor.ClientOptions{BaseURL: t.BaseURL, Model: t.Model, APIKey: cfg.Secrets.TutorAPIKey.Reveal(),
		MaxTokens: t.MaxTokens, TokenParam: t.TokenParam, Headers: t.Headers})
}

func buildTutor(cfg config.Config, next bot.Handler, engine *lessons.Engine, db tutor.Store, log *slog.Logger, obs tutor.Observer) (*tutor.Handler, error) {
	t := cfg.Tutor
	h, err := tutor.New(next, tutor.Options{
		Model: tutorClient(cfg), ModelName: t.Model, Store: db, Course: engine.Course, Search: engine,
		Timeout: t.Timeout, MaxTurns: t.MaxTurns, DailyBudget: t.DailyBudget,
		Observer: obs, Log: log.With("component", "tutor"),
	})
	if err != nil {
		return nil, fmt.Errorf("tutor: %w", err)
	}
	return h, nil
}

// tutorMetrics counts the tutor's requests for /metrics. It sees no text.
type tutorMetrics struct {
	requests   *prometheus.CounterVec   // kind, outcome
	firstToken *prometheus.HistogramVec // model
	completion *prometheus.HistogramVec // model
	tokens     *prometheus.CounterVec   // model, direction
	fallbacks  *prometheus.CounterVec   // cause
	budget     prometheus.Counter
}

// tutorBuckets are upper bounds in seconds for a model's latency: local
// models on a CPU take seconds, not milliseconds.
func tutorBuckets() []float64 { return []float64{.1, .25, .5, 1, 2, 4, 8, 15, 30, 60} }

func newTutorMetrics(reg prometheus.Registerer) *tutorMetrics {
	f := factory{reg}
	hist := func(name, help string) *prometheus.HistogramVec {
		h := prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: name, Help: help, Buckets: tutorBuckets()}, []string{"model"})
		reg.MustRegister(h)
		return h
	}
	budget := prometheus.NewCounter(prometheus.CounterOpts{Name: "coursebot_tutor_budget_refusals_total",
		Help: "Tutor replies refused because the learner's daily budget was spent."})
	reg.MustRegister(budget)
	m := &tutorMetrics{
		requests: f.counter("coursebot_tutor_requests_total",
			"Tutor replies by kind (answer, stuck, help) and outcome: ok (the model's), fallback (the course's text) or budget (the learner's daily budget was spent).", "kind", "outcome"),
		firstToken: hist("coursebot_tutor_first_token_seconds", "Time from the request to the model's first piece of text."),
		completion: hist("coursebot_tutor_completion_seconds", "Time from the request to the finished reply (or the fallback)."),
		tokens:     f.counter("coursebot_tutor_tokens_total", "Tokens the model server counted, by direction (in: prompt, out: reply).", "model", "direction"),
		fallbacks: f.counter("coursebot_tutor_fallbacks_total",
			"Replies that fell back to the course's text, by cause (timeout, rate_limited, server_error, refused, unreachable, garbage, empty, canceled; leaked_notes, leaked_solution, leaked_prompt: the output guard kept the reply from the learner).", "cause"),
		budget: budget,
	}
	for _, c := range []string{tutor.CauseTimeout, tutor.CauseRateLimited, tutor.CauseServer, tutor.CauseRefused, tutor.CauseUnreachable, tutor.CauseGarbage, tutor.CauseEmpty,
		tutor.CauseLeakedNotes, tutor.CauseLeakedSolution, tutor.CauseLeakedPrompt} {
		m.fallbacks.WithLabelValues(c)
	}
	return m
}

// Observe implements tutor.Observer.
func (m *tutorMetrics) Observe(o tutor.Outcome) {
	m.requests.WithLabelValues(o.Kind, o.Result).Inc()
	switch o.Result {
	case "budget":
		m.budget.Inc()
		return
	case "fallback":
		m.fallbacks.WithLabelValues(o.Cause).Inc()
	}
	if o.FirstToken > 0 {
		m.firstToken.WithLabelValues(o.Model).Observe(o.FirstToken.Seconds())
	}
	m.completion.WithLabelValues(o.Model).Observe(o.Total.Seconds())
	m.tokens.WithLabelValues(o.Model, "in").Add(float64(max(o.TokensIn, 0)))
	m.tokens.WithLabelValues(o.Model, "out").Add(float64(max(o.TokensOut, 0)))
}

// writeMetrics writes reg's metrics in the Prometheus text format.
func writeMetrics(w io.Writer, reg prometheus.Gatherer) error {
	mfs, err := reg.Gather()
	if err != nil {
		return fmt.Errorf("gather metrics: %w", err)
	}
	enc := expfmt.NewEncoder(w, expfmt.NewFormat(expfmt.TypeTextPlain))
	for _, mf := range mfs {
		if err := enc.Encode(mf); err != nil {
			return fmt.Errorf("write metrics: %w", err)
		}
	}
	return nil
}

// runTutor is `coursebot tutor try` and `coursebot tutor eval`.
func runTutor(ctx context.Context, args []string, stdout io.Writer, env func(string) string) error {
	switch {
	case len(args) > 0 && args[0] == "try":
		return runTutorTry(ctx, args, stdout, env)
	case len(args) > 0 && args[0] == "eval":
		return runTutorEval(ctx, args[1:], stdout, env)
	}
	return usagef("tutor: want `coursebot tutor try --lesson 4-4 --answers FILE` or `coursebot tutor eval [--cases FILE] [--json]`")
}

// tryFlags are the flags of `coursebot tutor try`.
type tryFlags struct {
	set                    settings
	lesson, answers, stuck string
	asks                   []string
	metrics                bool
}

func parseTryFlags(args []string) (tryFlags, error) {
	fs := flags("tutor try")
	f := tryFlags{set: settingsFlags(fs, true)}
	fs.StringVar(&f.lesson, "lesson", "4-4", "lesson id")
	fs.StringVar(&f.answers, "answers", "", "file with one canned answer per line, in question order (# starts a comment)")
	fs.StringVar(&f.stuck, "stuck", "", "on every capstone card, press I'm stuck; with text other than \"-\", reply it to the tutor's first answer")
	fs.Func("ask", "a /help question to ask the tutor after the lesson (repeatable)", func(q string) error {
		if strings.TrimSpace(q) == "" {
			return errors.New("an empty question")
		}
		f.asks = append(f.asks, q)
		return nil
	})
	fs.BoolVar(&f.metrics, "metrics", false, "print the tutor's /metrics lines at the end")
	if err := parse(fs, args[1:]); err != nil {
		return f, err
	}
	if (f.answers == "" && f.stuck == "" && len(f.asks) == 0) || fs.NArg() > 0 {
		return f, usagef("tutor try: want --answers FILE, --stuck TEXT|- or --ask QUESTION (and no other argument)")
	}
	return f, nil
}

// runTutorTry is `coursebot tutor try`: the configured tutor over a
// scratch database (trying it never touches learners' data), taking one
// lesson with canned answers and printing each reply as it streams.
func runTutorTry(ctx context.Context, args []string, stdout io.Writer, env func(string) string) (err error) {
	f, err := parseTryFlags(args)
	if err != nil {
		return err
	}
	cfg, err := f.set.load(env)
	if err != nil {
		return err
	}
	var canned []string
	if f.answers != "" {
		if canned, err = readAnswers(f.answers); err != nil {
			return err
		}
	}
	loaded, err := loadCourse(cfg.Course.Dir)
	if err != nil {
		return err
	}
	les, ok := loaded.Lessons[f.lesson]
	if !ok {
		return fmt.Errorf("tutor try: lesson %q is not installed", f.lesson)
	}
	dir, err := os.MkdirTemp("", "coursebot-tutor-try-")
	if err != nil {
		return fmt.Errorf("tutor try: %w", err)
	}
	defer func() {
		if rerr := os.RemoveAll(dir); rerr != nil && err == nil {
			err = fmt.Errorf("tutor try: remove the scratch database: %w", rerr)
		}
	}()
	db, err := store.Open(filepath.Join(dir, "try.db"), store.Options{LockTimeout: time.Second})
	if err != nil {
		return fmt.Errorf("tutor try: %w", err)
	}
	defer closeInto(&err, db, "the scratch database")
	engine := lessons.NewEngine(loaded, db, lessons.EngineOptions{Log: discardLogger()})
	reg := prometheus.NewRegistry()
	obs := &lastOutcome{next: newTutorMetrics(reg)}
	cfg.Tutor.DailyBudget = 100000 // an author's review is not a learner's day
	h, err := buildTutor(cfg, engine, engine, db, discardLogger(), obs)
	if err != nil {
		return err
	}
	// Writes to stdout go through out, which keeps the first failure;
	// it becomes the command's error.
	out := &stickyWriter{w: stdout}
	defer func() {
		if out.err != nil && err == nil {
			err = fmt.Errorf("tutor try: write output: %w", out.err)
		}
	}()
	who := coursebot.Learner{Platform: "console", UserID: "tutor-try"}
	tt := &tutorTry{ctx: ctx, out: out, obs: obs, send: func(m bot.Message) ([]bot.Reply, error) {
		m.Learner = who
		return h.Handle(ctx, m)
	}}
	_, _ = fmt.Fprintf(out, "Lesson %s with %s at %s\n", les.ID, cfg.Tutor.Model, cfg.Tutor.BaseURL)
	if err := tt.lesson(loaded, les, canned, f.stuck); err != nil {
		return err
	}
	if err := tt.ask(course.HelpCommand(loaded), f.asks); err != nil {
		return err
	}
	if f.metrics {
		_, _ = fmt.Fprintln(out)
		return writeMetrics(out, reg)
	}
	return nil
}

// tutorTry is one `tutor try` run: it sends as its learner and prints the
// tutor's replies on out.
type tutorTry struct {
	ctx  context.Context
	out  io.Writer
	obs  *lastOutcome
	send func(bot.Message) ([]bot.Reply, error)
}

// lesson takes les card by card: the canned answers to its questions in
// order (a question past them is skipped), and "I'm stuck" on capstone
// cards when stuck is set.
func (tt *tutorTry) lesson(loaded *course.Course, les *course.Lesson, canned []string, stuck string) error {
	if _, err := tt.send(bot.Message{Kind: bot.KindCommand, Command: les.Command}); err != nil {
		return err
	}
	n := 0
	for _, c := range les.Cards {
		q := c.Question()
		answered := false
		if q != nil && n < len(canned) {
			answered = true
			_, _ = fmt.Fprintf(tt.out, "\nCard %d: %s\nQuestion: %s\nAnswer: %s\nTutor: ", c.Index+1, c.Title, q.Prompt, canned[n])
			replies, err := tt.send(bot.Message{Kind: bot.KindText, Text: canned[n], Lesson: les.ID})
			if err != nil {
				return err
			}
			n++
			printTry(tt.ctx, tt.out, replies, tt.obs)
		}
		if ts, ok := course.TutorStepOf(loaded, les.ID, c.Key); ok && ts.Capstone && stuck != "" {
			if err := tryStuck(tt.ctx, tt.out, tt.send, tt.obs, ts, stuck); err != nil {
				return err
			}
		}
		verb := bot.VerbNext
		if q != nil && !answered {
			verb = bot.VerbSkip
		}
		if _, err := tt.send(bot.Message{Kind: bot.KindAction, Action: bot.Action{Verb: verb, Lesson: les.ID, At: c.Key}.Encode()}); err != nil {
			return err
		}
	}
	if n < len(canned) {
		_, _ = fmt.Fprintf(tt.out, "\n(%d answers left over: the lesson has %d questions)\n", len(canned)-n, n)
	}
	return nil
}

// ask asks the course's help command each of asks, printing the replies.
func (tt *tutorTry) ask(help string, asks []string) error {
	for _, q := range asks {
		_, _ = fmt.Fprintf(tt.out, "\n/%s %s\nTutor: ", help, q)
		if help == "" {
			_, _ = fmt.Fprintln(tt.out, "(the course has no help command)")
			continue
		}
		replies, err := tt.send(bot.Message{Kind: bot.KindCommand, Command: help, Args: q})
		if err != nil {
			return err
		}
		printTry(tt.ctx, tt.out, replies, tt.obs)
	}
	return nil
}

// tryStuck presses "I'm stuck" on a capstone card and prints the tutor's
// reply; then, unless text is "-", sends text as the learner's reply.
func tryStuck(ctx context.Context, w io.Writer, send func(bot.Message) ([]bot.Reply, error), obs *lastOutcome, ts course.TutorStep, text string) error {
	_, _ = fmt.Fprintf(w, "\nCard %d: %s\nI'm stuck\nTutor: ", ts.CardIndex+1, ts.CardTitle)
	replies, err := send(bot.Message{Kind: bot.KindAction, Action: bot.Action{Verb: tutor.VerbStuck, Lesson: ts.Lesson, At: ts.Card}.Encode(), Lesson: ts.Lesson})
	if err != nil {
		return err
	}
	printTry(ctx, w, replies, obs)
	if text == "-" {
		return nil
	}
	_, _ = fmt.Fprintf(w, "Reply: %s\nTutor: ", text)
	if replies, err = send(bot.Message{Kind: bot.KindText, Text: text, Lesson: ts.Lesson}); err != nil {
		return err
	}
	printTry(ctx, w, replies, obs)
	return nil
}

// printTry prints the tutor's reply as it streams, and says when it fell
// back. w is runTutor's stickyWriter: a failed write is reported there.
func printTry(ctx context.Context, w io.Writer, replies []bot.Reply, obs *lastOutcome) {
	for _, r := range replies {
		if r.Live == nil {
			_, _ = fmt.Fprintf(w, "(no tutor reply) %s\n", replyText(r))
			continue
		}
		printed := ""
		final := r.Live.Run(ctx, func(text string) {
			if strings.HasPrefix(text, printed) {
				_, _ = fmt.Fprint(w, text[len(printed):])
				printed = text
			}
		})
		o := obs.get()
		if o.Result != "ok" {
			text := "(none)"
			if r.Live.Block < len(final.Blocks) && final.Blocks[r.Live.Block].Text != bot.Placeholder {
				text = final.Blocks[r.Live.Block].Text
			}
			_, _ = fmt.Fprintf(w, "\n[fell back: %s] %s", o.Cause, text)
		}
		_, _ = fmt.Fprintf(w, "\n[%s · first token %s · %s · tokens in %d out %d]\n", o.Result, o.FirstToken.Round(time.Millisecond), o.Total.Round(time.Millisecond), o.TokensIn, o.TokensOut)
	}
}

func replyText(r bot.Reply) string {
	var parts []string
	for _, b := range r.Blocks {
		parts = append(parts, b.Text)
	}
	return strings.Join(parts, " ")
}

// lastOutcome remembers the last outcome for `tutor try` and passes it on.
type lastOutcome struct {
	mu   sync.Mutex
	last tutor.Outcome
	next tutor.Observer
}

func (l *lastOutcome) Observe(o tutor.Outcome) {
	l.mu.Lock()
	l.last = o
	l.mu.Unlock()
	l.next.Observe(o)
}

func (l *lastOutcome) get() tutor.Outcome {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.last
}

// readAnswers reads one answer per line; blank lines and lines starting
// with # are skipped.
func readAnswers(path string) ([]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("tutor try: %w", err)
	}
	defer func() { _ = f.Close() }() // read-only
	var out []string
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64*1024), 1<<20)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		out = append(out, line)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("tutor try: read %s: %w", path, err)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("tutor try: %s has no answers (one per line)", path)
	}
	return out, nil
}

// stickyWriter keeps the first failed write and drops what comes after it,
// so a command can write freely and check once at the end.
type stickyWriter struct {
	w   io.Writer
	err error
}

func (s *stickyWriter) Write(p []byte) (int, error) {
	if s.err != nil {
		return 0, s.err
	}
	n, err := s.w.Write(p)
	s.err = err
	return n, err
}
