package slack

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/coursebot/coursebot/bot"
)

// Slack's worked example from "Verifying requests from Slack".
const (
	docSecret = "8f742231b10e8888abcd99yyyzzz85a5"
	docTS     = "1531420618"
	docBody   = "token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c"
	docSig    = "v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503"
)

func TestVerify(t *testing.T) {
	t.Parallel()
	at := time.Unix(1531420618, 0)
	hdr := func(ts, sig string) http.Header {
		h := http.Header{}
		if ts != "" {
			h.Set("X-Slack-Request-Timestamp", ts)
		}
		if sig != "" {
			h.Set("X-Slack-Signature", sig)
		}
		return h
	}
	tests := []struct {
		name   string
		secret string
		h      http.Header
		body   string
		now    time.Time
		ok     bool
	}{
		{"slack's worked example", docSecret, hdr(docTS, docSig), docBody, at, true},
		{"4m59s later still valid", docSecret, hdr(docTS, docSig), docBody, at.Add(299 * time.Second), true},
		{"wrong secret", "another-secret", hdr(docTS, docSig), docBody, at, false},
		{"tampered body", docSecret, hdr(docTS, docSig), strings.Replace(docBody, "roadrunner", "coyote", 1), at, false},
		{"body with extra field", docSecret, hdr(docTS, docSig), docBody + "&payload=x", at, false},
		{"stale timestamp", docSecret, hdr(docTS, docSig), docBody, at.Add(301 * time.Second), false},
		{"timestamp from the future", docSecret, hdr(docTS, docSig), docBody, at.Add(-301 * time.Second), false},
		{"other timestamp, same signature", docSecret, hdr("1531420619", docSig), docBody, at, false},
		{"missing signature", docSecret, hdr(docTS, ""), docBody, at, false},
		{"missing timestamp", docSecret, hdr("", docSig), docBody, at, false},
		{"no headers", docSecret, hdr("", ""), docBody, at, false},
		{"timestamp not a number", docSecret, hdr("soon", docSig), docBody, at, false},
		{"wrong version prefix", docSecret, hdr(docTS, "v1="+docSig[3:]), docBody, at, false},
		{"truncated signature", docSecret, hdr(docTS, docSig[:40]), docBody, at, false},
		{"signature not hex", docSecret, hdr(docTS, "v0="+strings.Repeat("z", 64)), docBody, at, false},
		{"uppercase hex", docSecret, hdr(docTS, "v0="+strings.ToUpper(docSig[3:])), docBody, at, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := verifier{secret: []byte(tt.secret), now: func() time.Time { return tt.now }}
			err := v.verify(tt.h, []byte(tt.body))
			if (err == nil) != tt.ok {
				t.Fatalf("verify = %v, want ok=%v", err, tt.ok)
			}
			if err != nil && (strings.Contains(err.Error(), tt.secret) || strings.Contains(err.Error(), docSig[3:])) {
				t.Fatalf("error leaks secret or signature: %v", err)
			}
		})
	}
	if got := (verifier{secret: []byte(docSecret)}).sign(docTS, []byte(docBody)); got != docSig {
		t.Fatalf("sign = %s, want Slack's %s", got, docSig)
	}
}

// recordingHandler counts calls: any call means a side effect happened.
type recordingHandler struct{ calls chan bot.Message }

func (r recordingHandler) Handle(_ context.Context, m bot.Message) ([]bot.Reply, error) {
	r.calls <- m
	return nil, nil
}

