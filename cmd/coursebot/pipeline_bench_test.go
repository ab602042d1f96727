package main

import (
	"bufio"
	"context"
	"crypto/ed25519"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// pipelineAPI is a fast fake Slack Web API and Discord REST API on loopback,
// enforcing the platforms' limits a thousand times over (as the bot is
// configured: these benchmarks measure the bot's own capacity; the
// benchmarks in bench_pace_test.go measure it against the limits as they
// are), that notes when each learner's first lesson card arrives: for Slack the
// first post into a thread of the learner's DM ("D"+user), for Discord the
// first post into the thread opened for them (its name ends in their user
// name, which the benchmark sets to their id).
type pipelineAPI struct {
	srv   *httptest.Server
	seq   atomic.Int64
	mu    sync.Mutex
	first map[string]time.Time // learner user id -> first card posted
	want  int                  // learners expected (expect)
	all   chan struct{}        // closed once want learners have their first card
	// Discord: thread id -> learner
	threads map[string]string
}

func newPipelineAPI(b *testing.B) *pipelineAPI {
	f := &pipelineAPI{first: map[string]time.Time{}, threads: map[string]string{}, all: make(chan struct{})}
	// Every lesson thread opens in one channel: its routes' budgets ten
	// thousand times Discord's, so that the channel does not bound the
	// bot's own capacity here (BenchmarkPaceKickoffDiscord measures it).
	f.srv = httptest.NewServer(slackGate().Wrap(discordGateRoutes("/discord/api/v10", 10*limitsScale).Wrap(http.HandlerFunc(f.serve))))
	b.Cleanup(f.srv.Close)
	return f
}

func (f *pipelineAPI) card(user string) {
	now := time.Now()
	f.mu.Lock()
	if _, ok := f.first[user]; !ok {
		f.first[user] = now
		if len(f.first) == f.want {
			close(f.all)
		}
	}
	f.mu.Unlock()
}

// expect says how many learners' first cards to signal on (f.all).
func (f *pipelineAPI) expect(n int) {
	f.mu.Lock()
	f.want = n
	f.mu.Unlock()
}

func (f *pipelineAPI) firsts() map[string]time.Time {
	f.mu.Lock()
	defer f.mu.Unlock()
	return maps.Clone(f.first)
}

func (f *pipelineAPI) serve(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	n := f.seq.Add(1)
	w.Header().Set("Content-Type", "application/json")
	if method, ok := strings.CutPrefix(r.URL.Path, "/slack/api/"); ok {
		form, _ := url.ParseQuery(string(body))
		ts := fmt.Sprintf("1750000000.%06d", n)
		switch method {
		case "conversations.open":
			_, _ = fmt.Fprintf(w, `{"ok":true,"channel":{"id":"D%s"}}`, form.Get("users"))
		case "chat.postMessage":
			ch := form.Get("channel")
			if user, ok := strings.CutPrefix(ch, "U"); ok {
				// A post to a user goes into the DM with them; the
				// lesson's first card opens its thread there.
				ch = "D" + ch
				if form.Get("thread_ts") == "" {
					f.card(user)
				}
			}
			_, _ = fmt.Fprintf(w, `{"ok":true,"channel":%q,"ts":%q}`, ch, ts)
		case "chat.update":
			_, _ = fmt.Fprintf(w, `{"ok":true,"channel":%q,"ts":%q}`, form.Get("channel"), form.Get("ts"))
		default:
			_, _ = io.WriteString(w, `{"ok":true}`)
		}
		return
	}
	if strings.HasPrefix(r.URL.Path, "/slack-response/") {
		_, _ = io.WriteString(w, `{"ok":true}`)
		return
	}
	p := strings.TrimPrefix(r.URL.Path, "/discord/api/v10")
	id := strconv.FormatInt(1000+n, 10)
	switch {
	case r.Method == "POST" && strings.HasSuffix(p, "/threads"):
		var t struct {
			Name string `json:"name"`
		}
		_ = json.Unmarshal(body, &t)
		user := t.Name[strings.LastIndex(t.Name, " ")+1:]
		f.mu.Lock()
		f.threads[id] = user
		f.mu.Unlock()
		_, _ = fmt.Fprintf(w, `{"id":%q,"type":12,"parent_id":"100"}`, id)
	case r.Method == "POST" && strings.HasSuffix(p, "/messages") && strings.HasPrefix(p, "/channels/"):
		ch := strings.TrimSuffix(strings.TrimPrefix(p, "/channels/"), "/messages")
		f.mu.Lock()
		user, ok := f.threads[ch]
		f.mu.Unlock()
		if ok {
			f.card(user)
		}
		_, _ = fmt.Fprintf(w, `{"id":%q,"channel_id":%q}`, id, ch)
	default:
		_, _ = fmt.Fprintf(w, `{"id":%q,"channel_id":"100","type":11}`, id)
	}
}

// startPipelineServe runs `coursebot serve` in this process (Slack and
// Discord over HTTP against api, logs discarded) until the benchmark ends.
func startPipelineServe(b *testing.B, api *pipelineAPI) string {
	dir := b.TempDir()
	cfg := fmt.Sprintf(`http:
  listen: 127.0.0.1:0
admin:
  listen: 127.0.0.1:0
store:
  path: %s
log:
  level: error
slack:
  enabled: true
  mode: http
  api_url: %s/slack/api/
%sdiscord:
  enabled: true
  mode: http
  application_id: "4242"
  api_url: %s/discord/api/v10/
  private_threads: false
%sscheduler:
  enabled: false
`, filepath.Join(dir, "coursebot.db"), api.srv.URL, testLimitsYAML("slack", "  "), api.srv.URL, testLimitsYAML("discord", "  "))
	path := filepath.Join(dir, "config.yaml")
	if err := os.WriteFile(path, []byte(cfg), 0o600); err != nil {
		b.Fatal(err)
	}
	pr, pw := io.Pipe()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		err := runServe(ctx, []string{"--config", path}, pw, io.Discard, testEnv)
		pw.CloseWithError(io.EOF)
		done <- err
	}()
	line, err := bufio.NewReader(pr).ReadString('\n')
	if err != nil {
		b.Fatalf("serve did not start: %v", err)
	}
	go func() { _, _ = io.Copy(io.Discard, pr) }() // drain; the reader's end is the pipe's close
	b.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			b.Error(err)
		}
	})
	return "http://" + strings.TrimSpace(strings.TrimPrefix(line, "coursebot serving on "))
}

