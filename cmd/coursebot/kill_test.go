package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/coursebot/coursebot/bot/bottest"
	"github.com/coursebot/coursebot/internal/testwait"
	"github.com/coursebot/coursebot/store"
)

// wireSlack is a fake Slack Web API that keeps every message with its
// metadata, so that a post made before a crash is found after it (as
// Slack's conversations.history/replies find it), and counts the posts of
// each delivery id: a count above 1 is a doubled message.
type wireSlack struct {
	srv *httptest.Server
	mu  sync.Mutex
	seq int
	// msgs by channel, in posting order.
	msgs  map[string][]wireMsg
	posts map[string]int    // delivery id -> chat.postMessage calls that made a message
	edits map[string]string // message ts -> its text after the last chat.update
	roots map[string]int    // channel -> root messages ("Lesson 4.4 …" thread roots)
	// delay, when set, is how long every call takes (a slow Slack).
	delay time.Duration
	// stall, when set and true for a call, leaves the call unanswered
	// until the client goes away (a process killed in the middle of it).
	stall func(method string) bool
}

type wireMsg struct {
	TS, Thread, Text, ID string
}

func newWireSlack(t testing.TB) *wireSlack {
	f := &wireSlack{msgs: map[string][]wireMsg{}, posts: map[string]int{}, roots: map[string]int{}, edits: map[string]string{}}
	f.srv = httptest.NewServer(slackGate().Wrap(http.HandlerFunc(f.serve)))
	t.Cleanup(f.srv.Close)
	return f
}

func (f *wireSlack) apiURL() string { return f.srv.URL + "/api/" }

