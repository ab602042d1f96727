package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/coursebot/coursebot/bot/bottest"
	"github.com/coursebot/coursebot/course"
	"github.com/coursebot/coursebot/internal/testwait"
	"github.com/coursebot/coursebot/lessons"
	"github.com/coursebot/coursebot/ratelimit"
	"github.com/coursebot/coursebot/ratelimit/ratelimittest"
)

// Secrets used by the serve tests: none may ever reach a log line.
const (
	testSlackToken   = "xoxb-TEST-BOT-TOKEN-7f3a9c"
	testSlackSecret  = "signing-secret-0d8e5b1f"
	testDiscordToken = "DISCORD-BOT-TOKEN-91ac44"
	testGitHubToken  = "ghp_TEST-GITHUB-TOKEN-5e21"
)

// testDiscordKey is the Discord application's key pair (the public half is
// DISCORD_PUBLIC_KEY).
func testDiscordKey() ed25519.PrivateKey {
	return ed25519.NewKeyFromSeed(bytes.Repeat([]byte{42}, ed25519.SeedSize))
}

// fakeAPI speaks enough of Slack's Web API and Discord's REST API for a
// lesson: every call is recorded, posts get fresh timestamps/ids.
type fakeAPI struct {
	srv   *httptest.Server
	seq   atomic.Int64
	mu    sync.Mutex
	calls []string // "slack chat.postMessage", "discord POST /..."
	// responses are the bodies posted to Slack response_urls; slackBodies
	// the bodies of Web API calls.
	responses   []string
	slackBodies []string
	// discordBodies are the Discord REST calls with their bodies, as
	// "METHOD path body".
	discordBodies []string
	// delay, when set, holds every Slack call that long (or until the
	// request is cancelled).
	delay atomic.Int64
}

func newFakeAPI(t testing.TB) *fakeAPI {
	f := &fakeAPI{}
	f.srv = httptest.NewServer(slackGate().Wrap(discordGate("/discord/api/v10").Wrap(http.HandlerFunc(f.serve))))
	t.Cleanup(f.srv.Close)
	return f
}

// The tests of the whole path enforce the platforms' limits in their
// fakes, a thousand times over, and configure the bot with the same
// (testLimitsYAML): they check the path, not its pace (the adapters' tests
// and the benchmarks do), and must not wait for it.
const limitsScale = 1000

func slackGate() *ratelimittest.Slack {
	d := ratelimit.DefaultSlack()
	return ratelimittest.NewSlack(ratelimit.SlackLimits{Tier1: d.Tier1 * limitsScale, Tier2: d.Tier2 * limitsScale,
		Tier3: d.Tier3 * limitsScale, Tier4: d.Tier4 * limitsScale, PostsPerChannel: d.PostsPerChannel * limitsScale,
		PostsPerWorkspace: d.PostsPerWorkspace * limitsScale}, ratelimit.Real())
}

func discordGate(prefix string) *ratelimittest.Discord {
	return discordGateRoutes(prefix, limitsScale)
}

// discordGateRoutes is discordGate with each route's budget routeScale
// times Discord's (the bot learns route budgets from the answers).
func discordGateRoutes(prefix string, routeScale int) *ratelimittest.Discord {
	d := ratelimittest.DefaultDiscord()
	return ratelimittest.NewDiscord(ratelimittest.DiscordLimits{GlobalPerSecond: d.GlobalPerSecond * limitsScale, GlobalBurst: d.GlobalBurst * limitsScale,
		Route: ratelimittest.DiscordRoute{Limit: d.Route.Limit * routeScale, Per: d.Route.Per}}, ratelimit.Real(), prefix)
}

// testLimitsYAML are the same limits as the bot's config: indent is the
// indentation of the slack: or discord: block's keys.
func testLimitsYAML(platform, indent string) string {
	if platform == "discord" {
		d := ratelimit.DefaultDiscord()
		return fmt.Sprintf("%slimits: {global_per_second: %d, burst: %d}\n", indent, d.GlobalPerSecond*limitsScale, d.Burst*limitsScale)
	}
	d := ratelimit.DefaultSlack()
	return fmt.Sprintf("%slimits: {tier1: %d, tier2: %d, tier3: %d, tier4: %d, posts_per_channel: %d, posts_per_workspace: %d}\n", indent,
		d.Tier1*limitsScale, d.Tier2*limitsScale, d.Tier3*limitsScale, d.Tier4*limitsScale, d.PostsPerChannel*limitsScale, d.PostsPerWorkspace*limitsScale)
}

func (f *fakeAPI) slackURL() string   { return f.srv.URL + "/slack/api/" }
func (f *fakeAPI) discordURL() string { return f.srv.URL + "/discord/api/v10/" }
func (f *fakeAPI) responseURL(user string) string {
	return f.srv.URL + "/slack-response/" + user
}