// pipelineLoad sends b.N signed start commands, one per new learner, from
// 64 concurrent clients, waits until every learner's first card reached the
// fake API, and reports acks/s, lessons/s (first cards delivered per
// second, from the first send to the last first card), the ack p99 and the
// command-to-first-card p50 and p99.
//
// With rate > 0 the commands are sent at that many per second (an open
// load, as learners arrive) instead of as fast as the 64 clients get
// their acknowledgements: the latency figures are then those of a load the
// bot sustains, not of a queue that grows for the whole run.
func pipelineLoad(b *testing.B, api *pipelineAPI, rate int, send func(c *http.Client, user string) (int, error)) {
	const clients = 64
	c := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: clients}, Timeout: 30 * time.Second}
	users := make([]string, b.N)
	for i := range users {
		users[i] = fmt.Sprintf("%d", 800000+i)
	}
	api.expect(b.N)
	sent := make([]time.Time, b.N)
	acks := make([]time.Duration, b.N)
	var failed atomic.Int64
	work := make(chan int)
	b.ResetTimer()
	start := time.Now()
	go func() {
		defer close(work)
		for i := range b.N {
			if rate > 0 {
				// The i-th command is due at start + i/rate.
				if d := time.Until(start.Add(time.Duration(i) * time.Second / time.Duration(rate))); d > 0 {
					time.Sleep(d)
				}
			}
			work <- i
		}
	}()
	var wg sync.WaitGroup
	for range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range work {
				sent[i] = time.Now()
				code, err := send(c, users[i])
				acks[i] = time.Since(sent[i])
				if err != nil || code != 200 {
					failed.Add(1)
				}
			}
		}()
	}
	wg.Wait()
	acked := time.Since(start)
	select {
	case <-api.all: // the last learner's first card
	case <-time.After(5 * time.Minute): // liveness only: reported below
	}
	firsts := api.firsts()
	b.StopTimer()
	if f := failed.Load(); f > 0 {
		b.Fatalf("%d of %d commands were not acknowledged", f, b.N)
	}
	if len(firsts) < b.N {
		b.Fatalf("only %d of %d lessons delivered within 5 minutes", len(firsts), b.N)
	}
	var last time.Time
	toCard := make([]time.Duration, b.N)
	for i, u := range users {
		t := firsts[u]
		if t.After(last) {
			last = t
		}
		toCard[i] = t.Sub(sent[i])
	}
	slices.Sort(acks)
	slices.Sort(toCard)
	pct := func(d []time.Duration, p float64) float64 {
		return float64(d[min(len(d)-1, int(float64(len(d))*p))].Microseconds()) / 1000
	}
	b.ReportMetric(float64(b.N)/acked.Seconds(), "acks/s")
	b.ReportMetric(float64(b.N)/last.Sub(start).Seconds(), "lessons/s")
	b.ReportMetric(pct(acks, 0.99), "ack-p99-ms")
	b.ReportMetric(pct(toCard, 0.50), "card-p50-ms")
	b.ReportMetric(pct(toCard, 0.99), "card-p99-ms")
	b.ReportMetric(float64(api.seq.Load())/float64(b.N), "api-calls/lesson")
}

