package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coursebot/coursebot"
	"github.com/coursebot/coursebot/bot"
	"github.com/coursebot/coursebot/config"
	"github.com/coursebot/coursebot/store"
)

func TestServeProbesAndMetrics(t *testing.T) {
	t.Parallel()
	e := startServe(t, "")
	if code, body := e.get("/healthz"); code != 200 || body != "ok\n" {
		t.Errorf("/healthz: %d %q", code, body)
	}
	if code, body := e.get("/readyz"); code != 200 || body != "ready\n" {
		t.Errorf("/readyz: %d %q", code, body)
	}
	e.takeLesson("U1", "an answer")
	e.waitMetric(`coursebot_lesson_completions_total{lesson="4-4"} 1`)
	// An old button (Next on the first card) is refused, not an error.
	if code := e.press("U1", "Next", "next|4-4|intro", 500); code != 200 {
		t.Errorf("stale Next: HTTP %d", code)
	}
	e.waitMetric(`coursebot_messages_total{kind="press",name="next",outcome="refused",platform="slack"} 1`)
	_, m := e.adminGet("/metrics")
	for _, want := range []string{
		`coursebot_messages_total{kind="command",name="start-4-4",outcome="ok",platform="slack"} 1`,
		`coursebot_messages_total{kind="answer",name="",outcome="ok",platform="slack"} 3`,
		`coursebot_messages_total{kind="press",name="next",outcome="ok",platform="slack"} `,
		`coursebot_platform_api_calls_total{method="chat.postMessage",platform="slack",status="200"} `,
		`coursebot_platform_api_calls_total{method="response_url",platform="slack",status="200"} `,
		`coursebot_ratelimit_wait_seconds_count{platform="slack",priority="interactive"} `,
		`coursebot_inbox_refused_total{platform="slack"} 0`,
		`coursebot_handle_seconds_count{kind="press",platform="slack"} `,
		`coursebot_store_commit_seconds_count `,
		`coursebot_http_request_seconds_count{code="200",route="POST /slack/interactions"} `,
		"# TYPE coursebot_scheduler_runs_total counter",
		"# TYPE coursebot_rate_limit_waits_total counter",
	} {
		if !strings.Contains(m, want) {
			t.Errorf("/metrics lacks %q", want)
		}
	}
	if t.Failed() {
		t.Logf("metrics:\n%s", m)
	}
}

