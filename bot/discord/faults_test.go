package discord_test

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/coursebot/coursebot"
	"github.com/coursebot/coursebot/bot"
	"github.com/coursebot/coursebot/bot/discord"
)

func TestSignature(t *testing.T) {
	t.Parallel()
	e := newEnv(t, discord.ModeHTTP, nil, "", false)
	ping := []byte(`{"id":"1","application_id":"app1","type":1,"token":"t","version":1}`)
	otherPriv := ed25519.NewKeyFromSeed(bytes.Repeat([]byte{9}, ed25519.SeedSize))
	tests := []struct {
		name   string
		req    func() *http.Request
		status int
	}{
		{"valid ping", func() *http.Request { return e.sign(ping, fixedNow) }, 200},
		{"wrong key", func() *http.Request {
			r := e.sign(ping, fixedNow)
			sig := ed25519.Sign(otherPriv, append([]byte(r.Header.Get("X-Signature-Timestamp")), ping...))
			r.Header.Set("X-Signature-Ed25519", hex.EncodeToString(sig))
			return r
		}, 401},
		{"tampered body", func() *http.Request {
			r := e.sign(ping, fixedNow)
			r2 := httptest.NewRequest("POST", "/discord/interactions", bytes.NewReader(bytes.Replace(ping, []byte(`"type":1`), []byte(`"type":2`), 1)))
			r2.Header = r.Header
			return r2
		}, 401},
		{"bad hex", func() *http.Request {
			r := e.sign(ping, fixedNow)
			r.Header.Set("X-Signature-Ed25519", "zz"+r.Header.Get("X-Signature-Ed25519")[2:])
			return r
		}, 401},
		{"short signature", func() *http.Request {
			r := e.sign(ping, fixedNow)
			r.Header.Set("X-Signature-Ed25519", "abcd")
			return r
		}, 401},
		{"missing signature", func() *http.Request {
			r := e.sign(ping, fixedNow)
			r.Header.Del("X-Signature-Ed25519")
			return r
		}, 401},
		{"missing timestamp", func() *http.Request {
			r := e.sign(ping, fixedNow)
			r.Header.Del("X-Signature-Timestamp")
			return r
		}, 401},
		{"stale timestamp", func() *http.Request { return e.sign(ping, fixedNow.Add(-6*time.Minute)) }, 401},
		{"future timestamp", func() *http.Request { return e.sign(ping, fixedNow.Add(6*time.Minute)) }, 401},
		{"within skew", func() *http.Request { return e.sign(ping, fixedNow.Add(-4*time.Minute)) }, 200},
		{"oversized body", func() *http.Request {
			return e.sign(append(ping, bytes.Repeat([]byte(" "), discord.MaxBodyBytes)...), fixedNow)
		}, 401},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			w := httptest.NewRecorder()
			e.mux.ServeHTTP(w, tc.req())
			if w.Code != tc.status {
				t.Fatalf("status %d, want %d (%s)", w.Code, tc.status, w.Body.String())
			}
			if tc.status == 200 && strings.TrimSpace(w.Body.String()) != `{"type":1}` {
				t.Errorf("PING answered %s, want PONG", w.Body.String())
			}
		})
	}
	if n := len(e.f.callsMatching("POST", "/")); n != 0 {
		t.Errorf("refused requests caused %d REST calls", n)
	}
}

