package tutor_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"sort"
	"strings"
	"sync"
	"testing"
	"unicode/utf8"

	"github.com/coursebot/coursebot/tutor"
)

// TestClientSendsOnlyWhatTheConfigSays: openai-go's own NewClient reads
// OPENAI_* variables and sends them to any server; the tutor's client sends
// the configured key and headers and nothing from the environment.
func TestClientSendsOnlyWhatTheConfigSays(t *testing.T) {
	elsewhere := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		t.Errorf("a request went to OPENAI_BASE_URL: %s %s", r.Method, r.URL)
	}))
	defer elsewhere.Close()
	for k, v := range map[string]string{
		"OPENAI_BASE_URL":       elsewhere.URL + "/v1",
		"OPENAI_API_KEY":        "sk-from-env",
		"OPENAI_ADMIN_KEY":      "sk-admin-from-env",
		"OPENAI_ORG_ID":         "org-from-env",
		"OPENAI_PROJECT_ID":     "proj-from-env",
		"OPENAI_WEBHOOK_SECRET": "whsec-from-env",
		"OPENAI_CUSTOM_HEADERS": "X-From-Env: yes\nX-Other-From-Env: 1",
	} {
		t.Setenv(k, v)
	}
	cases := []struct {
		name    string
		key     string
		headers map[string]string
		want    map[string]string // header -> value ("" = any value)
	}{
		{name: "local server, no key", want: map[string]string{}},
		{name: "key and a project", key: "sk-configured", headers: map[string]string{"OpenAI-Project": "proj_configured"},
			want: map[string]string{"Authorization": "Bearer sk-configured", "Openai-Project": "proj_configured"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f := newFakeLLM(t)
			c := tutor.NewClient(tutor.ClientOptions{BaseURL: f.URL(), Model: "m", APIKey: tc.key, Headers: tc.headers})
			if _, err := c.Stream(t.Context(), []tutor.Message{{Role: "user", Content: "hi"}}, nil); err != nil {
				t.Fatal(err)
			}
			got := f.headers[0]
			// What any HTTP client sends, and the two the tutor names.
			allowed := map[string]bool{"Accept": true, "Accept-Encoding": true, "Content-Length": true, "Content-Type": true, "User-Agent": true}
			var extra []string
			for k := range got {
				if _, ok := tc.want[k]; !ok && !allowed[k] {
					extra = append(extra, k+": "+got.Get(k))
				}
			}
			sort.Strings(extra)
			if len(extra) > 0 {
				t.Errorf("headers the configuration does not name: %q", extra)
			}
			for k, v := range tc.want {
				if got.Get(k) != v {
					t.Errorf("%s = %q, want %q", k, got.Get(k), v)
				}
			}
			if ua := got.Get("User-Agent"); ua != "coursebot" {
				t.Errorf("User-Agent = %q", ua)
			}
			for _, secret := range []string{"from-env"} {
				for k, vs := range got {
					if strings.Contains(strings.Join(vs, " "), secret) {
						t.Errorf("%s carries a value from the environment: %q", k, vs)
					}
				}
			}
		})
	}
}

// paramServer is a Chat Completions server that refuses one name of the
// token limit with the 400 its kind of server sends.
type paramServer struct {
	srv    *httptest.Server
	mu     sync.Mutex
	params []string // the token parameter of each request ("" = none)
}

const (
	// OpenAI's answer to max_tokens on a reasoning model.
	refuseMaxTokens = `{"error":{"message":"Unsupported parameter: 'max_tokens' is not supported with this model. Use 'max_completion_tokens' instead.","type":"invalid_request_error","param":"max_tokens","code":"unsupported_parameter"}}`
	// A server that knows only max_tokens and rejects what it does not know.
	refuseMaxCompletion = `{"error":{"message":"Unrecognized request argument supplied: max_completion_tokens","type":"invalid_request_error","param":null,"code":null}}`
)

