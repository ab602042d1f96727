package ratelimit

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// SlackLimits are the Web API's limits for one workspace (one bot token),
// in calls a minute, as Slack's method reference gives them. Slack
// applies them per method, per app, per workspace; it publishes no burst
// sizes, so Burst is a small allowance, never a budget to spend at once.
type SlackLimits struct {
	// Tier1..Tier4 are the calls a minute of each method of that tier:
	// 1, 20, 50 and 100 ("1+", "20+", "50+", "100+" in Slack's words).
	Tier1, Tier2, Tier3, Tier4 int
	// PostsPerChannel is chat.postMessage into one channel (about one a
	// second: 60); PostsPerWorkspace is chat.postMessage across the
	// workspace ("several hundred a minute": 300).
	PostsPerChannel, PostsPerWorkspace int
	// Burst is how many calls of one budget may go at once (3).
	Burst int
	// Tiers adds or overrides methods' tiers (method -> 1..4) over the
	// built-in table (SlackTiers).
	Tiers map[string]int
}

// DefaultSlack is Slack's documented limits (see SlackLimits).
func DefaultSlack() SlackLimits {
	return SlackLimits{Tier1: 1, Tier2: 20, Tier3: 50, Tier4: 100, PostsPerChannel: 60, PostsPerWorkspace: 300, Burst: 3}
}

// withDefaults fills the zero fields from DefaultSlack.
func (s SlackLimits) withDefaults() SlackLimits {
	d := DefaultSlack()
	for _, f := range []struct{ v, def *int }{
		{&s.Tier1, &d.Tier1}, {&s.Tier2, &d.Tier2}, {&s.Tier3, &d.Tier3}, {&s.Tier4, &d.Tier4},
		{&s.PostsPerChannel, &d.PostsPerChannel}, {&s.PostsPerWorkspace, &d.PostsPerWorkspace}, {&s.Burst, &d.Burst},
	} {
		if *f.v <= 0 {
			*f.v = *f.def
		}
	}
	return s
}

// SlackTiers are the tiers of the Web API methods the bot uses, from
// each method's reference page. chat.postMessage has no tier (its limits
// are PostsPerChannel and PostsPerWorkspace); a method not listed counts
// as Tier 3.
var SlackTiers = map[string]int{
	"chat.update": 3, "chat.delete": 3, "conversations.open": 3, "reactions.add": 3,
	"conversations.replies": 3, "conversations.history": 3,
	"chat.postEphemeral": 4, "views.open": 4, "views.update": 4, "conversations.members": 4, "users.info": 4,
	"files.getUploadURLExternal": 4, "files.completeUploadExternal": 4, "auth.test": 4,
	"apps.connections.open": 1,
}

// MethodPost is the Web API method whose budgets are per channel and per
// workspace rather than a tier.
const MethodPost = "chat.postMessage"

// Tier is the tier of a Web API method under these limits.
func (s SlackLimits) Tier(method string) int {
	if t, ok := s.Tiers[method]; ok && t >= 1 && t <= 4 {
		return t
	}
	if t, ok := SlackTiers[method]; ok {
		return t
	}
	return 3
}

// Rule is the budget of one tier's method.
func (s SlackLimits) Rule(tier int) Rule {
	s = s.withDefaults()
	n := [...]int{0, s.Tier1, s.Tier2, s.Tier3, s.Tier4}[min(max(tier, 1), 4)]
	return PerMinute(n, s.Burst)
}

// Keys are the budgets a call of method draws on (channel: the call's
// channel, for chat.postMessage).
func (s SlackLimits) Keys(method, channel string) []Key {
	s = s.withDefaults()
	if method == MethodPost {
		// The workspace's posts may come two seconds' worth at once
		// (Slack grants "generous burst behavior" there).
		ks := []Key{{Name: "slack posts", Rule: PerMinute(s.PostsPerWorkspace, max(s.Burst, s.PostsPerWorkspace/30))}}
		if channel != "" {
			ks = append(ks, Key{Name: "slack channel " + channel, Rule: PerMinute(s.PostsPerChannel, s.Burst)})
		}
		return ks
	}
	return []Key{{Name: "slack " + method, Rule: s.Rule(s.Tier(method))}}
}

// NewSlack returns a Transport that paces the Web API calls under apiURL
// (slack-go's base, with its trailing slash) by limits. Other requests
// (response_url posts, file uploads to Slack's upload_url) pass unpaced:
// a response_url takes five posts in thirty minutes, which the adapter
// never comes near.
func NewSlack(apiURL string, limits SlackLimits, o Options) *Transport {
	return o.transport(slackPolicy{base: apiURL, limits: limits.withDefaults()})
}

type slackPolicy struct {
	base   string
	limits SlackLimits
}

func (p slackPolicy) classify(req *http.Request) (call, bool) {
	u := req.URL.String()
	if !strings.HasPrefix(u, p.base) {
		return call{}, false
	}
	method, _, _ := strings.Cut(strings.TrimPrefix(u, p.base), "?")
	if method == "" || strings.Contains(method, "/") {
		return call{}, false
	}
	channel := ""
	if method == MethodPost {
		if form, err := url.ParseQuery(string(body(req))); err == nil {
			channel = form.Get("channel")
		}
	}
	return call{method: method, keys: p.limits.Keys(method, channel)}, true
}

func (p slackPolicy) keysFor(method string) ([]Key, bool) {
	if method == MethodPost {
		return nil, false // per channel: needs the call
	}
	return p.limits.Keys(method, ""), true
}

// answered pauses the call's budgets for Retry-After on a 429. Slack does
// not say which limit refused the call, so every budget it drew on waits.
func (p slackPolicy) answered(l *Limiter, c call, resp *http.Response) *http.Response {
	if resp.StatusCode != http.StatusTooManyRequests {
		return resp
	}
	wait := time.Second
	if s, err := strconv.Atoi(strings.TrimSpace(resp.Header.Get("Retry-After"))); err == nil && s > 0 {
		wait = time.Duration(s) * time.Second
	}
	names := make([]string, len(c.keys))
	for i, k := range c.keys {
		names[i] = k.Name
	}
	l.Pause(wait, names...)
	return resp
}
