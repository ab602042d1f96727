package ratelimit

import (
	"encoding/json"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// DiscordLimits are Discord's limits for one bot token. Besides the
// global budget, Discord limits each route (and each channel, guild or
// webhook the route names) by budgets it announces in every answer's
// X-RateLimit-* headers; the Transport learns them from there.
type DiscordLimits struct {
	// GlobalPerSecond is the bot's budget across all routes: 50 requests
	// a second. Interaction responses and follow-ups (the /interactions
	// and /webhooks routes) do not count against it.
	GlobalPerSecond int
	// Burst is how many requests may go at once out of the global budget
	// (10).
	Burst int
}

// DefaultDiscord is Discord's documented limits (see DiscordLimits).
func DefaultDiscord() DiscordLimits { return DiscordLimits{GlobalPerSecond: 50, Burst: 10} }

func (d DiscordLimits) withDefaults() DiscordLimits {
	def := DefaultDiscord()
	if d.GlobalPerSecond <= 0 {
		d.GlobalPerSecond = def.GlobalPerSecond
	}
	if d.Burst <= 0 {
		d.Burst = def.Burst
	}
	return d
}

// NewDiscord returns a Transport that paces the REST calls under apiURL
// (the base with the version, ending in "/") by the global budget in
// limits and by each route's announced budget. It takes the X-RateLimit-*
// headers out of the answers it has read, so that discordgo's own limiter
// (which sleeps ignoring contexts) never acts: this one does.
func NewDiscord(apiURL string, limits DiscordLimits, o Options) *Transport {
	return o.transport(&discordPolicy{base: apiURL, limits: limits.withDefaults()})
}

type discordPolicy struct {
	base   string
	limits DiscordLimits
}

// discordCall is what answered needs about a call.
type discordCall struct {
	route, major string
	bucket       string // the name of the route's budget
	global       bool   // the call counted against the global budget
}

var snowflake = regexp.MustCompile(`^[0-9]{5,}$`)

// route turns a REST path into its route ("POST /channels/{id}/messages")
// and its major parameters (the channel, guild, or webhook id and token
// the route names), which Discord's buckets are kept per.
func route(method, path string) (r, major string) {
	segs := strings.Split(strings.Trim(path, "/"), "/")
	var majors []string
	for i := 0; i < len(segs); i++ {
		s := segs[i]
		prev := ""
		if i > 0 {
			prev = segs[i-1]
		}
		switch {
		case prev == "channels" || prev == "guilds":
			majors = append(majors, s)
			segs[i] = "{id}"
		case prev == "webhooks" || prev == "interactions":
			majors = append(majors, s)
			segs[i] = "{id}"
			if i+1 < len(segs) {
				majors = append(majors, segs[i+1])
				segs[i+1] = "{token}"
				i++
			}
		case snowflake.MatchString(s):
			segs[i] = "{id}"
		case prev == "reactions":
			segs[i] = "{emoji}"
		}
	}
	return method + " /" + strings.Join(segs, "/"), strings.Join(majors, "/")
}

func (p *discordPolicy) classify(req *http.Request) (call, bool) {
	u := req.URL.String()
	if !strings.HasPrefix(u, p.base) {
		return call{}, false
	}
	path, _, _ := strings.Cut(strings.TrimPrefix(u, p.base), "?")
	r, major := route(req.Method, path)
	// A budget per route and major parameter, named by the route, not by
	// the bucket hash Discord announces: a name that changed when the
	// first answer told the hash would leave the calls queued under the
	// old name in a second budget beside the learned one, and together
	// they overran the route (a 429 in 1 of 15 runs of
	// TestDiscordLearnsRouteBudgetsFromHeaders). Routes that share one of
	// Discord's buckets are paced apart; a 429 on them is honoured.
	dc := &discordCall{route: r, major: major, bucket: "discord route " + r + " " + major}
	keys := []Key{{Name: dc.bucket}}
	// Interaction responses and follow-ups are not held to the global
	// budget.
	if !strings.HasPrefix(r, req.Method+" /interactions/") && !strings.HasPrefix(r, req.Method+" /webhooks/") {
		dc.global = true
		keys = append(keys, Key{Name: "discord global", Rule: PerSecond(p.limits.GlobalPerSecond, p.limits.Burst)})
	}
	return call{method: r, keys: keys, state: dc}, true
}

func (p *discordPolicy) keysFor(string) ([]Key, bool) { return nil, false }

// answered learns the route's budget from the X-RateLimit-* headers and,
// on a 429, pauses the route's budget (or the global one, when Discord
// says so) for retry_after. The headers are then removed (see NewDiscord).
func (p *discordPolicy) answered(l *Limiter, c call, resp *http.Response) *http.Response {
	dc := c.state.(*discordCall)
	h := resp.Header
	name := dc.bucket
	limit, errL := strconv.Atoi(h.Get("X-RateLimit-Limit"))
	remaining, errR := strconv.Atoi(h.Get("X-RateLimit-Remaining"))
	after, errA := strconv.ParseFloat(h.Get("X-RateLimit-Reset-After"), 64)
	switch {
	case errL == nil && errR == nil && errA == nil:
		l.Learn(name, limit, remaining, seconds(after))
	case resp.StatusCode < 400:
		l.Unlimited(name) // a route Discord does not limit on its own
	}
	if resp.StatusCode == http.StatusTooManyRequests {
		var body struct {
			RetryAfter float64 `json:"retry_after"`
			Global     bool    `json:"global"`
		}
		_ = json.Unmarshal(readBody(resp), &body) // no body: Retry-After below
		wait := seconds(body.RetryAfter)
		if wait <= 0 {
			if s, err := strconv.Atoi(h.Get("Retry-After")); err == nil {
				wait = time.Duration(s) * time.Second
			} else {
				wait = time.Second
			}
		}
		if body.Global || h.Get("X-RateLimit-Global") != "" || h.Get("X-RateLimit-Scope") == "global" {
			l.Pause(wait, "discord global")
		} else {
			l.Pause(wait, name)
		}
	}
	for k := range h {
		if strings.HasPrefix(k, "X-Ratelimit-") {
			h.Del(k)
		}
	}
	return resp
}

func seconds(f float64) time.Duration { return time.Duration(f * float64(time.Second)) }
