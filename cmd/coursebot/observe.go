package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"regexp"
	"runtime/debug"
	"strconv"
	"strings"
	"time"

	"github.com/coursebot/coursebot"
	"github.com/coursebot/coursebot/bot"
	"github.com/coursebot/coursebot/internal/recovery"
	"github.com/coursebot/coursebot/lessons"
	"github.com/coursebot/coursebot/scheduler"
	"github.com/coursebot/coursebot/store"
)

// ---- request ids and learner ids in logs -----------------------------------

type ridKey struct{}

// patternKey holds a *string the mux's matched pattern is copied into:
// handlers in between (http.MaxBytesHandler) pass a copy of the request
// down, so the outer middleware cannot read r.Pattern itself.
type patternKey struct{}

// recordPattern copies the pattern the mux matched to the middleware.
func recordPattern(mux *http.ServeMux) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if p, ok := r.Context().Value(patternKey{}).(*string); ok {
				*p = r.Pattern
			}
		}()
		mux.ServeHTTP(w, r)
	})
}

// newRequestID returns 12 random hex characters.
func newRequestID() string {
	var b [6]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// requestID returns the id the HTTP middleware put on ctx, or "".
func requestID(ctx context.Context) string {
	id, _ := ctx.Value(ridKey{}).(string)
	return id
}

// ---- the engine, instrumented ----------------------------------------------

// observedHandler wraps the lesson engine: it counts and times every
// message and logs one line per message with a request id, the platform, the
// learner (as log.learner_ids says) and what was done, never what the
// learner wrote.
type observedHandler struct {
	next      bot.Handler
	m         *serveMetrics
	log       *slog.Logger
	learnerID func(string) string // the learner as the log names them (log.learner_ids)
	known     func(string) bool   // command names the course knows
	panics    *recovery.Panics    // a panic in the engine is recovered, counted and logged here
}

// errPanicked marks a message whose handling panicked (recovered).
var errPanicked = errors.New("handling the message panicked (recovered; see the panic log line)")

// handle is next.Handle with a panic recovered as errPanicked.
func (h *observedHandler) handle(ctx context.Context, msg bot.Message) (replies []bot.Reply, err error) {
	defer func() {
		if v := recover(); v != nil {
			h.panics.Report("handler", v)
			replies, err = nil, errPanicked
		}
	}()
	return h.next.Handle(ctx, msg)
}

var _ bot.Handler = (*observedHandler)(nil)

func (h *observedHandler) Handle(ctx context.Context, msg bot.Message) ([]bot.Reply, error) {
	start := time.Now()
	kind, name := "answer", ""
	switch msg.Kind {
	case bot.KindCommand:
		kind, name = "command", msg.Command // normalised by the adapter (bot.CommandName)
		if !h.known(name) {
			name = "other" // learners may type anything: keep labels bounded
		}
	case bot.KindAction:
		kind, name = "press", "other"
		if a, err := bot.ParseAction(msg.Action); err == nil && isWord(a.Verb) {
			name = a.Verb
		}
	}
	rid := requestID(ctx)
	if rid == "" {
		rid = newRequestID()
	}
	replies, err := h.handle(ctx, msg)
	took := time.Since(start)
	outcome := "ok"
	switch {
	case err != nil:
		outcome = "error"
	case refused(replies):
		outcome = "refused"
	}
	platform := msg.Learner.Platform
	h.m.Messages.WithLabelValues(platform, kind, name, outcome).Inc()
	h.m.HandleLatency.WithLabelValues(platform, kind).Observe(took.Seconds())
	args := []any{"rid", rid, "platform", platform, "learner", h.learnerID(msg.Learner.Key()), "kind", kind}
	if name != "" {
		args = append(args, "name", name)
	}
	if msg.Lesson != "" {
		args = append(args, "lesson", msg.Lesson)
	}
	args = append(args, "outcome", outcome, "took", took.Round(time.Microsecond))
	if err != nil {
		// The engine's errors name the operation and the learner key,
		// never the learner's text; log them with the key as configured.
		args = append(args, "err", strings.ReplaceAll(err.Error(), msg.Learner.Key(), h.learnerID(msg.Learner.Key())))
		h.log.Error("message failed", args...)
		if errors.Is(err, coursebot.ErrFault) || errors.Is(err, errPanicked) {
			// Our fault, not the learner's: say so, and that their
			// progress is safe (the adapter's generic sorry says less).
			return []bot.Reply{bot.FaultReply()}, nil
		}
	} else {
		h.log.Info("message", args...)
	}
	return replies, err
}

// refused reports whether the handler answered with a refusal only (the
// producers mark it: Reply.Refused), not whether a reply looks like one: a
// successful "/nudges off" is a short untitled notice too.
func refused(rs []bot.Reply) bool {
	for _, r := range rs {
		if !r.Refused {
			return false
		}
	}
	return len(rs) > 0
}

var wordRE = regexp.MustCompile(`^[a-z][a-z-]{0,15}$`)

func isWord(s string) bool { return wordRE.MatchString(s) }

// ---- the store, instrumented ------------------------------------------------

// observedStore times progress commits and counts lesson completions (a
// lesson whose Completed time is set by the update).
type observedStore struct {
	*store.DB
	m *serveMetrics
}

var _ lessons.Store = (*observedStore)(nil)

func (s *observedStore) UpdateProgress(ctx context.Context, learner, lesson string, fn func(*coursebot.LearnerRecord, *coursebot.Progress) error) (coursebot.LearnerRecord, coursebot.Progress, error) {
	var completed bool
	start := time.Now()
	rec, p, err := s.DB.UpdateProgress(ctx, learner, lesson, func(r *coursebot.LearnerRecord, p *coursebot.Progress) error {
		was := !p.Completed.IsZero()
		if err := fn(r, p); err != nil {
			return err
		}
		completed = !was && !p.Completed.IsZero()
		return nil
	})
	s.m.StoreCommit.Observe(time.Since(start).Seconds())
	if err == nil && completed {
		s.m.Completions.WithLabelValues(lesson).Inc()
	}
	return rec, p, err
}

// ---- platform API calls -----------------------------------------------------

// apiTransport counts the adapters' API calls by method and status.
type apiTransport struct {
	platform string
	next     http.RoundTripper
	m        *serveMetrics
}

func (t *apiTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	method := t.method(req)
	resp, err := t.next.RoundTrip(req)
	if err != nil {
		t.m.APICalls.WithLabelValues(t.platform, method, "error").Inc()
		t.m.APIErrors.WithLabelValues(t.platform, method).Inc()
		return nil, err
	}
	t.m.APICalls.WithLabelValues(t.platform, method, strconv.Itoa(resp.StatusCode)).Inc()
	if resp.StatusCode >= 400 {
		t.m.APIErrors.WithLabelValues(t.platform, method).Inc()
	}
	if resp.StatusCode == http.StatusTooManyRequests {
		t.m.RateLimitWaits.WithLabelValues(t.platform).Inc()
	}
	return resp, nil
}

var slackMethodRE = regexp.MustCompile(`^[a-zA-Z]+(\.[a-zA-Z]+)+$`)
var routeWordRE = regexp.MustCompile(`^(@?[a-z_-]{1,24}|v\d+)$`)

// method names the call without ids or tokens: Slack's Web API method
// ("chat.postMessage"; "response_url" for response URLs, whose path is a
// credential), Discord's verb and route with every id or token as ":id".
func (t *apiTransport) method(req *http.Request) string {
	segs := strings.Split(strings.Trim(req.URL.Path, "/"), "/")
	if t.platform == "slack" {
		if last := segs[len(segs)-1]; len(segs) >= 2 && segs[len(segs)-2] == "api" && slackMethodRE.MatchString(last) {
			return last
		}
		return "response_url"
	}
	if t.platform == "github" {
		return githubRoute(req.Method, segs)
	}
	for i, s := range segs {
		if !routeWordRE.MatchString(s) {
			segs[i] = ":id"
		}
	}
	return req.Method + " /" + strings.Join(segs, "/")
}

// githubRoute is a GitHub REST call's route without the learner's
// repository: "GET /repos/:owner/:repo/git/trees/:sha".
func githubRoute(method string, segs []string) string {
	for i, s := range segs {
		if s != "repos" {
			continue
		}
		out := append([]string{}, segs[i:]...)
		for j := 1; j < len(out) && j <= 2; j++ {
			out[j] = [...]string{"", ":owner", ":repo"}[j]
		}
		if len(out) > 5 && out[3] == "git" && out[4] == "trees" {
			out = append(out[:5], ":sha")
		}
		return method + " /" + strings.Join(out, "/")
	}
	return method + " /:other"
}

// apiClient is the HTTP client an adapter's API calls go through. Each of
// the delivery pipeline's workers may be in a call to the same API host at
// once, so it keeps an idle connection for each (Go's default keeps 2 per
// host): a busy bot reuses its connections instead of dialling, and with
// the real APIs handshaking TLS, for most calls.
func apiClient(platform string, timeout time.Duration, workers int, m *serveMetrics) *http.Client {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxIdleConnsPerHost = max(workers, 2)
	tr.MaxIdleConns = max(tr.MaxIdleConns, 2*workers)
	return &http.Client{Timeout: timeout, Transport: &apiTransport{platform: platform, next: tr, m: m}}
}

// ---- HTTP middleware --------------------------------------------------------

type statusWriter struct {
	http.ResponseWriter
	code  int
	bytes int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.code == 0 {
		w.code = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.code == 0 {
		w.code = http.StatusOK
	}
	n, err := w.ResponseWriter.Write(b)
	w.bytes += n
	return n, err
}

func (w *statusWriter) Flush() {
	if f, ok := w.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// observeHTTP gives every request an id (X-Request-Id), recovers a panic
// as a 500 with a log line, and counts, times and logs the request. Probe
// and scrape requests log at debug level.
func observeHTTP(next http.Handler, m *serveMetrics, log *slog.Logger) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		rid := newRequestID()
		w.Header().Set("X-Request-Id", rid)
		sw := &statusWriter{ResponseWriter: w}
		var pattern string
		ctx := context.WithValue(r.Context(), ridKey{}, rid)
		r = r.WithContext(context.WithValue(ctx, patternKey{}, &pattern))
		defer func() {
			if p := recover(); p != nil {
				if p == http.ErrAbortHandler {
					panic(p)
				}
				m.Panics.WithLabelValues("http").Inc()
				log.Error("panic serving request", "rid", rid, "method", r.Method, "path", r.URL.Path,
					"panic", fmt.Sprint(p), "stack", string(debug.Stack()))
				if sw.code == 0 {
					http.Error(sw, "internal error", http.StatusInternalServerError)
				}
			}
			route := pattern
			if route == "" {
				route = "unmatched"
			}
			code := sw.code
			if code == 0 {
				code = http.StatusOK
			}
			took := time.Since(start)
			m.HTTPLatency.WithLabelValues(route, strconv.Itoa(code)).Observe(took.Seconds())
			level := slog.LevelInfo
			switch {
			case code >= 500:
				level = slog.LevelError
			case code >= 400:
				level = slog.LevelWarn
			case route == "GET /healthz" || route == "GET /readyz" || route == "GET /metrics":
				level = slog.LevelDebug
			}
			log.Log(r.Context(), level, "http", "rid", rid, "method", r.Method, "path", r.URL.Path, "route", route,
				"status", code, "bytes", sw.bytes, "took", took.Round(time.Microsecond), "remote", r.RemoteAddr)
		}()
		next.ServeHTTP(sw, r)
	})
}

