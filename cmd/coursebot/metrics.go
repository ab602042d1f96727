package main

import (
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// serveMetrics are the figures /metrics exposes, on a registry of their
// own (no client_golang globals). serve creates them once and hands them to
// what counts.
//
// To add a metric: add a field here and one line in newServeMetrics with
// f.counter or f.histogram (which register it, and panic at start on a bad
// or duplicate name; a gauge is reg.MustRegister(prometheus.NewGaugeFunc(...)));
// count with
// m.Field.WithLabelValues(...).Inc() or .Observe(seconds). Name it
// coursebot_<what>_<unit>, counters ending in _total, durations in seconds
// (latencyBuckets); TestMetricsLint runs promlint over the result.
type serveMetrics struct {
	reg *prometheus.Registry

	Messages       *prometheus.CounterVec   // platform, kind, name, outcome
	HandleLatency  *prometheus.HistogramVec // platform, kind
	Completions    *prometheus.CounterVec   // lesson
	StoreCommit    prometheus.Observer
	APICalls       *prometheus.CounterVec   // platform, method, status
	APIErrors      *prometheus.CounterVec   // platform, method
	RateLimitWaits *prometheus.CounterVec   // platform
	HTTPLatency    *prometheus.HistogramVec // route, code
	Panics         *prometheus.CounterVec   // where
	Reloads        *prometheus.CounterVec   // result

	// SchedulerRuns counts scheduled runs by kind and result (through
	// scheduler.Options.OnRun), and SchedulerDeliveries its messages by
	// kind (dm, channel) and status (sent, error), counted by wrapping its
	// senders (countedSenders).
	SchedulerRuns       *prometheus.CounterVec
	SchedulerDeliveries *prometheus.CounterVec
	// CapstoneChecks counts capstone checks by result: ok, again (answered
	// from the last check), or why none was made (capstone.Problem's Kind).
	CapstoneChecks *prometheus.CounterVec

	// Rate are the rate limiter's figures (ratelimit.go).
	Rate *rateMetrics
}

// latencyBuckets are upper bounds in seconds from 1 ms to 10 s.
func latencyBuckets() []float64 {
	return []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10}
}

func newServeMetrics() *serveMetrics {
	reg := prometheus.NewRegistry()
	reg.MustRegister(
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
	)
	f := factory{reg}
	start := time.Now()
	m := &serveMetrics{
		reg: reg,
		Messages: f.counter("coursebot_messages_total",
			"Learner messages handled: kind is command, press or answer; name is the command or button verb; outcome is ok, refused or error.",
			"platform", "kind", "name", "outcome"),
		HandleLatency:       f.histogram("coursebot_handle_seconds", "Time the lesson engine took per message.", "platform", "kind"),
		Completions:         f.counter("coursebot_lesson_completions_total", "Lessons completed.", "lesson"),
		StoreCommit:         f.histogram("coursebot_store_commit_seconds", "Time to commit (and fsync) one progress update.").WithLabelValues(),
		APICalls:            f.counter("coursebot_platform_api_calls_total", "Calls to the Slack, Discord and GitHub APIs by method and HTTP status (status \"error\": no response).", "platform", "method", "status"),
		APIErrors:           f.counter("coursebot_platform_api_errors_total", "Calls that failed: no response, or a 4xx/5xx status.", "platform", "method"),
		RateLimitWaits:      f.counter("coursebot_rate_limit_waits_total", "429 answers, each followed by a wait before retrying.", "platform"),
		HTTPLatency:         f.histogram("coursebot_http_request_seconds", "HTTP requests served, by route and status code.", "route", "code"),
		Panics:              f.counter("coursebot_panics_total", "Panics recovered.", "where"),
		Reloads:             f.counter("coursebot_course_reloads_total", "Course reloads (SIGHUP) by result.", "result"),
		SchedulerRuns:       f.counter("coursebot_scheduler_runs_total", "Scheduled runs by kind and result.", "kind", "result"),
		SchedulerDeliveries: f.counter("coursebot_scheduler_deliveries_total", "Scheduled messages by kind and status.", "kind", "status"),
		CapstoneChecks:      f.counter("coursebot_capstone_checks_total", "Capstone repository checks by result (ok, again, or why none was made).", "result"),
	}
	m.Rate = newRateMetrics(reg)
	reg.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "coursebot_uptime_seconds", Help: "Seconds since the process started serving.",
	}, func() float64 { return time.Since(start).Seconds() }))

	// Known label values start at 0, so a rate() or an alert sees the
	// series before the first event.
	for _, p := range []string{"slack", "discord"} {
		m.RateLimitWaits.WithLabelValues(p)
	}
	for _, r := range []string{"ok", "again", "bad_url", "not_found", "private", "empty", "too_large", "rate_limited", "refused", "timeout", "unavailable"} {
		m.CapstoneChecks.WithLabelValues(r)
	}
	for _, w := range []string{"http", "handler", "store", "delivery worker", "delivery item"} {
		m.Panics.WithLabelValues(w)
	}
	for _, r := range []string{"ok", "rejected", "unchanged"} {
		m.Reloads.WithLabelValues(r)
	}
	for _, k := range []string{"reminder", "nudge"} {
		for _, r := range []string{"ok", "failures", "interrupted", "error"} {
			m.SchedulerRuns.WithLabelValues(k, r)
		}
	}
	for _, k := range []string{"dm", "channel"} {
		for _, s := range []string{"sent", "error"} {
			m.SchedulerDeliveries.WithLabelValues(k, s)
		}
	}
	return m
}

// Handler serves the registry in the Prometheus text format, or in
// OpenMetrics when the scraper asks for it (Accept: application/openmetrics-text).
// Uncompressed: a scrape is about 15 KB on the admin address, and gzip
// made each one five times as costly (9 ms against 1.7 ms on a loaded
// 2-core machine), which tests that poll /metrics felt.
func (m *serveMetrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{
		EnableOpenMetrics:  true,
		ErrorHandling:      promhttp.ContinueOnError,
		DisableCompression: true,
	})
}

// factory creates metrics and registers them on reg.
type factory struct{ reg prometheus.Registerer }

func (f factory) counter(name, help string, labels ...string) *prometheus.CounterVec {
	c := prometheus.NewCounterVec(prometheus.CounterOpts{Name: name, Help: help}, labels)
	f.reg.MustRegister(c)
	return c
}

func (f factory) histogram(name, help string, labels ...string) *prometheus.HistogramVec {
	h := prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: name, Help: help, Buckets: latencyBuckets()}, labels)
	f.reg.MustRegister(h)
	return h
}

// watchWrites exposes coursebot_store_write_wait_seconds: how long the
// oldest store write in progress has been at it (store.DB.WriteWait).
func (m *serveMetrics) watchWrites(wait func() time.Duration) {
	m.reg.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "coursebot_store_write_wait_seconds",
		Help: "How long the oldest store write in progress has been waiting or committing (0: none); seconds mean writes are stalled.",
	}, func() float64 { return wait().Seconds() }))
}