// BenchmarkServeSlackStart: signed /start-4-4 at concurrency 64 against
// serve with a fake Slack Web API on loopback, each for a new learner.
func BenchmarkServeSlackStart(b *testing.B) { benchSlackStart(b, 0) }

// BenchmarkServeSlackStartAt500: the same at 500 commands a second.
func BenchmarkServeSlackStartAt500(b *testing.B) { benchSlackStart(b, 500) }

func benchSlackStart(b *testing.B, rate int) {
	api := newPipelineAPI(b)
	base := startPipelineServe(b, api)
	pipelineLoad(b, api, rate, func(c *http.Client, user string) (int, error) {
		body := url.Values{"command": {"/start-4-4"}, "user_id": {"U" + user}, "user_name": {user}, "channel_id": {"DU" + user},
			"team_id": {"T1"}, "response_url": {api.srv.URL + "/slack-response/" + user}}.Encode()
		ts := strconv.FormatInt(time.Now().Unix(), 10)
		mac := hmac.New(sha256.New, []byte(testSlackSecret))
		_, _ = io.WriteString(mac, "v0:"+ts+":"+body) // hash.Hash writes never fail
		req, _ := http.NewRequest("POST", base+"/slack/commands", strings.NewReader(body))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("X-Slack-Request-Timestamp", ts)
		req.Header.Set("X-Slack-Signature", "v0="+hex.EncodeToString(mac.Sum(nil)))
		return post(c, req)
	})
}

// BenchmarkServeDiscordStart: signed /start-4-4 interactions at
// concurrency 64 against serve with a fake Discord REST API on loopback,
// each for a new learner in a guild channel (a public lesson thread each).
func BenchmarkServeDiscordStart(b *testing.B) { benchDiscordStart(b, 0) }

// BenchmarkServeDiscordStartAt500: the same at 500 interactions a second.
func BenchmarkServeDiscordStartAt500(b *testing.B) { benchDiscordStart(b, 500) }

func benchDiscordStart(b *testing.B, rate int) {
	api := newPipelineAPI(b)
	base := startPipelineServe(b, api)
	key := testDiscordKey()
	pipelineLoad(b, api, rate, func(c *http.Client, user string) (int, error) {
		body := fmt.Sprintf(`{"type":2,"id":"9%s","application_id":"4242","token":"tok%s","channel_id":"100","guild_id":"200",`+
			`"member":{"user":{"id":%q,"username":%q}},"data":{"id":"1","name":"start-4-4","type":1}}`, user, user, user, user)
		ts := strconv.FormatInt(time.Now().Unix(), 10)
		req, _ := http.NewRequest("POST", base+"/discord/interactions", strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("X-Signature-Timestamp", ts)
		req.Header.Set("X-Signature-Ed25519", hex.EncodeToString(ed25519.Sign(key, []byte(ts+body))))
		return post(c, req)
	})
}

func post(c *http.Client, req *http.Request) (int, error) {
	resp, err := c.Do(req)
	if err != nil {
		return 0, err
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	_ = resp.Body.Close()
	return resp.StatusCode, nil
}
