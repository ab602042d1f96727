package slack

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"github.com/slack-go/slack/slacktest"
)

// socketFake serves apps.connections.open and a Socket Mode websocket that
// the test drives: it sends envelopes and reads the client's acks.
type socketFake struct {
	mu      sync.Mutex
	opens   int
	conns   chan *websocket.Conn
	wsURL   string
	binders slacktest.Binder
}

func newSocketFake() *socketFake {
	s := &socketFake{conns: make(chan *websocket.Conn, 4)}
	s.binders = func(c slacktest.Customize) {
		c.Handle("/apps.connections.open", func(w http.ResponseWriter, r *http.Request) {
			s.mu.Lock()
			s.opens++
			u := s.wsURL
			s.mu.Unlock()
			w.Header().Set("Content-Type", "application/json")
			_ = json.NewEncoder(w).Encode(map[string]any{"ok": true, "url": u})
		})
		c.Handle("/socket", func(w http.ResponseWriter, r *http.Request) {
			up := websocket.Upgrader{CheckOrigin: func(*http.Request) bool { return true }}
			conn, err := up.Upgrade(w, r, nil)
			if err != nil {
				return
			}
			_ = conn.WriteJSON(map[string]any{"type": "hello", "num_connections": 1,
				"debug_info": map[string]any{"host": "fake"}, "connection_info": map[string]any{"app_id": "A1"}})
			s.conns <- conn
		})
	}
	return s
}

// readAck reads frames until the ack of envelope id.
func readAck(t *testing.T, c *websocket.Conn, id string) map[string]any {
	t.Helper()
	_ = c.SetReadDeadline(time.Now().Add(20 * time.Second))
	for {
		var m map[string]any
		if err := c.ReadJSON(&m); err != nil {
			t.Fatalf("read ack of %s: %v", id, err)
		}
		if m["envelope_id"] == id {
			return m
		}
	}
}

// TestSocketMode runs the adapter over Socket Mode: a slash command
// envelope is acked with the "Starting" answer as payload, the lesson is
// posted, a thread reply arrives as an events_api envelope, and after
// Slack's "disconnect" (refresh_requested) the client reconnects.
func TestSocketMode(t *testing.T) {
	t.Parallel()
	sf := newSocketFake()
	fake := newFakeSlack(t, sf.binders)
	sf.wsURL = "ws://" + fake.srv.ServerAddr + "/socket"
	h := newHarnessFake(t, fake, nil, func(o *Options) {
		o.Mode, o.AppToken, o.SigningSecret = ModeSocket, "xapp-test-app-token", ""
	})
	conn := <-sf.conns
	defer func() {
		if err := conn.Close(); err != nil {
			t.Error(err)
		}
	}()
	waitFor(t, func() bool { return h.a.Ready() == nil })
	cmd := map[string]any{"envelope_id": "env-1", "type": "slash_commands", "accepts_response_payload": true,
		"payload": map[string]any{"token": "x", "team_id": "T1", "channel_id": "C1", "user_id": "U1", "user_name": "learner",
			"command": "/start-4-4", "text": "", "response_url": fake.responseURL(), "trigger_id": "t1"}}
	if err := conn.WriteJSON(cmd); err != nil {
		t.Fatal(err)
	}
	if ack := readAck(t, conn, "env-1"); !strings.Contains(fmt.Sprint(ack["payload"]), "Starting Lesson 4.4") {
		t.Fatalf("ack payload %v, want where the lesson opens", ack["payload"])
	}
	waitFor(t, func() bool { return fake.count("chat.postMessage") >= 1 })
	h.idle()
	if _, _, responses := fake.snapshot(); len(responses) != 0 {
		t.Fatalf("response_url got %v, want nothing (the ack said it)", responses)
	}
	th := h.lessonThread("U1", "4-4")

	ev := map[string]any{"envelope_id": "env-2", "type": "events_api", "accepts_response_payload": false,
		"payload": map[string]any{"type": "event_callback", "event_id": "EvSOCK", "team_id": "T1", "api_app_id": "A1",
			"event": map[string]any{"type": "message", "user": "U1", "text": "an answer", "channel": th.Channel,
				"channel_type": "im", "ts": "1750000009.000001", "thread_ts": th.ThreadID}}}
	if err := conn.WriteJSON(ev); err != nil {
		t.Fatal(err)
	}
	readAck(t, conn, "env-2")
	// The intro card has no question: the engine's refusal comes back
	// ephemerally in the lesson thread.
	waitFor(t, func() bool {
		calls, _, _ := fake.snapshot()
		for _, c := range calls {
			if c.Method == "chat.postEphemeral" && c.Form.Get("thread_ts") == th.ThreadID && c.Form.Get("user") == "U1" {
				return true
			}
		}
		return false
	})

	if err := conn.WriteJSON(map[string]any{"type": "disconnect", "reason": "refresh_requested", "debug_info": map[string]any{"host": "fake"}}); err != nil {
		t.Fatal(err)
	}
	select {
	case c2 := <-sf.conns:
		waitFor(t, func() bool { return h.a.Ready() == nil })
		if err := c2.Close(); err != nil {
			t.Error(err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("no reconnect after disconnect")
	}
	sf.mu.Lock()
	opens := sf.opens
	sf.mu.Unlock()
	if opens < 2 {
		t.Fatalf("apps.connections.open called %d times, want a reconnect", opens)
	}
	if strings.Contains(h.logs.String(), "xapp-test-app-token") {
		t.Error("app token in the log")
	}
}