// ---- scheduled deliveries ---------------------------------------------------

// countedSender counts the scheduler's direct messages by result.
type countedSender struct {
	next bot.Sender
	m    *serveMetrics
}

func (s countedSender) Send(ctx context.Context, to coursebot.Learner, replies []bot.Reply) error {
	err := s.next.Send(ctx, to, replies)
	s.m.SchedulerDeliveries.WithLabelValues("dm", result(err)).Inc()
	return err
}

// countedChannel counts the scheduler's channel posts by result.
type countedChannel struct {
	next scheduler.ChannelSender
	m    *serveMetrics
}

func (s countedChannel) SendChannel(ctx context.Context, channel string, replies []bot.Reply) error {
	err := s.next.SendChannel(ctx, channel, replies)
	s.m.SchedulerDeliveries.WithLabelValues("channel", result(err)).Inc()
	return err
}

func result(err error) string {
	if err != nil {
		return "error"
	}
	return "sent"
}

// countedSenders wraps the scheduler's senders so its deliveries show in
// coursebot_scheduler_deliveries_total{kind="dm"|"channel",status}.
func countedSenders(m *serveMetrics, dms map[string]bot.Sender, chans map[string]scheduler.ChannelSender) (map[string]bot.Sender, map[string]scheduler.ChannelSender) {
	d, c := make(map[string]bot.Sender, len(dms)), make(map[string]scheduler.ChannelSender, len(chans))
	for k, v := range dms {
		d[k] = countedSender{next: v, m: m}
	}
	for k, v := range chans {
		c[k] = countedChannel{next: v, m: m}
	}
	return d, c
}