func newParamServer(t *testing.T, refuse string) *paramServer {
	p := &paramServer{}
	p.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var body map[string]json.RawMessage
		raw, _ := io.ReadAll(r.Body)
		if err := json.Unmarshal(raw, &body); err != nil {
			t.Errorf("body: %v", err)
		}
		var sent []string
		for _, k := range []string{tutor.TokensMax, tutor.TokensMaxCompletion} {
			if _, ok := body[k]; ok {
				sent = append(sent, k)
			}
		}
		p.mu.Lock()
		p.params = append(p.params, strings.Join(sent, "+"))
		p.mu.Unlock()
		if _, ok := body[refuse]; ok {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusBadRequest)
			if refuse == tutor.TokensMax {
				_, _ = io.WriteString(w, refuseMaxTokens)
			} else {
				_, _ = io.WriteString(w, refuseMaxCompletion)
			}
			return
		}
		streamPieces("Fine.")(w, r)
	}))
	t.Cleanup(p.srv.Close)
	return p
}

func (p *paramServer) sent() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]string(nil), p.params...)
}

// dialTo is an HTTP client that reaches addr whatever the URL's host, so a
// test can be "api.openai.com".
func dialTo(addr string) *http.Client {
	return &http.Client{Transport: &http.Transport{DialContext: func(ctx context.Context, network, _ string) (net.Conn, error) {
		return (&net.Dialer{}).DialContext(ctx, network, addr)
	}}}
}

func TestTokenLimitNameFitsTheServer(t *testing.T) {
	cases := []struct {
		name, param, refuse string
		openAI              bool
		// want is the parameter each of two replies sent, request by request.
		want []string
		ok   bool
	}{
		{name: "auto, local server that knows only max_tokens", param: tutor.TokensAuto, refuse: tutor.TokensMaxCompletion,
			want: []string{"max_tokens", "max_tokens"}, ok: true},
		{name: "auto, local server serving a reasoning model", param: "", refuse: tutor.TokensMax,
			want: []string{"max_tokens", "max_completion_tokens", "max_completion_tokens"}, ok: true},
		{name: "auto, OpenAI", param: tutor.TokensAuto, refuse: tutor.TokensMax, openAI: true,
			want: []string{"max_completion_tokens", "max_completion_tokens"}, ok: true},
		{name: "auto, OpenAI-like host that refuses the new name", param: tutor.TokensAuto, refuse: tutor.TokensMaxCompletion, openAI: true,
			want: []string{"max_completion_tokens", "max_tokens", "max_tokens"}, ok: true},
		{name: "max_completion_tokens as configured", param: tutor.TokensMaxCompletion, refuse: tutor.TokensMax,
			want: []string{"max_completion_tokens", "max_completion_tokens"}, ok: true},
		{name: "max_tokens as configured", param: tutor.TokensMax, refuse: tutor.TokensMaxCompletion,
			want: []string{"max_tokens", "max_tokens"}, ok: true},
		{name: "configured name refused: no second guess", param: tutor.TokensMax, refuse: tutor.TokensMax,
			want: []string{"max_tokens", "max_tokens"}, ok: false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p := newParamServer(t, tc.refuse)
			o := tutor.ClientOptions{BaseURL: p.srv.URL + "/v1", Model: "m", TokenParam: tc.param}
			if tc.openAI {
				o.BaseURL = "http://api.openai.com/v1"
				o.HTTPClient = dialTo(p.srv.Listener.Addr().String())
			}
			c := tutor.NewClient(o)
			for i := range 2 {
				r, err := c.Stream(t.Context(), []tutor.Message{{Role: "user", Content: "hi"}}, nil)
				var me *tutor.ModelError
				switch {
				case tc.ok && err != nil:
					t.Fatalf("reply %d: %v", i+1, err)
				case tc.ok && r.Text != "Fine.":
					t.Fatalf("reply %d = %q", i+1, r.Text)
				case !tc.ok && (!errors.As(err, &me) || me.Cause != tutor.CauseRefused):
					t.Fatalf("reply %d: err = %v, want refused", i+1, err)
				}
			}
			if got := p.sent(); strings.Join(got, ",") != strings.Join(tc.want, ",") {
				t.Errorf("requests sent %q, want %q", got, tc.want)
			}
		})
	}
}