// TestServeNoSecretsOrAnswersInLogs runs Slack and Discord traffic through
// serve, including forged requests and failing API calls, with debug
// logging, and scans every log line for the secrets, the answer text and
// the plain learner id (log.learner_ids is hashed by default).
func TestServeNoSecretsOrAnswersInLogs(t *testing.T) {
	t.Parallel()
	e := startServe(t, "")
	const answer = "MY-PRIVATE-ANSWER about pipelines"
	e.takeLesson("U777", answer)
	e.waitMetric(`coursebot_lesson_completions_total{lesson="4-4"} 1`)
	// A slow API while the learner asks for status and to be forgotten.
	e.api.delay.Store(int64(50 * time.Millisecond))
	e.command("U777", "status")
	e.command("U777", lessonsForget)
	// Forged and malformed requests.
	if code, _ := e.slackPost("/slack/interactions", "payload=%7Bnot-json"); code != http.StatusBadRequest {
		t.Errorf("malformed payload: HTTP %d, want 400", code)
	}
	req, _ := http.NewRequest("POST", e.base+"/slack/commands", strings.NewReader("command=/status&user_id=U1"))
	req.Header.Set("X-Slack-Request-Timestamp", fmt.Sprint(time.Now().Unix()))
	req.Header.Set("X-Slack-Signature", "v0=00")
	if resp, err := http.DefaultClient.Do(req); err != nil || resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("forged Slack request: %v %v", resp, err)
	}
	// Discord: a PING and a status command, signed; a forged one.
	if code, body := e.discordPost(`{"id":"1","application_id":"4242","type":1,"token":"itoken-ping","version":1}`); code != 200 || !strings.Contains(body, `"type":1`) {
		t.Errorf("discord ping: %d %s", code, body)
	}
	cmd := `{"id":"2","application_id":"4242","type":2,"token":"INTERACTION-TOKEN-abc","version":1,"channel_id":"55",
		"member":{"user":{"id":"777","username":"dee"}},"data":{"id":"9","name":"status","type":1}}`
	if code, _ := e.discordPost(cmd); code != 200 {
		t.Errorf("discord status command: HTTP %d", code)
	}
	bad, _ := http.NewRequest("POST", e.base+"/discord/interactions", strings.NewReader(cmd))
	bad.Header.Set("X-Signature-Timestamp", fmt.Sprint(time.Now().Unix()))
	bad.Header.Set("X-Signature-Ed25519", strings.Repeat("ab", 64))
	if resp, err := http.DefaultClient.Do(bad); err != nil || resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("forged Discord request: %v %v", resp, err)
	}
	e.waitMetric(`coursebot_messages_total{kind="command",name="status",outcome="ok",platform="discord"} 1`)
	e.stop()

	logs := e.logs.String()
	if !strings.Contains(logs, `"msg":"message"`) || !strings.Contains(logs, `"rid":`) {
		t.Fatalf("expected structured message lines with request ids; log:\n%s", tail(logs, 20))
	}
	hashed := config.LogConfig{LearnerIDs: "hashed"}.LearnerID("slack:U777")
	if !strings.Contains(logs, hashed) {
		t.Errorf("log lines should name the learner as %s", hashed)
	}
	for _, secret := range []string{testSlackToken, testSlackSecret, testDiscordToken, "INTERACTION-TOKEN-abc",
		answer, "MY-PRIVATE-ANSWER", "slack:U777", "U777"} {
		if i := strings.Index(logs, secret); i >= 0 {
			t.Errorf("%q appears in the log: …%s…", secret, logs[max(0, i-200):min(len(logs), i+100)])
		}
	}
	for _, line := range strings.Split(strings.TrimSpace(logs), "\n") {
		var v map[string]any
		if err := json.Unmarshal([]byte(line), &v); err != nil {
			t.Errorf("log line is not JSON: %q", line)
		}
	}
}

const lessonsForget = "forget-me"

// TestServeManyLearnersConcurrently runs 24 learners through the whole
// lesson at once over HTTP (run it with -race: make test does), then checks
// every one completed with their own answers, after a clean shutdown.
func TestServeManyLearnersConcurrently(t *testing.T) {
	t.Parallel()
	e := startServe(t, "")
	const n = 24
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			e.takeLesson(fmt.Sprintf("U%03d", i), fmt.Sprintf("answer of learner %d", i))
		}()
	}
	wg.Wait()
	e.waitMetric(fmt.Sprintf(`coursebot_lesson_completions_total{lesson="4-4"} %d`, n))
	e.stop()
	db, err := store.Open(e.dir+"/coursebot.db", store.Options{})
	if err != nil {
		t.Fatalf("reopen after shutdown: %v", err)
	}
	defer func() {
		if err := db.Close(); err != nil {
			t.Error(err)
		}
	}()
	for i := range n {
		who := coursebot.Learner{Platform: "slack", UserID: fmt.Sprintf("U%03d", i)}
		p, err := db.Progress(context.Background(), who.Key(), "4-4")
		if err != nil {
			t.Fatal(err)
		}
		if p.Completed.IsZero() || len(p.Answers) != 3 {
			t.Errorf("%s: completed=%v with %d answers", who.Key(), p.Completed, len(p.Answers))
		}
		for _, a := range p.Answers {
			if a.Text != fmt.Sprintf("answer of learner %d", i) {
				t.Errorf("%s has answer %q", who.Key(), a.Text)
			}
		}
	}
}