func TestDuplicateInteractionHandledOnce(t *testing.T) {
	t.Parallel()
	e := newEnv(t, discord.ModeHTTP, nil, "", false)
	p := commandPayload("9001", "u1", "start-4-4")
	for range 3 {
		if typ := e.deliver(p); typ != 5 {
			t.Fatalf("type %d", typ)
		}
	}
	th := onlyThread(t, e.f)
	waitFor(t, "first card", func() bool { return len(e.f.channelMessages(th.ID)) > 0 })
	// Every accepted copy's work is finished (the inbox is empty) before
	// the counts are read, so a doubled job would show.
	e.settled()
	if n := len(e.f.callsMatching("PATCH", "/webhooks/app1/itok-9001/")); n != 1 {
		t.Errorf("original response edited %d times, want 1", n)
	}
	first := e.f.channelMessages(th.ID)
	if n := len(e.f.threads()); n != 1 {
		t.Errorf("%d threads", n)
	}
	// Same interaction id after a restart of the dedup memory: the store
	// still knows it.
	e.stop()
	e2 := newEnv(t, discord.ModeHTTP, e.f, e.dbPath, false)
	e2.deliver(p)
	e2.settled()
	if got := len(e.f.channelMessages(th.ID)); got != len(first) {
		t.Errorf("redelivery after restart posted %d more messages", got-len(first))
	}
}

func TestRateLimitWaitsOnlyForThatLearner(t *testing.T) {
	t.Parallel()
	e := newEnv(t, discord.ModeHTTP, nil, "", false)
	// Learner A starts first; then every message post into A's thread
	// gets one 429 with retry_after 0.4s.
	e.deliver(commandPayload(e.nextID(), "ua", "start-4-4"))
	thA := onlyThread(t, e.f)
	waitFor(t, "A's first card", func() bool { return len(e.f.channelMessages(thA.ID)) > 0 })
	var limited atomic.Int32
	e.f.setFault(func(r *http.Request, body []byte) (int, string, bool) {
		if r.Method == "POST" && r.URL.Path == "/api/v10/channels/"+thA.ID+"/messages" && limited.Add(1) == 1 {
			return 429, `{"message":"You are being rate limited.","retry_after":0.4,"global":false}`, true
		}
		return 0, "", false
	})
	card, next := currentControl(e.f, thA.ID, "next|")
	before := len(e.f.channelMessages(thA.ID))
	// Times are the platform's (the fake's clock runs faster than ours).
	start := e.f.pace.Now()
	e.deliver(componentPayload(e.nextID(), "ua", next, card))
	// Learner B meanwhile gets a thread and a card without waiting.
	e.deliver(commandPayload(e.nextID(), "ub", "start-4-4"))
	var thB string
	waitFor(t, "B's card", func() bool {
		for _, th := range e.f.threads() {
			if th.ID != thA.ID && len(e.f.channelMessages(th.ID)) > 0 {
				thB = th.ID
				return true
			}
		}
		return false
	})
	bDone := e.f.pace.Now().Sub(start)
	waitFor(t, "A's next card", func() bool { return len(e.f.channelMessages(thA.ID)) > before })
	aDone := e.f.pace.Now().Sub(start)
	if bDone >= aDone {
		t.Errorf("learner B (%v) waited for A's rate limit (%v)", bDone, aDone)
	}
	if aDone < 400*time.Millisecond {
		t.Errorf("retry_after not honoured: A's card after %v", aDone)
	}
	if limited.Load() < 2 {
		t.Errorf("no retry after the 429")
	}
	_ = thB
}

func TestServerErrorRetriedWithoutDoubling(t *testing.T) {
	t.Parallel()
	e := newEnv(t, discord.ModeHTTP, nil, "", false)
	e.deliver(commandPayload(e.nextID(), "u1", "start-4-4"))
	th := onlyThread(t, e.f)
	waitFor(t, "first card", func() bool { _, id := currentControl(e.f, th.ID, "next|"); return id != "" })
	var fails atomic.Int32
	// The worst case: Discord stores the message, then answers 500.
	e.f.setFault(func(r *http.Request, body []byte) (int, string, bool) {
		if r.Method == "POST" && r.URL.Path == "/api/v10/channels/"+th.ID+"/messages" && fails.Add(1) <= 2 {
			return 0, `{"message":"Internal Server Error","code":0}`, true
		}
		return 0, "", false
	})
	card, next := currentControl(e.f, th.ID, "next|")
	before := len(e.f.channelMessages(th.ID))
	e.deliver(componentPayload(e.nextID(), "u1", next, card))
	waitFor(t, "next card", func() bool { _, id := currentControl(e.f, th.ID, "next|"); return id != "" && id != next })
	waitFor(t, "retries", func() bool { return fails.Load() >= 3 })
	e.settled() // the press's work is done: nothing more can be posted for it
	msgs := e.f.channelMessages(th.ID)[before:]
	seen := map[string]bool{}
	for _, m := range msgs {
		if seen[m.Content] && m.Content != "" {
			t.Errorf("message doubled: %.60q", m.Content)
		}
		seen[m.Content] = true
	}
}

