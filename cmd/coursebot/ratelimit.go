package main

import (
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/coursebot/coursebot/ratelimit"
)

// rateMetrics are the rate limiter's figures on /metrics:
//
//	coursebot_ratelimit_waiting{platform,method}            calls waiting for their budget now
//	coursebot_ratelimit_wait_seconds{platform,priority}      how long calls waited before they went out
//	coursebot_ratelimit_refused_total{platform,method}       429s the platform answered
//	coursebot_ratelimit_skipped_total{platform,method}       optional calls dropped (a budget short)
type rateMetrics struct {
	waiting *prometheus.GaugeVec
	waited  *prometheus.HistogramVec
	refused *prometheus.CounterVec
	skipped *prometheus.CounterVec
}

func newRateMetrics(reg prometheus.Registerer) *rateMetrics {
	f := factory{reg}
	m := &rateMetrics{
		waiting: prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "coursebot_ratelimit_waiting",
			Help: "Platform API calls waiting for their rate-limit budget, by method (Slack Web API method or Discord route)."}, []string{"platform", "method"}),
		waited: f.histogram("coursebot_ratelimit_wait_seconds",
			"How long platform API calls waited for their rate-limit budget before they were made, by priority (interactive: a learner waits; background: reminders, nudges).",
			"platform", "priority"),
		refused: f.counter("coursebot_ratelimit_refused_total", "Platform API calls the platform refused with HTTP 429, by method.", "platform", "method"),
		skipped: f.counter("coursebot_ratelimit_skipped_total",
			"Optional platform API calls not made because their budget was short (intermediate edits of a streamed reply, disabling an old card's buttons), by method.",
			"platform", "method"),
	}
	reg.MustRegister(m.waiting)
	for _, p := range []string{"slack", "discord"} {
		for _, pr := range []ratelimit.Priority{ratelimit.Interactive, ratelimit.Background} {
			m.waited.WithLabelValues(p, pr.String())
		}
	}
	return m
}

// observer is the ratelimit.Observer of one platform's adapter.
func (m *rateMetrics) observer(platform string) ratelimit.Observer {
	return rateObserver{m: m, platform: platform}
}

type rateObserver struct {
	m        *rateMetrics
	platform string
}

func (o rateObserver) Waiting(method string, delta int) {
	o.m.waiting.WithLabelValues(o.platform, method).Add(float64(delta))
}

func (o rateObserver) Waited(_ string, p ratelimit.Priority, d time.Duration) {
	o.m.waited.WithLabelValues(o.platform, p.String()).Observe(d.Seconds())
}

func (o rateObserver) Refused(method string) { o.m.refused.WithLabelValues(o.platform, method).Inc() }
func (o rateObserver) Skipped(method string) { o.m.skipped.WithLabelValues(o.platform, method).Inc() }