func TestServeRejectsBadRequests(t *testing.T) {
	t.Parallel()
	e := startServe(t, "http:\n  listen: 127.0.0.1:0\n  max_body_bytes: 4096\n  read_timeout: 300ms\n")
	big := "command=/status&text=" + strings.Repeat("x", 10000)
	if code, _ := e.slackPost("/slack/commands", big); code != http.StatusRequestEntityTooLarge {
		t.Errorf("oversized body: HTTP %d, want 413", code)
	}
	if code, _ := e.discordPost(`{"type":2,` + strings.Repeat(" ", 5000) + `}`); code != http.StatusUnauthorized && code != http.StatusRequestEntityTooLarge {
		t.Errorf("oversized discord body: HTTP %d, want 401 or 413", code)
	}
	if code, _ := e.discordPost(`{"type":`); code != http.StatusBadRequest {
		t.Errorf("malformed discord JSON: HTTP %d, want 400", code)
	}
	if code, _ := e.slackPost("/slack/events", `{"type":`); code != http.StatusBadRequest {
		t.Errorf("malformed event: HTTP %d, want 400", code)
	}
	if code, _ := e.get("/nope"); code != http.StatusNotFound {
		t.Errorf("unknown path: HTTP %d", code)
	}

	// A slow client: headers never finished. The server hangs up after
	// read_timeout instead of holding the connection.
	conn, err := net.Dial("tcp", strings.TrimPrefix(e.base, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		if err := conn.Close(); err != nil {
			t.Error(err)
		}
	}()
	if _, err := fmt.Fprint(conn, "POST /slack/commands HTTP/1.1\r\nHost: x\r\n"); err != nil {
		t.Fatal(err)
	}
	if err := conn.SetReadDeadline(time.Now().Add(20 * time.Second)); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 512)
	var got []byte
	for {
		n, err := conn.Read(buf)
		got = append(got, buf[:n]...)
		if err != nil {
			if ne, ok := err.(net.Error); ok && ne.Timeout() {
				t.Fatal("server kept a slow client's connection open for 20s")
			}
			break
		}
	}
	if len(got) > 0 && !strings.Contains(string(got), "408") && !strings.Contains(string(got), "400") {
		t.Errorf("slow client got %q", got)
	}
	e.stop()
	logs := e.logs.String()
	for _, want := range []string{`"status":413`, `"status":400`, `"status":404`} {
		if !strings.Contains(logs, want) {
			t.Errorf("no log line with %s", want)
		}
	}
	if strings.Contains(logs, "panic") {
		t.Errorf("a bad request panicked:\n%s", logs)
	}
}

// TestServeForgetMe: a learner asks /forget-me over Slack and presses
// "Delete my data"; after shutdown the store holds nothing about them and
// the other learner keeps everything.
func TestServeForgetMe(t *testing.T) {
	t.Parallel()
	e := startServe(t, "")
	for _, u := range []string{"U41", "U42"} {
		if code := e.command(u, "start-4-4"); code != 200 {
			t.Fatalf("/start-4-4: HTTP %d", code)
		}
		if code := e.answer(u, e.cards[2].question, "an answer to forget", 2); code != 200 {
			t.Fatalf("answer: HTTP %d", code)
		}
	}
	e.waitMetric(`coursebot_messages_total{kind="answer",name="",outcome="ok",platform="slack"} 2`)
	if code := e.command("U41", "forget-me"); code != 200 {
		t.Fatalf("/forget-me: HTTP %d", code)
	}
	if code := e.press("U41", "Delete my data", bot.Action{Verb: "forget", Value: "yes"}.Encode(), 99); code != 200 {
		t.Fatalf("Delete my data: HTTP %d", code)
	}
	e.waitMetric(`coursebot_messages_total{kind="press",name="forget",outcome="ok",platform="slack"} 1`)
	e.stop()
	db, err := store.Open(e.dir+"/coursebot.db", store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		if err := db.Close(); err != nil {
			t.Error(err)
		}
	}()
	gone, err := db.LearnerData(context.Background(), "slack:U41")
	if err != nil || gone.Found {
		t.Errorf("slack:U41 after /forget-me: found=%v err=%v", gone.Found, err)
	}
	kept, err := db.LearnerData(context.Background(), "slack:U42")
	if err != nil || !kept.Found || len(kept.Progress) != 1 || len(kept.Progress[0].Answers) != 1 {
		t.Errorf("slack:U42 lost data: %+v %v", kept, err)
	}
}