func TestDeletedAndArchivedThreads(t *testing.T) {
	t.Parallel()
	e := newEnv(t, discord.ModeHTTP, nil, "", false)
	e.deliver(commandPayload(e.nextID(), "u1", "start-4-4"))
	th := onlyThread(t, e.f)
	waitFor(t, "first card", func() bool { _, id := currentControl(e.f, th.ID, "next|"); return id != "" })
	card, next := currentControl(e.f, th.ID, "next|")
	e.deliver(componentPayload(e.nextID(), "u1", next, card))
	waitFor(t, "second card", func() bool { _, id := currentControl(e.f, th.ID, "next|"); return id != "" && id != next })
	at := e.progress("u1").Card

	// Archived: resuming unarchives it and posts there.
	e.f.mu.Lock()
	e.f.channels[th.ID].Archived = true
	e.f.mu.Unlock()
	e.deliver(commandPayload(e.nextID(), "u1", "start-4-4"))
	waitFor(t, "unarchive", func() bool { return len(e.f.callsMatching("PATCH", "/channels/"+th.ID)) > 0 })
	if n := len(e.f.threads()); n != 1 {
		t.Fatalf("archived thread replaced: %d threads", n)
	}

	// Deleted: a new thread, same place in the lesson.
	e.f.mu.Lock()
	e.f.channels[th.ID].Deleted = true
	e.f.mu.Unlock()
	e.deliver(commandPayload(e.nextID(), "u1", "start-4-4"))
	waitFor(t, "a new thread", func() bool { return len(e.f.threads()) == 2 })
	var fresh fakeChannel
	for _, c := range e.f.threads() {
		if c.ID != th.ID {
			fresh = c
		}
	}
	waitFor(t, "card in the new thread", func() bool { return len(e.f.channelMessages(fresh.ID)) > 0 })
	if got := e.progress("u1").Card; got != at {
		t.Errorf("progress moved from %q to %q", at, got)
	}
	e.settled()
	got, ok, err := e.db.ThreadFor(context.Background(), "discord", "discord:u1", "4-4")
	if err != nil || !ok || got.ThreadID != fresh.ID {
		t.Errorf("store points at %+v (ok %v, err %v), want %s", got, ok, err, fresh.ID)
	}
}

func TestGatewayReconnect(t *testing.T) {
	t.Parallel()
	e := newEnv(t, discord.ModeGateway, nil, "", false)
	waitFor(t, "identify", func() bool { _, n, _ := e.f.gatewayStats(); return n == 1 })
	e.f.kick <- struct{}{}
	waitFor(t, "resume", func() bool { c, _, r := e.f.gatewayStats(); return c == 2 && r == 1 })
	if typ := e.deliver(commandPayload(e.nextID(), "u4", "status")); typ != 5 {
		t.Fatalf("status after reconnect: type %d", typ)
	}
	waitFor(t, "status reply", func() bool { return len(e.f.callsMatching("PATCH", "/webhooks/app1/")) == 1 })
	var cb struct {
		Data struct {
			Flags int `json:"flags"`
		} `json:"data"`
	}
	raw, _ := e.f.callback(fmt.Sprint(e.seq))
	_ = raw
	for _, c := range e.f.callsMatching("POST", "/interactions/") {
		_ = json.Unmarshal([]byte(c.Body), &cb)
		if cb.Data.Flags&64 == 0 {
			t.Errorf("status deferral not ephemeral: %s", c.Body)
		}
	}
}

