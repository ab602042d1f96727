// Package recovery is the one place a recovered panic goes: every goroutine
// that runs learners' work recovers through a *Panics, which logs the panic
// once with its stack and counts it once.
package recovery

import (
	"fmt"
	"log/slog"
	"runtime/debug"
)

// Panics is the one place a recovered panic goes. Every goroutine that runs
// learners' work (the adapters' per-learner workers, their background jobs,
// the delivery pipeline, the scheduler's sends) recovers through it, so each
// panic is logged once with its stack and counted once:
//
//	defer q.panics.Recover("delivery worker")
//
// Recover must be deferred directly (it calls recover itself). A nil
// *Panics still recovers and logs to slog.Default, so a worker built without
// one never crashes the process; `coursebot serve` passes one whose Count
// increments coursebot_panics_total{where} and turns /readyz to 503 when the
// panic came from a damaged database.
type Panics struct {
	Log *slog.Logger
	// Count is called once per recovered panic with where it happened and
	// the value recovered. It must not panic.
	Count func(where string, value any)
}

// Recover recovers a panic in the calling goroutine, if any, and reports it
// (see Report). Use it as `defer p.Recover("where")`.
func (p *Panics) Recover(where string) {
	if v := recover(); v != nil {
		p.Report(where, v)
	}
}

// Report logs and counts a panic value a caller recovered itself (for
// callers that must do more afterwards, such as answer an HTTP request or
// tell the learner). The log line has where, the value and the stack; it
// never has the message being handled.
func (p *Panics) Report(where string, v any) {
	log := slog.Default()
	if p != nil && p.Log != nil {
		log = p.Log
	}
	log.Error("panic recovered", "where", where, "panic", fmt.Sprint(v), "stack", string(debug.Stack()))
	if p != nil && p.Count != nil {
		p.Count(where, v)
	}
}