func (f *wireSlack) serve(w http.ResponseWriter, r *http.Request) {
	if f.delay > 0 {
		select {
		case <-time.After(f.delay):
		case <-r.Context().Done():
			return
		}
	}
	body, _ := io.ReadAll(r.Body)
	form, _ := url.ParseQuery(string(body))
	for k, v := range r.URL.Query() {
		form[k] = v
	}
	w.Header().Set("Content-Type", "application/json")
	method := strings.TrimPrefix(r.URL.Path, "/api/")
	if f.stall != nil && f.stall(method) {
		<-r.Context().Done()
		return
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.seq++
	ts := fmt.Sprintf("%d.%06d", time.Now().Unix(), f.seq) // Slack's clock is the bot's
	switch method {
	case "conversations.open":
		_, _ = fmt.Fprintf(w, `{"ok":true,"channel":{"id":"D%s"}}`, form.Get("users"))
	case "chat.postMessage":
		var meta struct {
			Payload struct {
				ID string `json:"id"`
			} `json:"event_payload"`
		}
		_ = json.Unmarshal([]byte(form.Get("metadata")), &meta)
		ch, thread := form.Get("channel"), form.Get("thread_ts")
		if strings.HasPrefix(ch, "U") {
			ch = "D" + ch // a post to a user goes into the DM with them
		}
		f.msgs[ch] = append(f.msgs[ch], wireMsg{TS: ts, Thread: thread, Text: form.Get("text"), ID: meta.Payload.ID})
		f.posts[meta.Payload.ID]++
		if thread == "" && strings.HasPrefix(form.Get("text"), "Lesson ") {
			f.roots[ch]++
		}
		_, _ = fmt.Fprintf(w, `{"ok":true,"channel":%q,"ts":%q,"message":{"ts":%q}}`, ch, ts, ts)
	case "conversations.history", "conversations.replies":
		b, _ := json.Marshal(f.history(method, form))
		_, _ = w.Write(b)
	case "chat.update":
		f.edits[form.Get("ts")] = form.Get("text")
		_, _ = fmt.Fprintf(w, `{"ok":true,"channel":%q,"ts":%q}`, form.Get("channel"), form.Get("ts"))
	case "chat.postEphemeral":
		_, _ = fmt.Fprintf(w, `{"ok":true,"message_ts":%q}`, ts)
	default:
		_, _ = io.WriteString(w, `{"ok":true}`)
	}
}

// history answers conversations.replies (the parent, then the replies
// after oldest, oldest first) and conversations.history (top-level
// messages after oldest, newest first) as Slack does, limit a page with a
// cursor for the rest.
func (f *wireSlack) history(method string, form url.Values) map[string]any {
	ch, thread, oldest := form.Get("channel"), form.Get("ts"), form.Get("oldest")
	var sel []wireMsg
	for _, m := range f.msgs[ch] {
		newer := oldest == "" || tsAfter(m.TS, oldest)
		switch {
		case method == "conversations.replies" && m.TS == thread:
			sel = append([]wireMsg{m}, sel...)
		case method == "conversations.replies" && m.Thread == thread && newer:
			sel = append(sel, m)
		case method == "conversations.history" && m.Thread == "" && newer:
			sel = append([]wireMsg{m}, sel...)
		}
	}
	limit, err := strconv.Atoi(form.Get("limit"))
	if err != nil || limit <= 0 || limit > 1000 {
		limit = 1000
	}
	from, _ := strconv.Atoi(form.Get("cursor"))
	from = min(max(from, 0), len(sel))
	to := min(from+limit, len(sel))
	out := []map[string]any{}
	for _, m := range sel[from:to] {
		out = append(out, map[string]any{"type": "message", "ts": m.TS, "thread_ts": m.Thread, "text": m.Text,
			"metadata": map[string]any{"event_type": "coursebot_post", "event_payload": map[string]any{"id": m.ID}}})
	}
	next := ""
	if to < len(sel) {
		next = strconv.Itoa(to)
	}
	return map[string]any{"ok": true, "messages": out, "has_more": next != "", "response_metadata": map[string]any{"next_cursor": next}}
}

// tsAfter reports whether Slack timestamp a is later than b.
func tsAfter(a, b string) bool {
	as, au, _ := strings.Cut(a, ".")
	bs, bu, _ := strings.Cut(b, ".")
	x, _ := strconv.ParseInt(as, 10, 64)
	y, _ := strconv.ParseInt(bs, 10, 64)
	u, _ := strconv.ParseInt(au, 10, 64)
	v, _ := strconv.ParseInt(bu, 10, 64)
	return x > y || (x == y && u > v)
}

// doubled returns the delivery ids posted more than once, and how many
// posts there were in all.
func (f *wireSlack) doubled() (ids []string, posts int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for id, n := range f.posts {
		posts += n
		if n > 1 {
			ids = append(ids, id)
		}
	}
	return ids, posts
}

func (f *wireSlack) lessonRoots(channel string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.roots[channel]
}

// slackOnlyConfig writes a config serving Slack over HTTP against api.
func slackOnlyConfig(t testing.TB, dir, apiURL, extra string) string {
	cfg := fmt.Sprintf(`http:
  listen: 127.0.0.1:0
admin:
  listen: 127.0.0.1:0
store:
  path: %s
  lock_timeout: 2s
log:
  format: json
  level: info
slack:
  enabled: true
  mode: http
  api_url: %s
%sscheduler:
  enabled: false
%s`, filepath.Join(dir, "coursebot.db"), apiURL, testLimitsYAML("slack", "  "), extra)
	path := filepath.Join(dir, "config.yaml")
	if err := os.WriteFile(path, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// killCount is how many answers the kill tests send: a few in a normal run
// (each one costs a process start), COURSEBOT_KILL_N (100 for the figures
// in the closing note) when set.
func killCount(t *testing.T, normal int) int {
	if s := os.Getenv("COURSEBOT_KILL_N"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 {
			t.Fatalf("COURSEBOT_KILL_N=%q", s)
		}
		return n
	}
	if testing.Short() {
		return 3
	}
	return normal
}

// metric reads one sample of /metrics ("name{labels}" or "name"), or -1.
func (p *proc) metric(sample string) float64 {
	_, body := p.adminGet("/metrics")
	for _, line := range strings.Split(body, "\n") {
		if v, ok := strings.CutPrefix(line, sample+" "); ok {
			f, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
			if err == nil {
				return f
			}
		}
	}
	return -1
}

// waitDrained polls /metrics until the inbox is empty and at least done
// items were finished (liveness only: testwait.Until).
func (p *proc) waitDrained(done int) {
	p.t.Helper()
	testwait.Until(p.t, "the inbox to drain", func() bool {
		return p.metric("coursebot_inbox_depth") == 0 && p.metric(`coursebot_inbox_items_total{result="done"}`) >= float64(done)
	})
}

func (p *proc) kill9() {
	p.t.Helper()
	if err := p.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		p.t.Fatal(err)
	}
	_ = p.wait(30 * time.Second)
}

func (p *proc) term() error {
	p.t.Helper()
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		p.t.Fatal(err)
	}
	return p.wait(60 * time.Second)
}

func firstQuestion(t *testing.T) string {
	replies := bottest.Lesson44(t)
	for _, r := range replies {
		for _, b := range r.Blocks {
			if b.Question != nil {
				return b.Question.ID
			}
		}
	}
	t.Fatal("lesson 4-4 has no question")
	return ""
}

func slackCommandBody(user, command string) string {
	return url.Values{"command": {"/" + command}, "user_id": {user}, "user_name": {strings.ToLower(user)},
		"channel_id": {"D" + user}, "team_id": {"T1"}, "text": {""}}.Encode()
}

func slackAnswerBody(user, question, text, view string) string {
	meta, _ := json.Marshal(map[string]string{"l": "4-4", "q": question})
	payload, _ := json.Marshal(map[string]any{
		"type": "view_submission", "user": map[string]any{"id": user},
		"view": map[string]any{"id": view, "hash": "h", "private_metadata": string(meta),
			"state": map[string]any{"values": map[string]any{"answer": map[string]any{"text": map[string]any{"type": "plain_text_input", "value": text}}}}},
	})
	return url.Values{"payload": {string(payload)}}.Encode()
}

// TestServeBinaryKill9AfterAck: each answer is acknowledged (200) and the
// process is killed with SIGKILL at a random point within 2 ms after the
// 200; after a restart every acknowledged answer is saved and no message
// was posted twice. COURSEBOT_KILL_N=100 runs the full hundred.
func TestServeBinaryKill9AfterAck(t *testing.T) {
	t.Parallel()
	n := killCount(t, 8)
	api := newWireSlack(t)
	dir := t.TempDir()
	cfg := slackOnlyConfig(t, dir, api.apiURL(), "")
	q := firstQuestion(t)
	user := func(i int) string { return fmt.Sprintf("UK%03d", i) }

	p := startBinary(t, "--config", cfg)
	e := &serveEnv{t: t, base: p.base}
	for i := range n {
		if code, body := e.slackPost("/slack/commands", slackCommandBody(user(i), "start-4-4")); code != 200 {
			t.Fatalf("start %d: HTTP %d %s", i, code, body)
		}
	}
	p.waitDrained(n)
	if err := p.term(); err != nil {
		t.Fatalf("stop after the starts: %v", err)
	}

	var acked []int
	for i := range n {
		p = startBinary(t, "--config", cfg)
		e = &serveEnv{t: t, base: p.base}
		code, _ := e.slackPost("/slack/interactions", slackAnswerBody(user(i), q, "answer "+user(i), "VK"+user(i)))
		if code == 200 {
			acked = append(acked, i)
		}
		time.Sleep(time.Duration(rand.IntN(2000)) * time.Microsecond) // a random kill point, not a wait for a result
		p.kill9()
	}

	db := drainAndOpen(t, cfg, dir)
	lost := 0
	for _, i := range acked {
		pr, err := db.Progress(context.Background(), "slack:"+user(i), "4-4")
		if err != nil {
			t.Fatal(err)
		}
		if pr.Answers[q].Text != "answer "+user(i) {
			lost++
			t.Errorf("%s's acknowledged answer was lost (saved %q)", user(i), pr.Answers[q].Text)
		}
	}
	for i := range n {
		if r := api.lessonRoots("D" + user(i)); r != 1 {
			t.Errorf("%s has %d lesson threads, want 1", user(i), r)
		}
	}
	doubled, posts := api.doubled()
	if len(doubled) > 0 {
		t.Errorf("messages posted twice: %v", doubled)
	}
	if items, err := db.InboxItems(context.Background()); err != nil || len(items) != 0 {
		t.Errorf("inbox after the final run: %d items, %v", len(items), err)
	}
	t.Logf("kill -9 after the ack: %d answers, %d acknowledged, %d lost, %d doubled (%d posts in all)", n, len(acked), lost, len(doubled), posts)
	if len(acked) != n {
		t.Errorf("%d of %d answers were not acknowledged", n-len(acked), n)
	}
}

// drainAndOpen starts the binary again on cfg, waits until it has done
// every item a previous run left in the inbox, stops it, and opens the
// database in dir for the test to read (closed when the test ends).
func drainAndOpen(t *testing.T, cfg, dir string) *store.DB {
	t.Helper()
	p := startBinary(t, "--config", cfg)
	p.waitDrained(0)
	if err := p.term(); err != nil {
		t.Fatalf("final stop: %v", err)
	}
	db, err := store.Open(filepath.Join(dir, "coursebot.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := db.Close(); err != nil {
			t.Error(err)
		}
	})
	return db
}