// TestRoutesRejectUnsigned sends forged, stale, tampered and smuggled
// requests to every route through the real HTTP server: each gets 401 and
// neither the handler, the store nor the Slack API sees anything.
func TestRoutesRejectUnsigned(t *testing.T) {
	t.Parallel()
	rec := recordingHandler{calls: make(chan bot.Message, 100)}
	h := newHarness(t, func(storeDB) bot.Handler { return rec }, nil)
	cmd := url.Values{"command": {"/start-4-4"}, "user_id": {"U1"}, "channel_id": {"C1"}}.Encode()
	payload := url.Values{"payload": {`{"type":"block_actions","user":{"id":"U1"},"actions":[{"action_id":"nav-0","value":"next|4-4|a"}]}`}}.Encode()
	event := `{"type":"event_callback","event_id":"Ev1","event":{"type":"message","user":"U1","text":"hi","channel":"D1","ts":"2.0","thread_ts":"1.0"}}`
	ts := strconv.FormatInt(h.now.Unix(), 10)
	good := verifier{secret: []byte(testSecret)}
	bad := verifier{secret: []byte("not-the-secret")}
	type req struct {
		name, path, query, body string
		ts, sig                 string
	}
	var cases []req
	for _, c := range []struct{ path, body string }{{"/slack/commands", cmd}, {"/slack/interactions", payload}, {"/slack/events", event}} {
		cases = append(cases,
			req{"wrong secret", c.path, "", c.body, ts, bad.sign(ts, []byte(c.body))},
			req{"tampered body", c.path, "", c.body + "&x=1", ts, good.sign(ts, []byte(c.body))},
			req{"stale", c.path, "", c.body, strconv.FormatInt(h.now.Unix()-600, 10), good.sign(strconv.FormatInt(h.now.Unix()-600, 10), []byte(c.body))},
			req{"missing headers", c.path, "", c.body, "", ""},
		)
	}
	// A signed, harmless body with the real payload smuggled in the query.
	harmless := "token=x"
	cases = append(cases, req{"payload smuggled in the query string", "/slack/interactions", "payload=" + url.QueryEscape(`{"type":"block_actions","user":{"id":"U1"},"actions":[{"action_id":"nav-0","value":"next|4-4|a"}]}`),
		harmless, ts, good.sign(ts, []byte(harmless))})
	cases = append(cases, req{"command smuggled in the query string", "/slack/commands", cmd, harmless, ts, good.sign(ts, []byte(harmless))})
	for _, c := range cases {
		t.Run(c.path+"/"+c.name, func(t *testing.T) {
			u := h.srv.URL + c.path
			if c.query != "" {
				u += "?" + c.query
			}
			r, _ := http.NewRequest(http.MethodPost, u, strings.NewReader(c.body))
			r.Header.Set("Content-Type", formType)
			if c.ts != "" {
				r.Header.Set("X-Slack-Request-Timestamp", c.ts)
			}
			if c.sig != "" {
				r.Header.Set("X-Slack-Signature", c.sig)
			}
			resp, err := http.DefaultClient.Do(r)
			if err != nil {
				t.Fatal(err)
			}
			_ = resp.Body.Close()
			if resp.StatusCode != http.StatusUnauthorized {
				t.Fatalf("status %d, want 401", resp.StatusCode)
			}
		})
	}
	h.idle()
	if n := len(rec.calls); n != 0 {
		t.Errorf("handler called %d times by rejected requests", n)
	}
	if calls, _, _ := h.fake.snapshot(); len(calls) != 0 {
		t.Errorf("Slack API called by rejected requests: %v", calls)
	}
	if _, ok, _ := h.db.ThreadFor(context.Background(), Platform, "slack:U1", "4-4"); ok {
		t.Error("a rejected request created a thread")
	}
	if strings.Contains(h.logs.String(), testSecret) {
		t.Error("signing secret in the log")
	}
}

func TestSSLCheckAndURLVerification(t *testing.T) {
	t.Parallel()
	rec := recordingHandler{calls: make(chan bot.Message, 10)}
	h := newHarness(t, func(storeDB) bot.Handler { return rec }, nil)
	if code, body := h.send("/slack/commands", formType, "ssl_check=1&token=x"); code != 200 || body != "" {
		t.Errorf("ssl_check: %d %q", code, body)
	}
	code, body := h.send("/slack/events", "application/json", `{"token":"x","challenge":"3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P","type":"url_verification"}`)
	if code != 200 || body != "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P" {
		t.Errorf("url_verification: %d %q", code, body)
	}
	// Unsigned url_verification is refused like anything else.
	r := httptest.NewRequest(http.MethodPost, "/slack/events", strings.NewReader(`{"type":"url_verification","challenge":"c"}`))
	w := httptest.NewRecorder()
	mux := http.NewServeMux()
	h.a.Routes(mux)
	mux.ServeHTTP(w, r)
	if w.Code != http.StatusUnauthorized {
		t.Errorf("unsigned url_verification: %d", w.Code)
	}
	h.idle()
	if len(rec.calls) != 0 {
		t.Error("handler called")
	}
}
