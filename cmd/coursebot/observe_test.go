package main

import (
	"bytes"
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"

	"github.com/coursebot/coursebot"
	"github.com/coursebot/coursebot/bot"
	"github.com/coursebot/coursebot/bot/slack"
	"github.com/coursebot/coursebot/course"
	"github.com/coursebot/coursebot/lessons"
	"github.com/coursebot/coursebot/store"
	"github.com/prometheus/client_golang/prometheus/testutil"
)

func TestRecoverMiddleware(t *testing.T) {
	t.Parallel()
	m := newServeMetrics()
	var logs bytes.Buffer
	log := slog.New(slog.NewJSONHandler(&logs, nil))
	mux := http.NewServeMux()
	mux.HandleFunc("POST /boom", func(http.ResponseWriter, *http.Request) { panic("handler bug") })
	mux.HandleFunc("GET /fine", func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write([]byte("fine")) })
	srv := httptest.NewServer(observeHTTP(http.MaxBytesHandler(recordPattern(mux), 1024), m, log))
	defer srv.Close()

	resp, err := http.Post(srv.URL+"/boom", "text/plain", strings.NewReader("x"))
	if err != nil {
		t.Fatal(err)
	}
	_ = resp.Body.Close()
	if resp.StatusCode != http.StatusInternalServerError || resp.Header.Get("X-Request-Id") == "" {
		t.Errorf("panic: HTTP %d, request id %q; want 500 with an id", resp.StatusCode, resp.Header.Get("X-Request-Id"))
	}
	// The server still serves.
	resp, err = http.Get(srv.URL + "/fine")
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("after a panic: %v %v", resp, err)
	}
	_ = resp.Body.Close()
	if got := testutil.ToFloat64(m.Panics.WithLabelValues("http")); got != 1 {
		t.Errorf("panics counted: %v, want 1", got)
	}
	out := logs.String()
	for _, want := range []string{`"msg":"panic serving request"`, `"panic":"handler bug"`, `"route":"POST /boom"`, `"status":500`, `"route":"GET /fine"`} {
		if !strings.Contains(out, want) {
			t.Errorf("log lacks %s:\n%s", want, out)
		}
	}
}

func TestAPIMethodLabels(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		platform, method, url, want string
	}{
		{"slack", "POST", "https://slack.com/api/chat.postMessage", "chat.postMessage"},
		{"slack", "POST", "http://127.0.0.1:9/slack/api/conversations.open", "conversations.open"},
		{"slack", "POST", "https://hooks.slack.com/actions/T1/123/SECRETTOKEN", "response_url"},
		{"discord", "POST", "https://discord.com/api/v10/channels/123456789/messages", "POST /api/v10/channels/:id/messages"},
		{"discord", "PATCH", "https://discord.com/api/v10/webhooks/42/aW50ZXJhY3Rpb246MTIzNDU2Nzg5/messages/@original", "PATCH /api/v10/webhooks/:id/:id/messages/@original"},
		{"discord", "POST", "https://discord.com/api/v10/interactions/77/tok3n-with-digits/callback", "POST /api/v10/interactions/:id/:id/callback"},
	} {
		req := httptest.NewRequest(tc.method, tc.url, nil)
		tr := &apiTransport{platform: tc.platform}
		if got := tr.method(req); got != tc.want {
			t.Errorf("%s %s: %q, want %q", tc.platform, tc.url, got, tc.want)
		}
	}
}

// TestCountedSenders sends a scheduler DM through the real Slack adapter
// against the fake API, once delivered and once given up (cancelled).
func TestCountedSenders(t *testing.T) {
	t.Parallel()
	api := newFakeAPI(t)
	db, err := store.Open(filepath.Join(t.TempDir(), "c.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		if err := db.Close(); err != nil {
			t.Error(err)
		}
	}()
	c, err := course.LoadBuiltin()
	if err != nil {
		t.Fatal(err)
	}
	a, err := slack.New(slack.Options{BotToken: testSlackToken, SigningSecret: testSlackSecret, APIURL: api.slackURL(),
		Handler: lessons.NewEngine(c, db, lessons.EngineOptions{Log: discardLogger()}), Store: db, Log: discardLogger()})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- a.Run(ctx) }()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Error(err)
		}
	}()

	m := newServeMetrics()
	dms, _ := countedSenders(m, map[string]bot.Sender{"slack": a}, nil)
	who := coursebot.Learner{Platform: "slack", UserID: "U1"}
	reply := []bot.Reply{{Blocks: []bot.Block{{Kind: bot.BlockMarkdown, Text: "A nudge"}}}}
	if err := dms["slack"].Send(context.Background(), who, reply); err != nil {
		t.Fatalf("send: %v", err)
	}
	gone, stop := context.WithCancel(context.Background())
	stop()
	if err := dms["slack"].Send(gone, who, reply); err == nil {
		t.Fatal("a cancelled send should fail")
	}
	if sent, failed := testutil.ToFloat64(m.SchedulerDeliveries.WithLabelValues("dm", "sent")), testutil.ToFloat64(m.SchedulerDeliveries.WithLabelValues("dm", "error")); sent != 1 || failed != 1 {
		t.Errorf("deliveries counted: sent %v, error %v; want 1 and 1", sent, failed)
	}
	if api.count("slack chat.postMessage") == 0 {
		t.Error("the nudge never reached the API")
	}
}
