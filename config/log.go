// The operator's logger as configured under log:.

package config

import (
	"io"
	"log/slog"
)

// SlogLevel is log.level as a slog.Level.
func (l LogConfig) SlogLevel() slog.Level {
	var lv slog.Level
	if err := lv.UnmarshalText([]byte(l.Level)); err != nil {
		return slog.LevelInfo
	}
	return lv
}

// NewLogger returns the operator's logger writing to w in log.format at
// log.level.
//
// With learner_ids: hashed, every attribute named "learner" or "recipient"
// that holds a learner key ("slack:U1") is logged as its digest, whichever
// package logged it (adapters, scheduler, cohorts), so no plain user id
// reaches the log.
func (l LogConfig) NewLogger(w io.Writer) *slog.Logger {
	opts := &slog.HandlerOptions{Level: l.SlogLevel()}
	if l.LearnerIDs == "hashed" {
		opts.ReplaceAttr = hashLearnerKeys(learnerLogger{hashed: true}) // redact.go
	}
	if l.Format == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}

// ---- secrets ------------------------------------------------------------
