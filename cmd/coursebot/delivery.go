package main

import (
	"log/slog"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/coursebot/coursebot/config"
	"github.com/coursebot/coursebot/delivery"
	"github.com/coursebot/coursebot/internal/recovery"
)

// newInbox is the delivery pipeline of `coursebot serve` (docs/delivery.md)
// over the store's inbox, with its figures on /metrics:
//
//	coursebot_inbox_depth                   items acknowledged, work not done
//	coursebot_inbox_oldest_age_seconds      age of the oldest of them
//	coursebot_inbox_items_total{result}     items finished: done or failed
//	coursebot_inbox_refused_total{platform} requests refused: the inbox was full
//	coursebot_delivery_stage_seconds{stage} commit, wait, process, total
func newInbox(cfg config.DeliveryConfig, st delivery.Store, log *slog.Logger, panics *recovery.Panics, m *serveMetrics) *delivery.Inbox {
	f := factory{m.reg}
	finished := f.counter("coursebot_inbox_items_total",
		"Inbox items finished: done (the work was done) or failed (the learner was told it failed).", "result")
	stages := f.histogram("coursebot_delivery_stage_seconds",
		"Time per stage of an inbox item: commit (to durable, before the ack), wait (queued), process (engine and platform calls), total (ack to done).",
		"stage")
	refused := f.counter("coursebot_inbox_refused_total",
		"Requests refused because the inbox held delivery.inbox_limit items (each answered \"very busy, try again in a minute\"; the log has a summary, not a line each).",
		"platform")
	for _, r := range []string{"done", "failed"} {
		finished.WithLabelValues(r)
	}
	for _, p := range []string{"slack", "discord"} {
		refused.WithLabelValues(p)
	}
	in := delivery.NewInbox(delivery.InboxOptions{
		Store: st, Limit: cfg.InboxLimit, Log: log, Panics: panics,
		Queue:   delivery.NewQueue(delivery.QueueOptions{Workers: cfg.Workers, Log: log, Panics: panics}),
		Observe: func(stage string, d time.Duration) { stages.WithLabelValues(stage).Observe(d.Seconds()) },
		OnRefuse: func(kind string) {
			platform, _, _ := strings.Cut(kind, "/")
			refused.WithLabelValues(platform).Inc()
		},
		OnFinish: func(_ string, err error) {
			if err != nil {
				finished.WithLabelValues("failed").Inc()
				return
			}
			finished.WithLabelValues("done").Inc()
		},
	})
	m.reg.MustRegister(
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "coursebot_inbox_depth", Help: "Requests acknowledged whose work is not done yet."},
			func() float64 { return float64(in.Stats().Depth) }),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "coursebot_inbox_oldest_age_seconds", Help: "Age of the oldest request in the inbox (0 when empty)."},
			func() float64 { return in.Stats().OldestAge.Seconds() }),
	)
	return in
}