func (f *fakeAPI) record(s string) {
	f.mu.Lock()
	f.calls = append(f.calls, s)
	f.mu.Unlock()
}

func (f *fakeAPI) count(prefix string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	n := 0
	for _, c := range f.calls {
		if strings.HasPrefix(c, prefix) {
			n++
		}
	}
	return n
}

func (f *fakeAPI) serve(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	n := f.seq.Add(1)
	w.Header().Set("Content-Type", "application/json")
	switch {
	case strings.HasPrefix(r.URL.Path, "/slack/api/"):
		if d := time.Duration(f.delay.Load()); d > 0 {
			select {
			case <-time.After(d):
			case <-r.Context().Done():
				return
			}
		}
		method := strings.TrimPrefix(r.URL.Path, "/slack/api/")
		f.record("slack " + method)
		f.mu.Lock()
		f.slackBodies = append(f.slackBodies, string(body))
		f.mu.Unlock()
		form, _ := url.ParseQuery(string(body))
		if strings.HasPrefix(r.Header.Get("Content-Type"), "application/json") {
			var m map[string]any
			_ = json.Unmarshal(body, &m)
			for k, v := range m {
				if s, ok := v.(string); ok {
					form.Set(k, s)
				}
			}
		}
		ts := fmt.Sprintf("1750000000.%06d", n)
		switch method {
		case "conversations.open":
			_, _ = fmt.Fprintf(w, `{"ok":true,"channel":{"id":"D%s"}}`, strings.TrimPrefix(form.Get("users"), "U"))
		case "chat.postMessage":
			ch := form.Get("channel")
			if rest, ok := strings.CutPrefix(ch, "U"); ok {
				ch = "D" + rest // a post to a user goes into the DM with them
			}
			_, _ = fmt.Fprintf(w, `{"ok":true,"channel":%q,"ts":%q,"message":{"ts":%q}}`, ch, ts, ts)
		case "chat.update":
			_, _ = fmt.Fprintf(w, `{"ok":true,"channel":%q,"ts":%q}`, form.Get("channel"), form.Get("ts"))
		case "chat.postEphemeral":
			_, _ = fmt.Fprintf(w, `{"ok":true,"message_ts":%q}`, ts)
		case "conversations.replies", "conversations.history":
			_, _ = io.WriteString(w, `{"ok":true,"messages":[],"has_more":false}`)
		default:
			_, _ = io.WriteString(w, `{"ok":true}`)
		}
	case strings.HasPrefix(r.URL.Path, "/slack-response/"):
		f.record("slack response_url")
		f.mu.Lock()
		f.responses = append(f.responses, string(body))
		f.mu.Unlock()
		_, _ = io.WriteString(w, `{"ok":true}`)
	case strings.HasPrefix(r.URL.Path, "/discord/"):
		f.record("discord " + r.Method + " " + r.URL.Path)
		f.mu.Lock()
		f.discordBodies = append(f.discordBodies, r.Method+" "+r.URL.Path+" "+string(body))
		f.mu.Unlock()
		_, _ = fmt.Fprintf(w, `{"id":"%d","channel_id":"%d","type":11}`, 1000+n, 2000+n)
	default:
		http.NotFound(w, r)
	}
}

// serveEnv is one in-process `coursebot serve` against a fakeAPI.
type serveEnv struct {
	t      testing.TB
	api    *fakeAPI
	base   string // http://127.0.0.1:port (http.listen)
	admin  string // http://127.0.0.1:port (admin.listen)
	dir    string
	logs   *bottest.Log
	cancel context.CancelFunc
	done   chan error
	course *course.Course
	cards  []cardInfo
}

type cardInfo struct {
	key, question string
}

