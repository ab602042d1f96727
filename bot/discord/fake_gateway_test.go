package discord_test

import (
	"encoding/json"
	"net"
	"net/http"
	"sync"
	"testing"

	"github.com/coursebot/coursebot/internal/testwait"
)

// The fake Discord's gateway: a websocket that says hello, takes an
// identify or a resume, then pushes the dispatches the test gives it.

func (f *fakeDiscord) serveGateway(w http.ResponseWriter, r *http.Request) {
	c, err := f.upgrader.Upgrade(w, r, nil)
	if err != nil {
		return
	}
	defer func() { _ = c.Close() }() // the fake's end; the client may have closed first
	f.mu.Lock()
	f.gwConns++
	f.mu.Unlock()
	var wmu sync.Mutex
	send := func(v any) error {
		wmu.Lock()
		defer wmu.Unlock()
		return c.WriteJSON(v)
	}
	if send(map[string]any{"op": 10, "d": map[string]any{"heartbeat_interval": 45000}}) != nil {
		return
	}
	var hello struct {
		Op int `json:"op"`
	}
	if c.ReadJSON(&hello) != nil {
		return
	}
	f.mu.Lock()
	f.seq++
	seq := f.seq
	switch hello.Op {
	case 2:
		f.identifies++
	case 6:
		f.resumes++
	}
	f.mu.Unlock()
	if hello.Op == 6 {
		_ = send(map[string]any{"op": 0, "s": seq, "t": "RESUMED", "d": map[string]any{}})
	} else {
		_ = send(map[string]any{"op": 0, "s": seq, "t": "READY", "d": map[string]any{
			"v": 10, "session_id": "sess1", "user": map[string]any{"id": "bot1", "username": "coursebot", "bot": true},
			"guilds": []any{}, "resume_gateway_url": "ws://unused",
		}})
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			var in struct {
				Op int `json:"op"`
			}
			if c.ReadJSON(&in) != nil {
				return
			}
			if in.Op == 1 {
				_ = send(map[string]any{"op": 11})
			}
		}
	}()
	for {
		select {
		case <-done:
			return
		case <-f.kick:
			return // drop the connection: the client must reconnect
		case d := <-f.dispatch:
			var ev struct {
				T string          `json:"t"`
				D json.RawMessage `json:"d"`
			}
			_ = json.Unmarshal([]byte(d), &ev)
			f.mu.Lock()
			f.seq++
			seq := f.seq
			f.mu.Unlock()
			if send(map[string]any{"op": 0, "s": seq, "t": ev.T, "d": ev.D}) != nil {
				return
			}
		}
	}
}

// push sends a gateway dispatch (t, d).
func (f *fakeDiscord) push(t string, d any) {
	raw, _ := json.Marshal(map[string]any{"t": t, "d": d})
	f.dispatch <- string(raw)
}

func (f *fakeDiscord) gatewayStats() (conns, identifies, resumes int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.gwConns, f.identifies, f.resumes
}

// waitFor polls cond until it holds or the deadline passes.
func waitFor(t testing.TB, what string, cond func() bool) {
	t.Helper()
	testwait.Until(t, what, cond)
}

func newLoopbackListener(t testing.TB) net.Listener {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	return ln
}
