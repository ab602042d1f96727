package slack

import (
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// BenchmarkStartAck measures what a learner waits for after /start-4-4:
// signed requests at concurrency 64 over loopback against the real routes
// (the real engine, bbolt store and fake Slack doing the queued work in the
// same process), and, in the same run, the same server's /verify-only
// route that only checks the signature and answers 200 (measured first,
// on the idle server). Reported: ack
// p50/p99 in ms, requests/s for both, and their ratio.
//
//	go test ./bot/slack -run '^$' -bench StartAck -benchtime=2000x
func BenchmarkStartAck(b *testing.B) {
	h := newHarness(b, nil, nil)
	mux := http.NewServeMux()
	h.a.Routes(mux)
	mux.HandleFunc("POST /verify-only", func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		if err := h.a.ver.verify(r.Header, body); err != nil {
			http.Error(w, "invalid signature", http.StatusUnauthorized)
			return
		}
		w.WriteHeader(http.StatusOK)
	})
	h.srv.Config.Handler = mux
	client := &http.Client{Transport: &http.Transport{MaxIdleConns: 128, MaxIdleConnsPerHost: 128}}
	ts := strconv.FormatInt(h.now.Unix(), 10)
	sig := verifier{secret: []byte(testSecret)}

	run := func(path string, n int) (lat []time.Duration, perSec float64) {
		lat = make([]time.Duration, n)
		var next atomic.Int64
		var wg sync.WaitGroup
		var failed atomic.Int64
		start := time.Now()
		for range 64 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for {
					i := int(next.Add(1)) - 1
					if i >= n {
						return
					}
					form := url.Values{"team_id": {"T1"}, "channel_id": {"C1"}, "user_id": {fmt.Sprintf("U%d", i%500)},
						"user_name": {"learner"}, "command": {"/start-4-4"}, "text": {""}, "response_url": {h.fake.responseURL()}}
					body := form.Encode()
					req, _ := http.NewRequest(http.MethodPost, h.srv.URL+path, strings.NewReader(body))
					req.Header.Set("Content-Type", formType)
					req.Header.Set("X-Slack-Request-Timestamp", ts)
					req.Header.Set("X-Slack-Signature", sig.sign(ts, []byte(body)))
					t0 := time.Now()
					resp, err := client.Do(req)
					if err != nil {
						failed.Add(1)
						continue
					}
					_, _ = io.Copy(io.Discard, resp.Body)
					_ = resp.Body.Close()
					lat[i] = time.Since(t0)
					if resp.StatusCode != http.StatusOK {
						failed.Add(1)
					}
				}
			}()
		}
		wg.Wait()
		if f := failed.Load(); f > 0 {
			b.Fatalf("%s: %d of %d requests failed", path, f, n)
		}
		return lat, float64(n) / time.Since(start).Seconds()
	}

	// The baseline first, on an idle server; then the real route, whose
	// queued lesson work (engine, bbolt, fake Slack) shares the 2 cores.
	b.StopTimer()
	_, verifyRPS := run("/verify-only", b.N)
	b.StartTimer()
	lat, rps := run("/slack/commands", b.N)
	b.StopTimer()
	h.idle()

	slices.Sort(lat)
	pct := func(p float64) float64 {
		return float64(lat[min(len(lat)-1, int(p*float64(len(lat))))].Microseconds()) / 1000
	}
	b.ReportMetric(pct(0.50), "ack-p50-ms")
	b.ReportMetric(pct(0.99), "ack-p99-ms")
	b.ReportMetric(rps, "start-req/s")
	b.ReportMetric(verifyRPS, "verify-only-req/s")
	b.ReportMetric(rps/verifyRPS, "ratio")
}
