package ratelimittest

import (
	"fmt"
	"hash/fnv"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/coursebot/coursebot/ratelimit"
)

// DiscordRoute is a route's budget per major parameter (the channel,
// guild or webhook it names): Limit calls per window of Per.
type DiscordRoute struct {
	Limit int
	Per   time.Duration
}

// DiscordLimits are the fake Discord's limits.
type DiscordLimits struct {
	// GlobalPerSecond is the bot's global budget (Discord: 50 a second),
	// GlobalBurst how many of it may go at once (50: a second's worth).
	// Interaction routes (/interactions, /webhooks) do not count.
	GlobalPerSecond, GlobalBurst int
	// Route is every route's budget unless Routes names it. Discord does
	// not publish route budgets, only announces them in headers; 5 per 5
	// seconds per channel is what bots observe for message creates and
	// edits, and the fake assumes it for every route.
	Route DiscordRoute
	// Routes override Route by route, as "POST /channels/{id}/threads".
	Routes map[string]DiscordRoute
}

// DefaultDiscord is the fake's Discord: see DiscordLimits.
func DefaultDiscord() DiscordLimits {
	return DiscordLimits{GlobalPerSecond: 50, GlobalBurst: 50, Route: DiscordRoute{Limit: 5, Per: 5 * time.Second}}
}

// Discord is a gate for a fake Discord REST API: the global budget and a
// fixed window per route and major parameter, announced on every answer
// in X-RateLimit-Limit, -Remaining, -Reset, -Reset-After and -Bucket, as
// Discord does. Over a limit it answers HTTP 429 with Retry-After and the
// JSON {message, retry_after, global}, and the call has no effect.
type Discord struct {
	clock  ratelimit.Clock
	limits DiscordLimits
	prefix string

	mu      sync.Mutex
	global  *tokens
	windows map[string]*window
	counts
}

type window struct {
	used  int
	reset time.Time
}

// NewDiscord returns a gate enforcing limits (DefaultDiscord for zero
// fields) on clock, for API paths under prefix ("/api/v10").
func NewDiscord(limits DiscordLimits, clock ratelimit.Clock, prefix string) *Discord {
	d := DefaultDiscord()
	if limits.GlobalPerSecond <= 0 {
		limits.GlobalPerSecond = d.GlobalPerSecond
	}
	if limits.GlobalBurst <= 0 {
		limits.GlobalBurst = d.GlobalBurst
	}
	if limits.Route.Limit <= 0 || limits.Route.Per <= 0 {
		limits.Route = d.Route
	}
	return &Discord{clock: clock, limits: limits, prefix: prefix, windows: map[string]*window{}, counts: newCounts(),
		global: newTokens(limits.GlobalPerSecond, time.Second, limits.GlobalBurst, clock.Now())}
}

// Stats are the calls and 429s so far, by route.
func (g *Discord) Stats() Stats { return g.stats() }

// OnCall, when set, is told of every call the gate sees (after its
// verdict), outside the gate's lock.
func (g *Discord) OnCall(f func(route string, refused bool)) {
	g.counts.mu.Lock()
	g.listen = f
	g.counts.mu.Unlock()
}

// Wrap returns next behind the gate, for requests under the prefix.
func (g *Discord) Wrap(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		path, ok := strings.CutPrefix(r.URL.Path, g.prefix)
		if !ok {
			next.ServeHTTP(w, r)
			return
		}
		route, major := discordRoute(r.Method, path)
		h, ok := g.admit(route, major)
		for k, v := range h.headers {
			w.Header().Set(k, v)
		}
		if !ok {
			g.note(route, true)
			w.Header().Set("Retry-After", strconv.Itoa(ceilSeconds(h.wait)))
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusTooManyRequests)
			_, _ = fmt.Fprintf(w, `{"message":"You are being rate limited.","retry_after":%.3f,"global":%v}`, h.wait.Seconds(), h.global)
			return
		}
		g.note(route, false)
		next.ServeHTTP(w, r)
	})
}

type verdict struct {
	headers map[string]string
	wait    time.Duration
	global  bool
}

func (g *Discord) admit(route, major string) (verdict, bool) {
	g.mu.Lock()
	defer g.mu.Unlock()
	now := g.clock.Now()
	budget, ok := g.limits.Routes[route]
	if !ok {
		budget = g.limits.Route
	}
	key := route + " " + major
	win := g.windows[key]
	if win == nil || !now.Before(win.reset) {
		win = &window{reset: now.Add(budget.Per)}
		g.windows[key] = win
	}
	hash := fnv.New64a()
	_, _ = hash.Write([]byte(route)) // never fails
	v := verdict{headers: map[string]string{
		"X-RateLimit-Limit":  strconv.Itoa(budget.Limit),
		"X-RateLimit-Bucket": strconv.FormatUint(hash.Sum64(), 16),
	}}
	left := win.reset.Sub(now)
	setWindow := func(remaining int) {
		v.headers["X-RateLimit-Remaining"] = strconv.Itoa(remaining)
		v.headers["X-RateLimit-Reset-After"] = strconv.FormatFloat(left.Seconds(), 'f', 3, 64)
		v.headers["X-RateLimit-Reset"] = strconv.FormatFloat(float64(win.reset.UnixMilli())/1000, 'f', 3, 64)
	}
	if win.used >= budget.Limit {
		setWindow(0)
		v.headers["X-RateLimit-Scope"] = "user"
		v.wait = left
		return v, false
	}
	if !strings.HasPrefix(route, "POST /interactions/") && !strings.Contains(route, " /webhooks/") {
		if ok, wait := g.global.take(now); !ok {
			v = verdict{headers: map[string]string{"X-RateLimit-Global": "true", "X-RateLimit-Scope": "global"}, wait: wait, global: true}
			return v, false
		}
	}
	win.used++
	setWindow(budget.Limit - win.used)
	return v, true
}

// discordRoute is a REST path's route, with the major parameter (the id
// after channels/ or guilds/; the id and token after webhooks/ or
// interactions/) kept apart and every other id as {id}.
func discordRoute(method, path string) (route, major string) {
	parts := strings.Split(strings.Trim(path, "/"), "/")
	var majors []string
	keep := 0 // how many following segments are major parameters
	for i, p := range parts {
		switch {
		case keep > 0:
			majors = append(majors, p)
			parts[i] = "{id}"
			keep--
		case p == "channels" || p == "guilds":
			keep = 1
		case p == "webhooks" || p == "interactions":
			keep = 2
		case i > 0 && parts[i-1] == "reactions":
			parts[i] = "{emoji}"
		case p != "" && strings.Trim(p, "0123456789") == "":
			parts[i] = "{id}"
		}
	}
	return method + " /" + strings.Join(parts, "/"), strings.Join(majors, "/")
}
