package main

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"os"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// TestServeBinarySIGTERMUnderLoad: signed /start-4-4 commands stream in
// from 64 clients while the fake Slack API answers slowly; once half of
// them are acknowledged the process gets SIGTERM. It exits 0; after a
// restart every learner whose start was acknowledged has started the lesson
// and has exactly one lesson thread, and no message was posted twice.
// COURSEBOT_SIGTERM_N sets the number of starts (default 200).
func TestServeBinarySIGTERMUnderLoad(t *testing.T) {
	t.Parallel()
	n := 200
	if s := os.Getenv("COURSEBOT_SIGTERM_N"); s != "" {
		n, _ = strconv.Atoi(s)
	}
	if testing.Short() {
		n = 60
	}
	api := newWireSlack(t)
	api.delay = 60 * time.Millisecond // every Web API call: the work is slower than the acks
	dir := t.TempDir()
	cfg := slackOnlyConfig(t, dir, api.apiURL(), "delivery:\n  workers: 8\n  shutdown_grace: 500ms\n")
	user := func(i int) string { return fmt.Sprintf("UT%04d", i) }

	p := startBinary(t, "--config", cfg)
	e := &serveEnv{t: t, base: p.base}
	var (
		next   atomic.Int64
		ackedN atomic.Int64
		mu     sync.Mutex
		acked  []int
		once   sync.Once
		wg     sync.WaitGroup
	)
	termed := make(chan struct{})
	for range 64 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1) - 1)
				if i >= n {
					return
				}
				code, err := e.trySlackPost("/slack/commands", slackCommandBody(user(i), "start-4-4"))
				if err != nil {
					return // the listener is closed: the process is stopping
				}
				if code != http.StatusOK {
					continue
				}
				mu.Lock()
				acked = append(acked, i)
				mu.Unlock()
				if ackedN.Add(1) == int64(n/2) {
					once.Do(func() {
						if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
							t.Error(err)
						}
						close(termed)
					})
				}
			}
		}()
	}
	wg.Wait()
	once.Do(func() { // fewer than half acknowledged: stop anyway (and fail below)
		if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
			t.Error(err)
		}
		close(termed)
	})
	<-termed
	if len(acked) < n/2 {
		t.Errorf("only %d of %d starts acknowledged", len(acked), n)
	}
	if err := p.wait(60 * time.Second); err != nil {
		t.Fatalf("exit after SIGTERM under load: %v\n%s", err, tail(p.logs.String(), 2000))
	}
	left := "?"
	if m := regexp.MustCompile(`"inbox_left":(\d+)`).FindStringSubmatch(p.logs.String()); m != nil {
		left = m[1]
	}
	db := drainAndOpen(t, cfg, dir)
	lost := 0
	for _, i := range acked {
		pr, err := db.Progress(context.Background(), "slack:"+user(i), "4-4")
		if err != nil {
			t.Fatal(err)
		}
		if pr.Card == "" || api.lessonRoots("D"+user(i)) != 1 {
			lost++
			t.Errorf("%s: acknowledged start: card %q, %d lesson threads", user(i), pr.Card, api.lessonRoots("D"+user(i)))
		}
	}
	doubled, posts := api.doubled()
	if len(doubled) > 0 {
		t.Errorf("messages posted twice: %v", doubled)
	}
	t.Logf("SIGTERM under load: %d starts sent, %d acknowledged, %s left in the inbox at the stop, %d lost, %d doubled (%d posts)", n, len(acked), left, lost, len(doubled), posts)
}

// trySlackPost is slackPost that reports a failed connection instead of
// failing the test (the listener closes during a shutdown).
func (e *serveEnv) trySlackPost(path, body string) (int, error) {
	ts := strconv.FormatInt(time.Now().Unix(), 10)
	mac := hmac.New(sha256.New, []byte(testSlackSecret))
	_, _ = io.WriteString(mac, "v0:"+ts+":"+body) // hash.Hash writes never fail
	req, _ := http.NewRequest("POST", e.base+path, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("X-Slack-Request-Timestamp", ts)
	req.Header.Set("X-Slack-Signature", "v0="+hex.EncodeToString(mac.Sum(nil)))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, err
	}
	defer func() { _ = resp.Body.Close() }()
	_, _ = io.Copy(io.Discard, resp.Body)
	return resp.StatusCode, nil
}
