package slack

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/coursebot/coursebot"
	"github.com/coursebot/coursebot/bot"
	"github.com/coursebot/coursebot/bot/bottest"
	"github.com/coursebot/coursebot/course"
	"github.com/coursebot/coursebot/internal/recovery"
	"github.com/coursebot/coursebot/internal/testwait"
	"github.com/coursebot/coursebot/lessons"
	"github.com/coursebot/coursebot/store"
)

const (
	testSecret   = "test-signing-secret-0123456789"
	testBotToken = "xoxb-test-bot-token-SECRET"
)

// harness runs the adapter for real: its routes behind an httptest server,
// a bbolt store in a temp dir, the Slack Web API faked by fakeSlack.
type harness struct {
	t      testing.TB
	fake   *fakeSlack
	a      *Adapter
	srv    *httptest.Server
	db     *store.DB
	dbPath string
	now    time.Time
	logs   *bottest.Log
	cancel context.CancelFunc
	done   chan error
	seq    int
}

// engineHandler builds the real lesson engine over db.
func engineHandler(t testing.TB, db *store.DB) bot.Handler {
	t.Helper()
	loaded, err := course.LoadBuiltin()
	if err != nil {
		t.Fatalf("load course: %v", err)
	}
	return lessons.NewEngine(loaded, db, lessons.EngineOptions{Log: slog.New(slog.DiscardHandler)})
}

func commandsOf(t testing.TB) []Command {
	loaded, err := course.LoadBuiltin()
	if err != nil {
		t.Fatalf("load course: %v", err)
	}
	installed := map[string]bool{}
	for _, e := range loaded.Catalogue {
		installed[e.Command] = e.Installed
	}
	var out []Command
	for _, c := range loaded.Commands() {
		out = append(out, Command{Name: c.Name, Description: c.Description, Usage: c.Usage, Opens: installed[c.Name]})
	}
	// The stub lesson of the fault tests (stubHandler) opens too.
	out = append(out, Command{Name: "start-9-9", Description: "Lesson 9.9 (a stub)", Opens: true})
	return out
}

// newHarness starts everything; handler nil means the real engine.
func newHarness(t testing.TB, handler func(*store.DB) bot.Handler, mod func(*Options)) *harness {
	t.Helper()
	return newHarnessFake(t, newFakeSlack(t), handler, mod)
}

func newHarnessFake(t testing.TB, fake *fakeSlack, handler func(*store.DB) bot.Handler, mod func(*Options)) *harness {
	t.Helper()
	h := &harness{t: t, fake: fake, now: time.Unix(1_750_000_000, 0), logs: &bottest.Log{}}
	fake.now = func() time.Time { return h.now } // Slack's clock agrees with the bot's
	h.dbPath = filepath.Join(t.TempDir(), "bot.db")
	h.start(handler, mod)
	return h
}

func (h *harness) start(handler func(*store.DB) bot.Handler, mod func(*Options)) {
	t := h.t
	db, err := store.Open(h.dbPath, store.Options{})
	if err != nil {
		t.Fatalf("open store: %v", err)
	}
	h.db = db
	hd := bot.Handler(nil)
	if handler == nil {
		hd = engineHandler(t, db)
	} else {
		hd = handler(db)
	}
	opts := Options{
		BotToken: testBotToken, SigningSecret: testSecret, APIURL: h.fake.apiURL(),
		Handler: hd, Store: db, Commands: commandsOf(t),
		Now: func() time.Time { return h.now }, Log: slog.New(slog.NewTextHandler(h.logs, nil)),
		Backoff: 20 * time.Millisecond, CallTimeout: 2 * time.Second, Clock: h.fake.pace,
		// A panic in a worker is a failed test at once (waits stop on it),
		// not a wait until the test binary's deadline.
		Panics: &recovery.Panics{Log: slog.New(slog.NewTextHandler(h.logs, nil)), Count: func(where string, v any) { t.Errorf("panic in %s: %v", where, v) }},
	}
	if mod != nil {
		mod(&opts)
	}
	a, err := New(opts)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	h.a = a
	mux := http.NewServeMux()
	a.Routes(mux)
	h.srv = httptest.NewServer(mux)
	ctx, cancel := context.WithCancel(context.Background())
	h.cancel = cancel
	h.done = make(chan error, 1)
	go func() { h.done <- a.Run(ctx) }()
	t.Cleanup(h.stop)
}