// TestAnotherBadRequestIsNotRetried: a 400 about something else (the
// model's name) is the refusal it is, asked once.
func TestAnotherBadRequestIsNotRetried(t *testing.T) {
	n := 0
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n++
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusBadRequest)
		_, _ = io.WriteString(w, `{"error":{"message":"The model 'nope' does not exist (max_tokens_per_minute applies).","type":"invalid_request_error","param":"model","code":"model_not_found"}}`)
	}))
	defer srv.Close()
	_, err := tutor.NewClient(tutor.ClientOptions{BaseURL: srv.URL, Model: "nope"}).Stream(t.Context(), []tutor.Message{{Role: "user", Content: "hi"}}, nil)
	var me *tutor.ModelError
	if !errors.As(err, &me) || me.Cause != tutor.CauseRefused || n != 1 {
		t.Errorf("err = %v after %d requests, want refused after 1", err, n)
	}
}

// TestClientStopsReadingPastItsCap: a server that never stops sending
// gets its reply cut at the cap (it would otherwise be read until the
// timeout, all of it kept), and so does a caller that says it has enough.
func TestClientStopsReadingPastItsCap(t *testing.T) {
	endless := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		for {
			b, _ := json.Marshal(map[string]any{"id": "c", "object": "chat.completion.chunk", "created": 1, "model": "m",
				"choices": []any{map[string]any{"index": 0, "delta": map[string]any{"content": "über alles "}}}})
			if _, err := fmt.Fprintf(w, "data: %s\n\n", b); err != nil {
				return
			}
			select {
			case <-r.Context().Done():
				return
			default:
			}
		}
	}))
	defer endless.Close()
	c := tutor.NewClient(tutor.ClientOptions{BaseURL: endless.URL, Model: "m", MaxReplyBytes: 1000})
	r, err := c.Stream(context.Background(), []tutor.Message{{Role: "user", Content: "hi"}}, nil)
	if err != nil || !r.Cut || len(r.Text) > 1000 || len(r.Text) < 990 || !strings.HasPrefix(r.Text, "über alles") {
		t.Errorf("capped reply: cut %v, %d bytes, err %v", r.Cut, len(r.Text), err)
	}
	if !utf8.ValidString(r.Text) {
		t.Errorf("the cut split a character: %q", r.Text[len(r.Text)-4:])
	}
	pieces := 0
	r, err = c.Stream(context.Background(), []tutor.Message{{Role: "user", Content: "hi"}}, func(string) bool {
		pieces++
		return pieces < 3
	})
	if err != nil || !r.Cut || pieces != 3 || r.Text != strings.Repeat("über alles ", 3) {
		t.Errorf("stopped by the caller: cut %v, %d pieces, %q, err %v", r.Cut, pieces, r.Text, err)
	}
}

// TestOneHugeLineIsRefused: an answer that is one unending line is cut
// on the wire, not buffered whole.
func TestOneHugeLineIsRefused(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		_, _ = io.WriteString(w, "data: ")
		junk := []byte(strings.Repeat("x", 64<<10))
		for {
			if _, err := w.Write(junk); err != nil {
				return
			}
		}
	}))
	defer srv.Close()
	_, err := tutor.NewClient(tutor.ClientOptions{BaseURL: srv.URL, Model: "m"}).Stream(t.Context(), []tutor.Message{{Role: "user", Content: "hi"}}, nil)
	var me *tutor.ModelError
	if !errors.As(err, &me) || me.Cause != tutor.CauseGarbage {
		t.Errorf("err = %v, want garbage", err)
	}
}
