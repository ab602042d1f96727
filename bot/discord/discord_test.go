package discord_test

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coursebot/coursebot"
	"github.com/coursebot/coursebot/bot"
	"github.com/coursebot/coursebot/bot/bottest"
	"github.com/coursebot/coursebot/bot/discord"
	"github.com/coursebot/coursebot/course"
	"github.com/coursebot/coursebot/internal/recovery"
	"github.com/coursebot/coursebot/lessons"
	"github.com/coursebot/coursebot/store"
)

const (
	testToken = "BOT-TOKEN-SECRET-xyz"
	testApp   = "app1"
)

var fixedNow = time.Date(2026, 3, 14, 12, 0, 0, 0, time.UTC)

type env struct {
	t      testing.TB
	f      *fakeDiscord
	a      *discord.Adapter
	db     *store.DB
	dbPath string
	priv   ed25519.PrivateKey
	pubHex string
	mux    *http.ServeMux
	logs   *bottest.Log
	stop   func()
	mode   string
	seq    int
	// now is the time interactions are signed at (default fixedNow).
	now func() time.Time
}

func testKey() (ed25519.PublicKey, ed25519.PrivateKey) {
	seed := bytes.Repeat([]byte{7}, ed25519.SeedSize)
	priv := ed25519.NewKeyFromSeed(seed)
	return priv.Public().(ed25519.PublicKey), priv
}

// engineHandler is the real lesson engine on the store.
func engineHandler(t testing.TB, db *store.DB) (bot.Handler, []discord.Command) {
	loaded, err := course.LoadBuiltin()
	if err != nil {
		t.Fatal(err)
	}
	var cmds []discord.Command
	for _, c := range loaded.Commands() {
		cmds = append(cmds, discord.Command{Name: c.Name, Description: c.Description, Usage: c.Usage, UsageHelp: c.UsageHelp, Lesson: c.Role == course.RoleLesson})
	}
	return lessons.NewEngine(loaded, db, lessons.EngineOptions{Now: func() time.Time { return fixedNow }}), cmds
}

func newEnv(t testing.TB, mode string, f *fakeDiscord, dbPath string, private bool) *env {
	t.Helper()
	return newEnvWith(t, mode, f, dbPath, private, nil)
}

// newEnvWith is newEnv with handler in place of the engine (nil: the
// engine); the engine's commands are registered either way.
func newEnvWith(t testing.TB, mode string, f *fakeDiscord, dbPath string, private bool, handler bot.Handler, mods ...func(*discord.Options)) *env {
	t.Helper()
	if f == nil {
		f = newFakeDiscord(t)
	}
	if dbPath == "" {
		dbPath = filepath.Join(t.TempDir(), "bot.db")
	}
	db, err := store.Open(dbPath, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	h, cmds := engineHandler(t, db)
	if handler != nil {
		h = handler
	}
	pub, priv := testKey()
	logs := &bottest.Log{}
	opts := discord.Options{
		Token: testToken, PublicKey: hex.EncodeToString(pub), ApplicationID: testApp, APIURL: f.apiURL(),
		Mode: mode, PrivateThreads: private, Handler: h, Store: db, Commands: cmds, Clock: f.pace,
		Now: func() time.Time { return fixedNow }, Log: slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
		// A panic in a worker is a failed test at once (waits stop on it),
		// not a wait until the test binary's deadline.
		Panics: &recovery.Panics{Log: slog.New(slog.NewTextHandler(logs, nil)), Count: func(where string, v any) { t.Errorf("panic in %s: %v", where, v) }},
	}
	for _, mod := range mods {
		mod(&opts)
	}
	a, err := discord.New(opts)
	if err != nil {
		t.Fatal(err)
	}
	e := &env{t: t, f: f, a: a, db: db, dbPath: dbPath, priv: priv, pubHex: hex.EncodeToString(pub), mux: http.NewServeMux(), logs: logs, mode: mode}
	a.Routes(e.mux)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- a.Run(ctx) }()
	var once sync.Once
	e.stop = func() {
		once.Do(func() {
			cancel()
			if err := <-done; err != nil {
				t.Errorf("Run: %v", err)
			}
			_ = db.Close()
			if strings.Contains(logs.String(), testToken) {
				t.Errorf("bot token leaked into logs")
			}
		})
	}
	t.Cleanup(e.stop)
	return e
}