// stop shuts the adapter down as `coursebot serve` would, and closes the store.
func (h *harness) stop() {
	if h.cancel == nil {
		return
	}
	h.srv.Close()
	h.cancel()
	if err := <-h.done; err != nil {
		h.t.Errorf("Run: %v", err)
	}
	h.cancel = nil
	if err := h.db.Close(); err != nil {
		h.t.Errorf("close store: %v", err)
	}
}

// restart stops the process and starts a new one on the same store file.
func (h *harness) restart(handler func(*store.DB) bot.Handler) {
	h.stop()
	h.start(handler, nil)
}

// send posts a signed request the way Slack does.
func (h *harness) send(path, contentType, body string) (int, string) {
	h.t.Helper()
	req, err := http.NewRequest(http.MethodPost, h.srv.URL+path, strings.NewReader(body))
	if err != nil {
		h.t.Fatal(err)
	}
	ts := strconv.FormatInt(h.now.Unix(), 10)
	req.Header.Set("Content-Type", contentType)
	req.Header.Set("X-Slack-Request-Timestamp", ts)
	req.Header.Set("X-Slack-Signature", verifier{secret: []byte(testSecret)}.sign(ts, []byte(body)))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		h.t.Fatalf("POST %s: %v", path, err)
	}
	defer func() { _ = resp.Body.Close() }()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

const formType = "application/x-www-form-urlencoded"

func (h *harness) command(user, name, channel string) (int, string) {
	h.t.Helper()
	form := url.Values{"token": {"x"}, "team_id": {"T1"}, "channel_id": {channel}, "user_id": {user},
		"user_name": {"learner"}, "command": {"/" + name}, "text": {""}, "api_app_id": {"A1"},
		"response_url": {h.fake.responseURL()}, "trigger_id": {"1.2.3"}}
	return h.send("/slack/commands", formType, form.Encode())
}

// press sends a block_actions payload for the control actionID on msg, as
// Slack does: the message as shown, the container, the action.
func (h *harness) press(user string, msg fakeMsg, actionID string, selected ...string) int {
	h.t.Helper()
	var act map[string]any
	blockID := ""
	for _, b := range msg.Blocks {
		els, _ := b["elements"].([]any)
		if acc, ok := b["accessory"].(map[string]any); ok {
			els = append(els, acc)
		}
		for _, e := range els {
			el, _ := e.(map[string]any)
			if el["action_id"] == actionID {
				act, blockID = el, fmt.Sprint(b["block_id"])
			}
		}
	}
	if act == nil {
		h.t.Fatalf("no control %q in message %s", actionID, msg.TS)
	}
	h.seq++
	action := map[string]any{"action_id": actionID, "block_id": blockID, "type": act["type"],
		"action_ts": fmt.Sprintf("1750000000.%06d", h.seq)}
	if act["type"] == "button" {
		action["value"] = act["value"]
		action["text"] = act["text"]
	} else {
		var opts []any
		all, _ := act["options"].([]any)
		for _, o := range all {
			om, _ := o.(map[string]any)
			for _, s := range selected {
				if om["value"] == s {
					opts = append(opts, om)
				}
			}
		}
		action["selected_options"] = opts
	}
	payload := map[string]any{
		"type": "block_actions", "token": "x", "api_app_id": "A1", "trigger_id": "trig-" + strconv.Itoa(h.seq),
		"team": map[string]any{"id": "T1"}, "user": map[string]any{"id": user, "name": "learner"},
		"container": map[string]any{"type": "message", "message_ts": msg.TS, "channel_id": msg.Channel,
			"is_ephemeral": false, "thread_ts": msg.ThreadTS},
		"channel":      map[string]any{"id": msg.Channel},
		"message":      map[string]any{"type": "message", "ts": msg.TS, "thread_ts": msg.ThreadTS, "text": msg.Text, "blocks": msg.Blocks},
		"response_url": h.fake.responseURLFor(msg.Channel, msg.TS),
		"actions":      []any{action},
	}
	b, _ := json.Marshal(payload)
	code, _ := h.send("/slack/interactions", formType, url.Values{"payload": {string(b)}}.Encode())
	return code
}

