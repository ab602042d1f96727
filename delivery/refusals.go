package delivery

import (
	"strings"
	"sync"
	"time"
)

// refusals counts what a full inbox turns away and keeps the log quiet
// about it: a burst past the limit can refuse thousands of requests in
// seconds (each answered "very busy, try again in a minute"), and the log
// gets one line when refusing starts and then one summary per interval
// while it goes on, never one line per request.
type refusals struct {
	in       *Inbox
	interval time.Duration

	mu      sync.Mutex
	total   int64
	pending map[string]int // by platform, since the last line
	armed   bool           // a summary is due
}

// refuse counts one item of kind refused.
func (r *refusals) refuse(kind string) {
	if r.in.o.OnRefuse != nil {
		r.in.o.OnRefuse(kind)
	}
	platform, _, _ := strings.Cut(kind, "/")
	r.mu.Lock()
	defer r.mu.Unlock()
	r.total++
	if r.armed {
		r.pending[platform]++
		return
	}
	r.armed = true
	r.in.log.Warn("inbox full: refusing new requests (answered \"very busy\"); a summary follows while it lasts",
		"platform", platform, "limit", r.in.o.Limit)
	time.AfterFunc(r.interval, r.summary)
}

// summary logs what was refused since the last line, and stays armed
// while refusals go on.
func (r *refusals) summary() {
	r.mu.Lock()
	defer r.mu.Unlock()
	n := 0
	for _, c := range r.pending {
		n += c
	}
	if n == 0 {
		r.armed = false
		return
	}
	args := []any{"refused", n, "in", r.interval, "total", r.total, "depth", r.in.depth.Load()}
	for p, c := range r.pending {
		args = append(args, p, c)
	}
	r.in.log.Warn("inbox full: requests refused", args...)
	clear(r.pending)
	time.AfterFunc(r.interval, r.summary)
}

func (r *refusals) count() int64 {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.total
}