// --- interaction payloads ---

func member(user string) map[string]any {
	return map[string]any{"user": map[string]any{"id": user, "username": "user-" + user}}
}

func (e *env) nextID() string {
	e.seq++
	return fmt.Sprintf("%d%04d", time.Now().UnixNano()%1e9, e.seq)
}

func commandPayload(id, user, name string, options ...map[string]any) map[string]any {
	if options == nil {
		options = []map[string]any{}
	}
	return map[string]any{"id": id, "application_id": testApp, "type": 2, "token": "itok-" + id, "version": 1,
		"channel_id": "chan1", "guild_id": "guild1", "member": member(user),
		"data": map[string]any{"id": "c" + id, "name": name, "type": 1, "options": options}}
}

func componentPayload(id, user, customID string, msg fakeMessage) map[string]any {
	return map[string]any{"id": id, "application_id": testApp, "type": 3, "token": "itok-" + id, "version": 1,
		"channel_id": msg.ChannelID, "guild_id": "guild1", "member": member(user),
		"message": map[string]any{"id": msg.ID, "channel_id": msg.ChannelID, "content": msg.Content, "components": msg.Components},
		"data":    map[string]any{"custom_id": customID, "component_type": 2}}
}

// modalPayload is a form's submission as Discord sends it for the forms
// the adapter opens: a text display (id 1) and a Label (type 18) holding
// the text input.
func modalPayload(id, user, customID, channel, text string) map[string]any {
	return map[string]any{"id": id, "application_id": testApp, "type": 5, "token": "itok-" + id, "version": 1,
		"channel_id": channel, "guild_id": "guild1", "member": member(user),
		"data": map[string]any{"custom_id": customID, "components": []any{
			map[string]any{"type": 10, "id": 1},
			map[string]any{"type": 18, "id": 2, "component": map[string]any{"type": 4, "id": 3, "custom_id": "answer", "value": text}}}}}
}

// signedAt is the time to sign interactions at: the adapter's.
func (e *env) signedAt() time.Time {
	if e.now != nil {
		return e.now()
	}
	return fixedNow
}

// sign returns a signed interactions request.
func (e *env) sign(body []byte, ts time.Time) *http.Request {
	tss := fmt.Sprint(ts.Unix())
	sig := ed25519.Sign(e.priv, append([]byte(tss), body...))
	r := httptest.NewRequest("POST", "/discord/interactions", bytes.NewReader(body))
	r.Header.Set("X-Signature-Ed25519", hex.EncodeToString(sig))
	r.Header.Set("X-Signature-Timestamp", tss)
	r.Header.Set("Content-Type", "application/json")
	return r
}

// deliver sends an interaction the way the mode receives it and returns the
// initial response type.
func (e *env) deliver(p map[string]any) int {
	e.t.Helper()
	e.f.interacted(p)
	body, _ := json.Marshal(p)
	id := p["id"].(string)
	if e.mode == discord.ModeHTTP {
		w := httptest.NewRecorder()
		e.mux.ServeHTTP(w, e.sign(body, e.signedAt()))
		if w.Code != 200 {
			e.t.Fatalf("interaction %s: HTTP %d %s", id, w.Code, w.Body.String())
		}
		var resp struct {
			Type int `json:"type"`
		}
		if err := json.Unmarshal(w.Body.Bytes(), &resp); err != nil {
			e.t.Fatal(err)
		}
		return resp.Type
	}
	e.f.push("INTERACTION_CREATE", json.RawMessage(body))
	var raw json.RawMessage
	waitFor(e.t, "initial response to "+id, func() bool { var ok bool; raw, ok = e.f.callback(id); return ok })
	var resp struct {
		Type int `json:"type"`
	}
	_ = json.Unmarshal(raw, &resp)
	return resp.Type
}

// --- reading what the fake got ---

type component struct {
	Type       int         `json:"type"`
	CustomID   string      `json:"custom_id"`
	Label      string      `json:"label"`
	Disabled   bool        `json:"disabled"`
	Components []component `json:"components"`
}

func buttonsOf(m fakeMessage) []component {
	var rows []component
	_ = json.Unmarshal(m.Components, &rows)
	var out []component
	for _, r := range rows {
		out = append(out, r.Components...)
	}
	return out
}

func enabledButtons(m fakeMessage) []component {
	var out []component
	for _, b := range buttonsOf(m) {
		if !b.Disabled {
			out = append(out, b)
		}
	}
	return out
}