func TestRegisterIsIdempotent(t *testing.T) {
	t.Parallel()
	f := newFakeDiscord(t)
	e := newEnv(t, discord.ModeHTTP, f, "", false)
	if err := e.a.Register(context.Background()); err != nil {
		t.Fatal(err)
	}
	if err := e.a.Register(context.Background()); err != nil {
		t.Fatal(err)
	}
	f.mu.Lock()
	puts, cmds := f.puts, f.commands["global"]
	f.mu.Unlock()
	if puts != 1 {
		t.Errorf("%d bulk overwrites, want 1 (second run unchanged)", puts)
	}
	names := map[string]bool{}
	for _, raw := range cmds {
		var c struct {
			Name, Description string
			Options           []struct{ Name, Description string }
		}
		_ = json.Unmarshal(raw, &c)
		names[c.Name] = true
		if n := len([]rune(c.Description)); n < 1 || n > 100 {
			t.Errorf("%s: description length %d", c.Name, n)
		}
		if strings.HasPrefix(c.Name, "help") && (len(c.Options) != 1 || c.Options[0].Name != "topic") {
			t.Errorf("%s options %+v, want topic", c.Name, c.Options)
		}
		for _, o := range c.Options {
			// Not the generated "The topic to look up".
			if o.Description == "" || o.Description == "The "+o.Name+" to look up" {
				t.Errorf("%s: option %s described as %q", c.Name, o.Name, o.Description)
			}
		}
	}
	for _, n := range []string{"start-4-4", "start-1-1", "status", "help-mlops"} {
		if !names[n] {
			t.Errorf("command %s not registered", n)
		}
	}
}

func TestNewRejectsBadConfigWithoutLeakingSecrets(t *testing.T) {
	t.Parallel()
	f := newFakeDiscord(t)
	base := discord.Options{Token: testToken, ApplicationID: testApp, APIURL: f.apiURL(), Handler: nil, Clock: f.pace}
	cases := map[string]func(o *discord.Options){
		"no token":    func(o *discord.Options) { o.Token = "" },
		"bad key":     func(o *discord.Options) { o.Mode = discord.ModeHTTP; o.PublicKey = "secret-not-hex" },
		"bad command": func(o *discord.Options) { o.Commands = []discord.Command{{Name: "Start 4.4"}} },
		"bad mode":    func(o *discord.Options) { o.Mode = "webhook" },
		"no handler":  func(o *discord.Options) {},
	}
	for name, mut := range cases {
		o := base
		mut(&o)
		_, err := discord.New(o)
		if err == nil {
			t.Errorf("%s: accepted", name)
			continue
		}
		if strings.Contains(err.Error(), testToken) || strings.Contains(err.Error(), "secret-not-hex") {
			t.Errorf("%s: error leaks a secret: %v", name, err)
		}
	}
}

func TestSendNudgeToDM(t *testing.T) {
	t.Parallel()
	e := newEnv(t, discord.ModeGateway, nil, "", false)
	e.f.mu.Lock()
	e.f.channels["dm-u9"] = &fakeChannel{ID: "dm-u9", Type: 1}
	e.f.mu.Unlock()
	err := e.a.Send(context.Background(), coursebot.Learner{Platform: "discord", UserID: "u9"}, []bot.Reply{{
		Title: "Still there?", Blocks: []bot.Block{{Kind: bot.BlockMarkdown, Text: "Lesson **4.4** is waiting."}},
		Buttons: []bot.Button{{Label: "Resume", Action: "resume|4-4"}},
	}})
	if err != nil {
		t.Fatal(err)
	}
	ms := e.f.channelMessages("dm-u9")
	if len(ms) != 1 || !strings.Contains(ms[0].Content, "**4.4**") || len(buttonsOf(ms[0])) != 1 {
		t.Fatalf("DM got %+v", ms)
	}
	if err := e.a.Send(context.Background(), coursebot.Learner{Platform: "slack", UserID: "U1"}, nil); err == nil {
		t.Error("sent to a Slack learner")
	}
}