// reply sends a message event: the learner writing in a thread.
func (h *harness) reply(user, channel, threadTS, text, eventID string) int {
	h.t.Helper()
	h.seq++
	ev := map[string]any{
		"token": "x", "team_id": "T1", "api_app_id": "A1", "type": "event_callback",
		"event_id": eventID, "event_time": h.now.Unix(),
		"event": map[string]any{"type": "message", "user": user, "text": text, "channel": channel,
			"channel_type": "im", "ts": fmt.Sprintf("1750000001.%06d", h.seq), "thread_ts": threadTS,
			"event_ts": fmt.Sprintf("1750000001.%06d", h.seq)},
	}
	b, _ := json.Marshal(ev)
	code, _ := h.send("/slack/events", "application/json", string(b))
	return code
}

// idle waits until every queued job has run. It is a liveness deadline,
// not a speed check.
func (h *harness) idle() {
	h.t.Helper()
	testwait.Until(h.t, "the adapter to be idle", func() bool { return h.a.q.Len() == 0 })
}

// lessonThread returns the learner's thread from the store.
func (h *harness) lessonThread(user, lesson string) coursebot.Thread {
	h.t.Helper()
	th, ok, err := h.db.ThreadFor(context.Background(), Platform, Platform+":"+user, lesson)
	if err != nil || !ok {
		h.t.Fatalf("no thread for %s in %s: %v", user, lesson, err)
	}
	return th
}

// pressEphemeral presses the control actionID of an ephemeral message
// (blocks as a response_url or slash-command answer carried them), as
// Slack does: the container says is_ephemeral, and the payload carries no
// message (Slack keeps none for ephemeral messages).
func (h *harness) pressEphemeral(user, channel string, blocks []map[string]any, actionID string) int {
	h.t.Helper()
	var act map[string]any
	blockID := ""
	for _, b := range blocks {
		els, _ := b["elements"].([]any)
		for _, e := range els {
			if el, _ := e.(map[string]any); el["action_id"] == actionID {
				act, blockID = el, fmt.Sprint(b["block_id"])
			}
		}
	}
	if act == nil {
		h.t.Fatalf("no control %q in the ephemeral message %v", actionID, blocks)
	}
	h.seq++
	payload := map[string]any{
		"type": "block_actions", "token": "x", "api_app_id": "A1", "trigger_id": "trig-" + strconv.Itoa(h.seq),
		"team": map[string]any{"id": "T1"}, "user": map[string]any{"id": user, "name": "learner"},
		"container":    map[string]any{"type": "message", "message_ts": fmt.Sprintf("1750000002.%06d", h.seq), "channel_id": channel, "is_ephemeral": true},
		"channel":      map[string]any{"id": channel},
		"response_url": h.fake.responseURL(),
		"actions": []any{map[string]any{"action_id": actionID, "block_id": blockID, "type": "button", "value": act["value"],
			"text": act["text"], "action_ts": fmt.Sprintf("1750000000.%06d", h.seq)}},
	}
	b, _ := json.Marshal(payload)
	code, _ := h.send("/slack/interactions", formType, url.Values{"payload": {string(b)}}.Encode())
	return code
}
