package main

import (
	"io"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus/testutil/promlint"
)

// metricNames are every coursebot metric /metrics has exposed since the
// first release: dashboards and alerts depend on them.
var metricNames = []string{
	"coursebot_messages_total",
	"coursebot_handle_seconds",
	"coursebot_lesson_completions_total",
	"coursebot_store_commit_seconds",
	"coursebot_platform_api_calls_total",
	"coursebot_platform_api_errors_total",
	"coursebot_rate_limit_waits_total",
	"coursebot_http_request_seconds",
	"coursebot_panics_total",
	"coursebot_course_reloads_total",
	"coursebot_scheduler_runs_total",
	"coursebot_scheduler_deliveries_total",
	"coursebot_uptime_seconds",
}

// scrape GETs /metrics from a server over m's handler with the given
// Accept header and returns the Content-Type and body.
func scrape(t *testing.T, m *serveMetrics, accept string) (string, string) {
	t.Helper()
	srv := httptest.NewServer(m.Handler())
	defer srv.Close()
	req, err := http.NewRequest("GET", srv.URL+"/metrics", nil)
	if err != nil {
		t.Fatal(err)
	}
	if accept != "" {
		req.Header.Set("Accept", accept)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, err := io.ReadAll(resp.Body)
	if cerr := resp.Body.Close(); err == nil {
		err = cerr
	}
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("scrape: HTTP %d, %v", resp.StatusCode, err)
	}
	return resp.Header.Get("Content-Type"), string(body)
}

// countEverything makes every family have a series.
func countEverything(m *serveMetrics) {
	m.Messages.WithLabelValues("slack", "command", "start-4-4", "ok").Inc()
	m.HandleLatency.WithLabelValues("slack", "command").Observe(0.002)
	m.Completions.WithLabelValues("4-4").Inc()
	m.StoreCommit.Observe(0.0004)
	m.APICalls.WithLabelValues("slack", "chat.postMessage", "200").Inc()
	m.APIErrors.WithLabelValues("discord", "POST /api/v10/channels/:id/messages").Inc()
	m.HTTPLatency.WithLabelValues("POST /slack/commands", "200").Observe(0.01)
}

// TestMetricsLint scrapes /metrics and runs promlint over it: every
// coursebot metric, the Go runtime's and the process's, no problems.
func TestMetricsLint(t *testing.T) {
	t.Parallel()
	m := newServeMetrics()
	countEverything(m)
	ct, body := scrape(t, m, "")
	if !strings.HasPrefix(ct, "text/plain; version=0.0.4") {
		t.Errorf("Content-Type %q, want the Prometheus text format", ct)
	}
	problems, err := promlint.New(strings.NewReader(body)).Lint()
	if err != nil {
		t.Fatalf("promlint cannot read /metrics: %v\n%s", err, body)
	}
	for _, p := range problems {
		t.Errorf("promlint: %s: %s", p.Metric, p.Text)
	}
	want := append([]string{"go_goroutines", "go_gc_duration_seconds", "go_memstats_heap_alloc_bytes"}, metricNames...)
	if runtime.GOOS == "linux" {
		want = append(want, "process_resident_memory_bytes", "process_cpu_seconds_total", "process_open_fds")
	}
	for _, name := range want {
		if !strings.Contains(body, "\n# TYPE "+name+" ") {
			t.Errorf("/metrics lacks %s", name)
		}
	}
	for _, line := range []string{
		`coursebot_messages_total{kind="command",name="start-4-4",outcome="ok",platform="slack"} 1`,
		`coursebot_store_commit_seconds_bucket{le="0.001"} 1`,
		`coursebot_panics_total{where="http"} 0`,
		`coursebot_scheduler_runs_total{kind="nudge",result="failures"} 0`,
	} {
		if !strings.Contains(body, line+"\n") {
			t.Errorf("/metrics lacks %q", line)
		}
	}
	if t.Failed() {
		t.Logf("/metrics:\n%s", body)
	}
}

// TestMetricsOpenMetrics: a scraper that asks for OpenMetrics gets it.
func TestMetricsOpenMetrics(t *testing.T) {
	t.Parallel()
	m := newServeMetrics()
	countEverything(m)
	ct, body := scrape(t, m, "application/openmetrics-text;version=1.0.0,text/plain;version=0.0.4;q=0.5")
	if !strings.HasPrefix(ct, "application/openmetrics-text; version=1.0.0") {
		t.Errorf("Content-Type %q, want OpenMetrics 1.0.0", ct)
	}
	if !strings.HasSuffix(body, "# EOF\n") {
		t.Errorf("an OpenMetrics exposition ends with # EOF; got ...%q", body[max(0, len(body)-40):])
	}
	// OpenMetrics names a counter family without _total.
	if !strings.Contains(body, "# TYPE coursebot_messages counter\n") ||
		!strings.Contains(body, `coursebot_messages_total{kind="command",name="start-4-4",outcome="ok",platform="slack"} 1`) {
		t.Errorf("OpenMetrics counter not as expected:\n%s", body)
	}
}

func TestSortLabels(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		`coursebot_messages_total{platform="discord",kind="press",name="next",outcome="ok"} 1`: `coursebot_messages_total{kind="press",name="next",outcome="ok",platform="discord"} 1`,
		`x_total{b="a,\"}",a=""} 2`:             `x_total{a="",b="a,\"}"} 2`,
		`coursebot_store_commit_seconds_count `: `coursebot_store_commit_seconds_count `,
	} {
		if got := sortLabels(in); got != want {
			t.Errorf("sortLabels(%s) = %s, want %s", in, got, want)
		}
	}
}