func onlyThread(t *testing.T, f *fakeDiscord) fakeChannel {
	t.Helper()
	var th []fakeChannel
	waitFor(t, "a lesson thread", func() bool { th = f.threads(); return len(th) > 0 })
	if len(th) != 1 {
		t.Fatalf("want 1 thread, got %d", len(th))
	}
	return th[0]
}

// checkLimits asserts Discord's limits on every message posted.
func checkLimits(t *testing.T, m fakeMessage) {
	t.Helper()
	if n := len([]rune(m.Content)); n > 2000 {
		t.Errorf("message %s: %d characters", m.ID, n)
	}
	var rows []component
	_ = json.Unmarshal(m.Components, &rows)
	if len(rows) > 5 {
		t.Errorf("message %s: %d rows", m.ID, len(rows))
	}
	seen := map[string]bool{}
	for _, r := range rows {
		if len(r.Components) > 5 {
			t.Errorf("message %s: %d buttons in a row", m.ID, len(r.Components))
		}
		for _, b := range r.Components {
			if len(b.CustomID) == 0 || len(b.CustomID) > 100 || seen[b.CustomID] {
				t.Errorf("message %s: bad or repeated custom_id %q", m.ID, b.CustomID)
			}
			seen[b.CustomID] = true
			if n := len([]rune(b.Label)); n == 0 || n > 80 {
				t.Errorf("message %s: label %q", m.ID, b.Label)
			}
		}
	}
}

// settled waits until every accepted interaction's work is done and
// written: an item's writes are committed with its removal from the inbox,
// just after its last platform call.
func (e *env) settled() {
	e.t.Helper()
	waitFor(e.t, "the accepted work committed", func() bool {
		items, err := e.db.InboxItems(context.Background())
		return err == nil && len(items) == 0
	})
}

func (e *env) progress(user string) coursebot.Progress {
	e.settled()
	p, err := e.db.Progress(context.Background(), "discord:"+user, "4-4")
	if err != nil {
		e.t.Fatal(err)
	}
	return p
}

// currentControls scans the thread for enabled controls (only the current
// card's are enabled) and returns the message and custom_id of the first
// button whose custom_id starts with prefix.
func currentControl(f *fakeDiscord, thread, prefix string) (fakeMessage, string) {
	for _, m := range f.channelMessages(thread) {
		for _, b := range enabledButtons(m) {
			if strings.HasPrefix(b.CustomID, prefix) {
				return m, b.CustomID
			}
		}
	}
	return fakeMessage{}, ""
}

// completeLesson drives Lesson 4.4 to the end through buttons, answering
// each question with answer(card, customID) and ticking one item per
// checklist or rating card.
func (e *env) completeLesson(user, thread string, answer func(card fakeMessage, customID string)) {
	t := e.t
	prevAt := "-"
	for step := 0; step < 200; step++ {
		var card fakeMessage
		var nav string
		waitFor(t, "the next card", func() bool {
			for _, p := range []string{"next|", "skip|"} {
				if m, id := currentControl(e.f, thread, p); id != "" {
					if a, _ := bot.ParseAction(id); a.At != prevAt {
						card, nav = m, id
						return true
					}
				}
			}
			return false
		})
		at, _ := bot.ParseAction(nav)
		prevAt = at.At
		if m, ans := currentControl(e.f, thread, "dc.answer|"); ans != "" {
			before := len(e.progress(user).Answers)
			answer(m, ans)
			waitFor(t, "answer saved", func() bool { return len(e.progress(user).Answers) > before })
			waitFor(t, "Next after the answer", func() bool {
				card, nav = currentControl(e.f, thread, "next|")
				return nav != ""
			})
		}
		for _, p := range []string{"check|", "rate|"} {
			src, item := currentControl(e.f, thread, p)
			if item == "" {
				continue
			}
			before := len(e.f.callsMatching("PATCH", "/webhooks/"))
			if typ := e.deliver(componentPayload(e.nextID(), user, item, src)); typ != 6 {
				t.Fatalf("item press: response type %d, want 6", typ)
			}
			waitFor(t, "card edited in place", func() bool { return len(e.f.callsMatching("PATCH", "/webhooks/")) > before })
		}
		if typ := e.deliver(componentPayload(e.nextID(), user, nav, card)); typ != 6 {
			t.Fatalf("next: response type %d, want 6", typ)
		}
		waitFor(t, "previous card disabled", func() bool {
			for _, m := range e.f.channelMessages(thread) {
				if m.ID == card.ID {
					return len(enabledButtons(m)) == 0
				}
			}
			return false
		})
		if e.progress(user).State() == coursebot.StateCompleted {
			return
		}
	}
	t.Fatal("lesson did not complete in 200 steps")
}

