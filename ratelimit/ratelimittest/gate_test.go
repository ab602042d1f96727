package ratelimittest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/coursebot/coursebot/ratelimit"
)

var ok = http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write([]byte(`{"ok":true}`)) })

func do(h http.Handler, method, path, body string) *httptest.ResponseRecorder {
	rec := httptest.NewRecorder()
	r := httptest.NewRequest(method, path, strings.NewReader(body))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	h.ServeHTTP(rec, r)
	return rec
}

func TestSlackGate(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		g := NewSlack(ratelimit.SlackLimits{}, ratelimit.Real())
		g.ResponsePrefix = "/respond/"
		h := g.Wrap(ok)
		post := func(channel string) *httptest.ResponseRecorder {
			return do(h, "POST", "/api/chat.postMessage", url.Values{"channel": {channel}}.Encode())
		}
		for i := range SlackBurst {
			if rec := post("D1"); rec.Code != 200 {
				t.Fatalf("post %d within the burst: %d", i, rec.Code)
			}
		}
		rec := post("U1") // the same DM, named by its user
		if rec.Code != http.StatusTooManyRequests || rec.Header().Get("Retry-After") != "1" {
			t.Errorf("post past the channel's burst: %d Retry-After %q, want 429 and 1", rec.Code, rec.Header().Get("Retry-After"))
		}
		if rec := post("D2"); rec.Code != 200 {
			t.Errorf("another channel: %d", rec.Code)
		}
		time.Sleep(time.Second)
		if rec := post("D1"); rec.Code != 200 {
			t.Errorf("a second later: %d", rec.Code)
		}
		// The workspace: 300 a minute with a burst of 20; 7 posts went.
		var refused int
		for i := range 20 {
			if post(fmt.Sprint("C", i)).Code == http.StatusTooManyRequests {
				refused++
			}
		}
		if refused == 0 {
			t.Error("the workspace's post budget never refused")
		}
		// A Tier 3 method: 5 at once, then refused for 2 s (50 a minute).
		for range SlackBurst {
			do(h, "POST", "/api/chat.update", "")
		}
		if rec := do(h, "POST", "/api/chat.update", ""); rec.Code != http.StatusTooManyRequests || rec.Header().Get("Retry-After") != "2" {
			t.Errorf("chat.update past its tier: %d Retry-After %q", rec.Code, rec.Header().Get("Retry-After"))
		}
		// A response_url: five uses.
		for i := range ResponseURLUses {
			if rec := do(h, "POST", "/respond/1", "{}"); rec.Code != 200 {
				t.Fatalf("use %d of a response_url: %d", i, rec.Code)
			}
		}
		if rec := do(h, "POST", "/respond/1", "{}"); rec.Code == 200 {
			t.Error("a sixth use of a response_url was taken")
		}
		if rec := do(h, "POST", "/upload/F1", "bytes"); rec.Code != 200 {
			t.Errorf("an upload URL is not a method: %d", rec.Code)
		}
		st := g.Stats()
		if st.Calls["chat.update"] != SlackBurst+1 || st.Refused["chat.update"] != 1 || st.Refused["response_url"] != 1 {
			t.Errorf("stats %+v", st)
		}
	})
}