// serveConfig writes a config serving Slack (http) and Discord (http).
func serveConfig(t testing.TB, dir string, api *fakeAPI, extra string) string {
	httpBlock := "http:\n  listen: 127.0.0.1:0\n"
	if strings.Contains(extra, "http:") {
		httpBlock = ""
	}
	if !strings.Contains(extra, "admin:") {
		httpBlock += "admin:\n  listen: 127.0.0.1:0\n"
	}
	cfg := httpBlock + fmt.Sprintf(`
store:
  path: %s
  lock_timeout: 200ms
log:
  format: json
  level: debug
slack:
  enabled: true
  mode: http
  api_url: %s
%sdiscord:
  enabled: true
  mode: http
  application_id: "4242"
  api_url: %s
%sscheduler:
  enabled: false
%s`, filepath.Join(dir, "coursebot.db"), api.slackURL(), testLimitsYAML("slack", "  "), api.discordURL(), testLimitsYAML("discord", "  "), extra)
	path := filepath.Join(dir, "config.yaml")
	if err := os.WriteFile(path, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func testEnv(name string) string {
	switch name {
	case "SLACK_BOT_TOKEN":
		return testSlackToken
	case "SLACK_SIGNING_SECRET":
		return testSlackSecret
	case "DISCORD_TOKEN":
		return testDiscordToken
	case "DISCORD_PUBLIC_KEY":
		return hex.EncodeToString(testDiscordKey().Public().(ed25519.PublicKey))
	case "GITHUB_TOKEN":
		return testGitHubToken
	}
	return ""
}

// startServe runs `coursebot serve` in this process until the test ends.
func startServe(t testing.TB, extraConfig string) *serveEnv {
	t.Helper()
	return startServeIn(t, t.TempDir(), extraConfig)
}

// startServeIn is startServe with the database at dir/coursebot.db, which
// the test may have written before.
func startServeIn(t testing.TB, dir, extraConfig string) *serveEnv {
	t.Helper()
	e := &serveEnv{t: t, api: newFakeAPI(t), dir: dir, logs: &bottest.Log{}, done: make(chan error, 1)}
	cfgPath := serveConfig(t, e.dir, e.api, extraConfig)
	c, err := course.LoadBuiltin()
	if err != nil {
		t.Fatal(err)
	}
	e.course = c
	replies, err := lessons.PreviewReplies(c, "4-4")
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range replies {
		ci := cardInfo{key: r.Card}
		for _, b := range r.Blocks {
			if b.Question != nil {
				ci.question = b.Question.ID
			}
		}
		e.cards = append(e.cards, ci)
	}
	pr, pw := io.Pipe()
	ctx, cancel := context.WithCancel(context.Background())
	e.cancel = cancel
	go func() {
		err := runServe(ctx, []string{"--config", cfgPath}, pw, e.logs, testEnv)
		pw.CloseWithError(io.EOF)
		e.done <- err
	}()
	e.base, e.admin = readAddrs(t, bufio.NewReader(pr), e.logs)
	go func() { _, _ = io.Copy(io.Discard, pr) }() // drain; the reader's end is the pipe's close
	t.Cleanup(e.stop)
	return e
}

// stop shuts serve down as SIGTERM does; an error serve returns fails the test.
func (e *serveEnv) stop() {
	if e.cancel == nil {
		return
	}
	e.cancel()
	e.cancel = nil
	select {
	case err := <-e.done:
		if err != nil {
			e.t.Errorf("serve returned: %v", err)
		}
	case <-time.After(30 * time.Second):
		e.t.Fatal("serve did not stop within 30s")
	}
}

// readAddrs reads serve's first two lines: the public and admin addresses.
func readAddrs(t testing.TB, r *bufio.Reader, logs *bottest.Log) (public, admin string) {
	t.Helper()
	for _, p := range []struct {
		prefix string
		to     *string
	}{{"coursebot serving on ", &public}, {"coursebot admin on ", &admin}} {
		line, err := r.ReadString('\n')
		if err != nil || !strings.HasPrefix(line, p.prefix) {
			t.Fatalf("serve did not start: %q %v\nlog:\n%s", line, err, logs.String())
		}
		*p.to = "http://" + strings.TrimSpace(strings.TrimPrefix(line, p.prefix))
	}
	return public, admin
}

// adminGet is get on the admin address (admin.listen).
func (e *serveEnv) adminGet(path string) (int, string) {
	e.t.Helper()
	return e.getFrom(e.admin, path)
}

func (e *serveEnv) get(path string) (int, string) {
	e.t.Helper()
	return e.getFrom(e.base, path)
}

func (e *serveEnv) getFrom(base, path string) (int, string) {
	e.t.Helper()
	resp, err := http.Get(base + path)
	if err != nil {
		e.t.Fatalf("GET %s: %v", path, err)
	}
	defer func() { _ = resp.Body.Close() }()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// slackPost sends a request signed as Slack signs it.
func (e *serveEnv) slackPost(path, body string) (int, string) {
	e.t.Helper()
	ts := strconv.FormatInt(time.Now().Unix(), 10)
	mac := hmac.New(sha256.New, []byte(testSlackSecret))
	_, _ = io.WriteString(mac, "v0:"+ts+":"+body) // hash.Hash writes never fail
	req, _ := http.NewRequest("POST", e.base+path, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("X-Slack-Request-Timestamp", ts)
	req.Header.Set("X-Slack-Signature", "v0="+hex.EncodeToString(mac.Sum(nil)))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Errorf("POST %s: %v", path, err)
		return 0, ""
	}
	defer func() { _ = resp.Body.Close() }()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// discordPost sends an interaction signed as Discord signs it.
func (e *serveEnv) discordPost(body string) (int, string) {
	e.t.Helper()
	ts := strconv.FormatInt(time.Now().Unix(), 10)
	sig := ed25519.Sign(testDiscordKey(), []byte(ts+body))
	req, _ := http.NewRequest("POST", e.base+"/discord/interactions", strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Signature-Timestamp", ts)
	req.Header.Set("X-Signature-Ed25519", hex.EncodeToString(sig))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Errorf("POST /discord/interactions: %v", err)
		return 0, ""
	}
	defer func() { _ = resp.Body.Close() }()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func (e *serveEnv) command(user, name string) int {
	code, _ := e.commandAnswer(user, name)
	return code
}

// commandAnswer sends a slash command and returns the HTTP answer.
func (e *serveEnv) commandAnswer(user, name string) (int, string) {
	form := url.Values{"command": {"/" + name}, "user_id": {user}, "user_name": {"name-" + user},
		"channel_id": {"D" + strings.TrimPrefix(user, "U")}, "team_id": {"T1"}, "response_url": {e.api.responseURL(user)},
		"trigger_id": {"trig"}}
	return e.slackPost("/slack/commands", form.Encode())
}

func (e *serveEnv) interaction(payload any) int {
	b, _ := json.Marshal(payload)
	code, _ := e.slackPost("/slack/interactions", url.Values{"payload": {string(b)}}.Encode())
	return code
}

// press presses a navigation button the way Slack reports it.
func (e *serveEnv) press(user, label, action string, n int) int {
	ch := "D" + strings.TrimPrefix(user, "U")
	return e.interaction(map[string]any{
		"type": "block_actions", "user": map[string]any{"id": user}, "trigger_id": "trig",
		"container":    map[string]any{"type": "message", "channel_id": ch, "message_ts": fmt.Sprintf("1.%06d", n), "thread_ts": "1.000000"},
		"response_url": e.api.responseURL(user), "action_ts": fmt.Sprintf("2.%06d", n),
		"actions": []any{map[string]any{"type": "button", "action_id": "nav-0", "block_id": "nav", "value": action,
			"text": map[string]any{"type": "plain_text", "text": label}}},
	})
}

// answer submits the answer modal for question.
func (e *serveEnv) answer(user, question, text string, n int) int {
	code, _ := e.slackPost("/slack/interactions", answerBody(user, question, text, n))
	return code
}

// answerBody is the form Slack posts when user submits the answer modal.
func answerBody(user, question, text string, n int) string {
	meta, _ := json.Marshal(map[string]string{"l": "4-4", "q": question})
	b, _ := json.Marshal(map[string]any{
		"type": "view_submission", "user": map[string]any{"id": user},
		"view": map[string]any{"id": fmt.Sprintf("V%s-%d", user, n), "hash": "h", "private_metadata": string(meta),
			"state": map[string]any{"values": map[string]any{"answer": map[string]any{"text": map[string]any{"type": "plain_text_input", "value": text}}}}},
	})
	return url.Values{"payload": {string(b)}}.Encode()
}

// takeLesson runs Lesson 4.4 from start to completion for user over HTTP,
// answering each question with answer.
func (e *serveEnv) takeLesson(user, answer string) {
	if code := e.command(user, "start-4-4"); code != http.StatusOK {
		e.t.Errorf("%s: /start-4-4: HTTP %d", user, code)
		return
	}
	for i, c := range e.cards {
		if c.question != "" {
			if code := e.answer(user, c.question, answer, i); code != http.StatusOK {
				e.t.Errorf("%s: answer on card %d: HTTP %d", user, i, code)
			}
		}
		if code := e.press(user, "Next", "next|4-4|"+c.key, i); code != http.StatusOK {
			e.t.Errorf("%s: Next on card %d: HTTP %d", user, i, code)
		}
	}
}

// waitMetric polls /metrics until it shows line ("name{labels} value";
// the labels in any order: client_golang prints them sorted by name).
func (e *serveEnv) waitMetric(line string) {
	e.t.Helper()
	line = sortLabels(line)
	var last string
	defer func() {
		if e.t.Failed() && !strings.Contains(last, line) {
			e.t.Logf("last /metrics:\n%s\nlog tail:\n%s", last, tail(e.logs.String(), 40))
		}
	}()
	testwait.Until(e.t, "/metrics to show "+line, func() bool {
		_, last = e.adminGet("/metrics")
		return strings.Contains(last, line)
	})
}

var (
	seriesRE = regexp.MustCompile(`^([a-zA-Z_:][a-zA-Z0-9_:]*)\{(.*)\}([^}]*)$`)
	labelRE  = regexp.MustCompile(`[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\]|\\.)*"`)
)

// sortLabels writes a series' labels in name order, as /metrics does.
func sortLabels(line string) string {
	m := seriesRE.FindStringSubmatch(line)
	if m == nil {
		return line
	}
	labels := labelRE.FindAllString(m[2], -1)
	slices.Sort(labels)
	return m[1] + "{" + strings.Join(labels, ",") + "}" + m[3]
}

func tail(s string, n int) string {
	lines := strings.Split(s, "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}
