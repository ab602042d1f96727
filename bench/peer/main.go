// Command peer serves the Slack fake of the kick-off benchmark at real
// time, for a peer client to be measured against the same limits: the
// gate of ratelimittest (Slack's documented tiers and post budgets, 429
// with Retry-After past them) in front of a chat.postMessage that answers
// ok. GET /arrivals gives the kick-off's arrival offsets and the least time
// the limits allow (as BenchmarkPaceKickoffSlack computes it); GET /stats
// the calls and 429s so far. See README.md; `make bench-peer` runs it with
// Bolt-JS's WebClient.
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"net"
	"net/http"
	"os"
	"sync/atomic"

	"github.com/coursebot/coursebot/ratelimit"
	"github.com/coursebot/coursebot/ratelimit/ratelimittest"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:0", "address to listen on")
	learners := flag.Int("learners", 300, "learners in the kick-off")
	flag.Parse()
	if err := run(*addr, *learners); err != nil {
		fmt.Fprintln(os.Stderr, "peer:", err)
		os.Exit(1)
	}
}

func run(addr string, learners int) error {
	gate := ratelimittest.NewSlack(ratelimit.SlackLimits{}, ratelimit.Real())
	var ts atomic.Int64
	mux := http.NewServeMux()
	mux.Handle("/api/", gate.Wrap(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_ = r.ParseForm()
		w.Header().Set("Content-Type", "application/json")
		_, _ = fmt.Fprintf(w, `{"ok":true,"channel":%q,"ts":"1700000000.%06d"}`, r.PostForm.Get("channel"), ts.Add(1))
	})))
	arrivals := ratelimittest.Kickoff(learners)
	lim := gate.Limits()
	least := ratelimittest.Longest(arrivals, ratelimittest.TokenFinish(arrivals, 1, float64(lim.PostsPerWorkspace), gate.WorkspaceBurst()))
	mux.HandleFunc("/arrivals", func(w http.ResponseWriter, _ *http.Request) {
		ms := make([]int64, len(arrivals))
		for i, a := range arrivals {
			ms[i] = a.Milliseconds()
		}
		writeJSON(w, map[string]any{"arrivals_ms": ms, "least_ms": least.Milliseconds()})
	})
	mux.HandleFunc("/stats", func(w http.ResponseWriter, _ *http.Request) {
		st := gate.Stats()
		writeJSON(w, map[string]any{"calls": st.Total(), "refused": st.Refusals()})
	})
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	fmt.Printf("http://%s\n", ln.Addr())
	return http.Serve(ln, mux) // a local benchmark fake: no timeouts needed
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(v)
}
