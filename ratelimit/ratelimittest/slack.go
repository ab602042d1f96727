package ratelimittest

import (
	"bytes"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/coursebot/coursebot/ratelimit"
)

// SlackBurst is the fake's allowance for Slack's "sporadic bursts": a
// budget lets this many calls through at once, then its sustained rate;
// the workspace's posts ("generous burst behavior") four seconds' worth.
// Slack publishes no figure; the bot's own pacing assumes less
// (ratelimit.DefaultSlack's Burst), as it should.
const SlackBurst = 5

// ResponseURLUses is how often one response_url may be used (Slack: five
// times within thirty minutes).
const ResponseURLUses = 5

// Slack is a gate for a fake Slack Web API: per workspace, each method
// within its tier; chat.postMessage within its per-channel and workspace
// budgets; a response_url at most ResponseURLUses times. Over a limit it
// answers HTTP 429 with Retry-After in whole seconds, as Slack does, and
// the call has no effect.
type Slack struct {
	clock  ratelimit.Clock
	limits ratelimit.SlackLimits
	// ResponsePrefix, when set, is the path prefix of the fake's
	// response URLs: each full path is one response_url.
	ResponsePrefix string

	mu       sync.Mutex
	buckets  map[string]*tokens
	respUses map[string]int
	counts
}

// NewSlack returns a gate enforcing limits (zero fields: Slack's
// documented figures) with SlackBurst as every budget's burst, on clock.
func NewSlack(limits ratelimit.SlackLimits, clock ratelimit.Clock) *Slack {
	d := ratelimit.DefaultSlack()
	for _, f := range []struct{ v, def *int }{
		{&limits.Tier1, &d.Tier1}, {&limits.Tier2, &d.Tier2}, {&limits.Tier3, &d.Tier3}, {&limits.Tier4, &d.Tier4},
		{&limits.PostsPerChannel, &d.PostsPerChannel}, {&limits.PostsPerWorkspace, &d.PostsPerWorkspace},
	} {
		if *f.v <= 0 {
			*f.v = *f.def
		}
	}
	if limits.Burst <= 0 {
		limits.Burst = SlackBurst
	}
	return &Slack{clock: clock, limits: limits, buckets: map[string]*tokens{}, respUses: map[string]int{}, counts: newCounts()}
}

// Stats are the calls and 429s so far, by Web API method ("response_url"
// for response URLs).
func (g *Slack) Stats() Stats { return g.stats() }

// OnCall, when set, is told of every call the gate sees (after its
// verdict), outside the gate's lock.
func (g *Slack) OnCall(f func(method string, refused bool)) {
	g.counts.mu.Lock()
	g.listen = f
	g.counts.mu.Unlock()
}

var slackMethod = regexp.MustCompile(`^[a-z]+(\.[a-zA-Z]+)+$`)

// Wrap returns next behind the gate. A request whose last path segment is
// a Web API method name ("chat.postMessage") is a method call; one under
// ResponsePrefix a response_url post; anything else (an upload URL)
// passes unchecked.
func (g *Slack) Wrap(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		method := lastSegment(r.URL.Path)
		switch {
		case slackMethod.MatchString(method):
		case g.ResponsePrefix != "" && strings.HasPrefix(r.URL.Path, g.ResponsePrefix):
			if !g.useResponseURL(r.URL.Path) {
				g.note("response_url", true)
				w.Header().Set("Content-Type", "application/json")
				w.WriteHeader(http.StatusNotFound)
				_, _ = io.WriteString(w, `{"ok":false,"error":"used_url"}`)
				return
			}
			g.note("response_url", false)
			next.ServeHTTP(w, r)
			return
		default:
			next.ServeHTTP(w, r)
			return
		}
		body, _ := io.ReadAll(r.Body)
		r.Body = io.NopCloser(bytes.NewReader(body))
		channel := ""
		if method == ratelimit.MethodPost {
			if form, err := url.ParseQuery(string(body)); err == nil {
				channel = form.Get("channel")
			}
		}
		if wait, ok := g.admit(method, channel); !ok {
			g.note(method, true)
			w.Header().Set("Retry-After", strconv.Itoa(ceilSeconds(wait)))
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusTooManyRequests)
			_, _ = io.WriteString(w, `{"ok":false,"error":"ratelimited"}`)
			return
		}
		g.note(method, false)
		next.ServeHTTP(w, r)
	})
}

// admit takes a token from every budget the call draws on, or none and
// says how long until it could go.
func (g *Slack) admit(method, channel string) (time.Duration, bool) {
	g.mu.Lock()
	defer g.mu.Unlock()
	now := g.clock.Now()
	type budget struct {
		name      string
		perMinute int
	}
	var bs []budget
	if method == ratelimit.MethodPost {
		bs = []budget{{"posts", g.limits.PostsPerWorkspace}}
		if channel != "" {
			bs = append(bs, budget{"channel " + resolveDM(channel), g.limits.PostsPerChannel})
		}
	} else {
		tier := g.limits.Tier(method)
		n := [...]int{0, g.limits.Tier1, g.limits.Tier2, g.limits.Tier3, g.limits.Tier4}[tier]
		bs = []budget{{"method " + method, n}}
	}
	var taken []*tokens
	for _, b := range bs {
		t := g.buckets[b.name]
		if t == nil {
			burst := min(g.limits.Burst, b.perMinute)
			if b.name == "posts" {
				burst = g.WorkspaceBurst()
			}
			t = newTokens(b.perMinute, time.Minute, burst, now)
			g.buckets[b.name] = t
		}
		if ok, wait := t.take(now); !ok {
			for _, u := range taken { // all or nothing
				u.have++
			}
			return wait, false
		}
		taken = append(taken, t)
	}
	return 0, true
}

// WorkspaceBurst is how many posts the workspace's budget lets through at
// once: four seconds' worth ("generous burst behavior"), at least Burst.
func (g *Slack) WorkspaceBurst() int {
	return max(g.limits.Burst, g.limits.PostsPerWorkspace/15)
}

// Limits are the limits the gate enforces.
func (g *Slack) Limits() ratelimit.SlackLimits { return g.limits }

// resolveDM keys a post to a user id ("U123": Slack posts it into the
// app's DM with that user) by the DM, as the fakes name it ("D123").
func resolveDM(channel string) string {
	if rest, ok := strings.CutPrefix(channel, "U"); ok {
		return "D" + rest
	}
	return channel
}

func (g *Slack) useResponseURL(path string) bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.respUses[path] >= ResponseURLUses {
		return false
	}
	g.respUses[path]++
	return true
}
