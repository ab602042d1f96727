package discord_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/coursebot/coursebot/bot/discord"
)

// BenchmarkSignedInteractions sends signed interactions over loopback HTTP
// at concurrency 64 and reports the initial response's p99 and the
// throughput, next to the same numbers for PING (verify-and-PONG only) in
// the same run. Run: go test -run '^$' -bench SignedInteractions -benchtime=3000x ./bot/discord/
func BenchmarkSignedInteractions(b *testing.B) {
	e := newEnv(b, discord.ModeHTTP, nil, "", false)
	srv := &http.Server{Handler: e.mux}
	ln := newLoopbackListener(b)
	go func() { _ = srv.Serve(ln) }()
	b.Cleanup(func() { _ = srv.Close() })
	url := "http://" + ln.Addr().String() + "/discord/interactions"
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}}

	var seq atomic.Int64
	run := func(payload func(n int64) []byte) (p99 time.Duration, rps float64) {
		const conc = 64
		lat := make([]time.Duration, 0, b.N)
		var mu sync.Mutex
		var wg sync.WaitGroup
		var next atomic.Int64
		start := time.Now()
		for range conc {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for next.Add(1) <= int64(b.N) {
					body := payload(seq.Add(1))
					req := e.sign(body, fixedNow)
					r, _ := http.NewRequest("POST", url, bytes.NewReader(body))
					r.Header = req.Header
					t0 := time.Now()
					resp, err := client.Do(r)
					if err != nil {
						b.Error(err)
						return
					}
					var out struct{ Type int }
					_ = json.NewDecoder(resp.Body).Decode(&out)
					_ = resp.Body.Close()
					d := time.Since(t0)
					if resp.StatusCode != 200 || out.Type == 0 {
						b.Errorf("status %d type %d", resp.StatusCode, out.Type)
						return
					}
					mu.Lock()
					lat = append(lat, d)
					mu.Unlock()
				}
			}()
		}
		wg.Wait()
		el := time.Since(start)
		slices.Sort(lat)
		if len(lat) == 0 {
			return 0, 0
		}
		return lat[len(lat)*99/100], float64(len(lat)) / el.Seconds()
	}
	ping := func(n int64) []byte {
		return []byte(fmt.Sprintf(`{"id":"p%d","application_id":"app1","type":1,"token":"t","version":1}`, n))
	}
	status := func(n int64) []byte {
		body, _ := json.Marshal(commandPayload(fmt.Sprintf("b%d", n), fmt.Sprintf("u%d", n%64), "status"))
		return body
	}
	b.ResetTimer()
	pingP99, pingRPS := run(ping)
	p99, rps := run(status)
	b.StopTimer()
	b.ReportMetric(float64(p99.Microseconds())/1000, "p99-ms")
	b.ReportMetric(rps, "req/s")
	b.ReportMetric(float64(pingP99.Microseconds())/1000, "pong-p99-ms")
	b.ReportMetric(pingRPS, "pong-req/s")
	b.ReportMetric(rps/pingRPS, "throughput-ratio")
}