func TestDiscordGate(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		g := NewDiscord(DiscordLimits{GlobalPerSecond: 50, GlobalBurst: 8}, ratelimit.Real(), "/api/v10")
		h := g.Wrap(ok)
		for i := range 5 {
			rec := do(h, "POST", "/api/v10/channels/100/messages", "{}")
			if rec.Code != 200 || rec.Header().Get("X-RateLimit-Remaining") != fmt.Sprint(4-i) ||
				rec.Header().Get("X-RateLimit-Limit") != "5" || rec.Header().Get("X-RateLimit-Reset-After") != "5.000" {
				t.Fatalf("call %d: %d %v", i, rec.Code, rec.Header())
			}
		}
		rec := do(h, "POST", "/api/v10/channels/100/messages", "{}")
		var body struct {
			RetryAfter float64 `json:"retry_after"`
			Global     bool    `json:"global"`
		}
		_ = json.Unmarshal(rec.Body.Bytes(), &body)
		if rec.Code != http.StatusTooManyRequests || body.RetryAfter != 5 || body.Global || rec.Header().Get("X-RateLimit-Scope") != "user" {
			t.Errorf("sixth call in the window: %d %s %v", rec.Code, rec.Body, rec.Header())
		}
		// Another channel has its own window, but the global budget (8 at
		// once here, 5 spent) refuses the fourth.
		for i := range 3 {
			if rec := do(h, "POST", fmt.Sprintf("/api/v10/channels/%d/messages", 200+i), "{}"); rec.Code != 200 {
				t.Fatalf("call %d into another channel: %d", i, rec.Code)
			}
		}
		rec = do(h, "POST", "/api/v10/channels/300/messages", "{}")
		body.Global = false
		_ = json.Unmarshal(rec.Body.Bytes(), &body)
		if rec.Code != http.StatusTooManyRequests || !body.Global || rec.Header().Get("X-RateLimit-Global") != "true" {
			t.Errorf("past the global budget: %d %s", rec.Code, rec.Body)
		}
		// Interaction responses are outside the global budget.
		if rec := do(h, "POST", "/api/v10/interactions/9/tok/callback", "{}"); rec.Code != 200 {
			t.Errorf("interaction response: %d", rec.Code)
		}
		time.Sleep(5 * time.Second)
		if rec := do(h, "POST", "/api/v10/channels/100/messages", "{}"); rec.Code != 200 {
			t.Errorf("after the window: %d", rec.Code)
		}
	})
}

func TestDiscordRoute(t *testing.T) {
	for _, tt := range []struct{ method, path, route, major string }{
		{"POST", "/channels/100/messages", "POST /channels/{id}/messages", "100"},
		{"PATCH", "/channels/100/messages/123456", "PATCH /channels/{id}/messages/{id}", "100"},
		{"PUT", "/channels/1/messages/2/reactions/x/@me", "PUT /channels/{id}/messages/{id}/reactions/{emoji}/@me", "1"},
		{"PATCH", "/webhooks/4242/tok/messages/@original", "PATCH /webhooks/{id}/{id}/messages/@original", "4242/tok"},
	} {
		r, m := discordRoute(tt.method, tt.path)
		if r != tt.route || m != tt.major {
			t.Errorf("%s %s: %q %q", tt.method, tt.path, r, m)
		}
	}
}

func TestMinimum(t *testing.T) {
	s := time.Second
	// Ten requests at once, one call each, 60 a minute with a burst of 3:
	// three at once, then one a second.
	at := make([]time.Duration, 10)
	got := TokenFinish(at, 1, 60, 3)
	want := []time.Duration{0, 0, 0, s, 2 * s, 3 * s, 4 * s, 5 * s, 6 * s, 7 * s}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("token finish %d = %v, want %v", i, got[i], want[i])
		}
	}
	if l := Longest(at, got); l != 7*s {
		t.Errorf("longest %v", l)
	}
	// Two calls each: 5 per 5 s windows (r0, r1, half of r2; the rest of
	// r2, r3, r4; r5).
	win := WindowFinish(at[:6], 2, 5, 5*s)
	wantWin := []time.Duration{0, 0, 5 * s, 5 * s, 5 * s, 10 * s}
	for i := range wantWin {
		if win[i] != wantWin[i] {
			t.Errorf("window finish %d = %v, want %v", i, win[i], wantWin[i])
		}
	}
	// Late arrivals wait for nothing.
	late := []time.Duration{0, 10 * s, 20 * s}
	if l := Longest(late, TokenFinish(late, 1, 60, 1), WindowFinish(late, 1, 5, 5*s)); l != 0 {
		t.Errorf("spread-out requests wait %v", l)
	}
}