func TestHTTPLearnerCompletesLesson44(t *testing.T) {
	t.Parallel()
	e := newEnv(t, discord.ModeHTTP, nil, "", false)
	if typ := e.deliver(commandPayload(e.nextID(), "u1", "start-4-4")); typ != 5 {
		t.Fatalf("start: response type %d, want 5 (deferred)", typ)
	}
	th := onlyThread(t, e.f)
	if th.Type != 11 {
		t.Errorf("thread type %d, want public 11", th.Type)
	}
	answered := 0
	e.completeLesson("u1", th.ID, func(card fakeMessage, customID string) {
		// The Answer button opens a modal; its submission is the answer.
		body, _ := json.Marshal(componentPayload(e.nextID(), "u1", customID, card))
		w := httptest.NewRecorder()
		e.mux.ServeHTTP(w, e.sign(body, fixedNow))
		if !strings.Contains(w.Body.String(), `"type":9`) {
			t.Fatalf("Answer button: want a modal, got %s", w.Body.String())
		}
		answered++
		if typ := e.deliver(modalPayload(e.nextID(), "u1", customID, th.ID, fmt.Sprintf("My answer %d", answered))); typ != 6 {
			t.Fatalf("modal submit: type %d", typ)
		}
		waitFor(t, "confirmation", func() bool {
			for _, c := range e.f.callsMatching("POST", "/webhooks/") {
				if strings.Contains(c.Body, "Answer saved") {
					return true
				}
			}
			return false
		})
	})
	p := e.progress("u1")
	if p.State() != coursebot.StateCompleted {
		t.Fatalf("lesson state %v", p.State())
	}
	if answered == 0 || len(p.Answers) == 0 {
		t.Errorf("no answers saved (answered %d, stored %d)", answered, len(p.Answers))
	}
	for _, m := range e.f.channelMessages(th.ID) {
		checkLimits(t, m)
	}
	if strings.Contains(e.logs.String(), "itok-") {
		t.Error("interaction token leaked into logs")
	}
}

func TestGatewayLearnerCompletesLesson44(t *testing.T) {
	t.Parallel()
	e := newEnv(t, discord.ModeGateway, nil, "", true)
	waitFor(t, "gateway identify", func() bool { _, ids, _ := e.f.gatewayStats(); return ids == 1 })
	if typ := e.deliver(commandPayload(e.nextID(), "u2", "start-4-4")); typ != 5 {
		t.Fatalf("start: type %d", typ)
	}
	th := onlyThread(t, e.f)
	if th.Type != 12 {
		t.Errorf("thread type %d, want private 12", th.Type)
	}
	// The member is added right after the thread is created: wait for it.
	waitFor(t, "the learner added to the private thread", func() bool {
		return len(e.f.callsMatching("PUT", "/channels/"+th.ID+"/thread-members/u2")) == 1
	})
	answers := 0
	e.completeLesson("u2", th.ID, func(card fakeMessage, _ string) {
		answers++
		id := e.nextID()
		e.f.mu.Lock()
		e.f.messages[th.ID] = append(e.f.messages[th.ID], &fakeMessage{ID: id, ChannelID: th.ID, Content: "typed answer"})
		e.f.mu.Unlock()
		e.f.push("MESSAGE_CREATE", map[string]any{"id": id, "channel_id": th.ID, "guild_id": "guild1", "type": 0,
			"content": fmt.Sprintf("typed answer %d", answers), "author": map[string]any{"id": "u2", "username": "u2"}})
		waitFor(t, "✅ reaction", func() bool {
			return len(e.f.callsMatching("PUT", "/channels/"+th.ID+"/messages/"+id+"/reactions/")) == 1
		})
	})
	if answers == 0 {
		t.Error("lesson had no question to answer")
	}
	if got := len(e.progress("u2").Answers); got != answers {
		t.Errorf("stored %d answers, typed %d", got, answers)
	}
}
