package ratelimit

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"sync/atomic"
	"time"
)

// Observer is told what a Transport does, for /metrics. Its methods are
// called concurrently and must not block.
type Observer interface {
	// Waiting is told when a call starts (+1) and stops (-1) waiting for
	// its budget.
	Waiting(method string, delta int)
	// Waited is told how long a call waited before it went out (0 when
	// its budget had room).
	Waited(method string, prio Priority, d time.Duration)
	// Refused is told of each 429 the platform answered.
	Refused(method string)
	// Skipped is told of each Optional call dropped (ErrSkipped).
	Skipped(method string)
}

type nopObserver struct{}

func (nopObserver) Waiting(string, int)                    {}
func (nopObserver) Waited(string, Priority, time.Duration) {}
func (nopObserver) Refused(string)                         {}
func (nopObserver) Skipped(string)                         {}

func orNop(o Observer) Observer {
	if o == nil {
		return nopObserver{}
	}
	return o
}

// call is one request as a platform's policy sees it.
type call struct {
	method string // for metrics and reservations: no ids, no tokens
	keys   []Key
	state  any // the policy's own, for answered
}

// policy is what a platform adds to the Transport: which budgets a request
// draws on, and what its answer says about them.
type policy interface {
	// classify names the request's budgets; ok false means the request is
	// not paced (not a call to the platform's API).
	classify(req *http.Request) (c call, ok bool)
	// keysFor names the budgets of a call of method with no other
	// parameters (for Reserve); ok false when that cannot be told.
	keysFor(method string) ([]Key, bool)
	// answered reads the answer (rate-limit headers, a 429) into l. It
	// may replace resp's body; it returns the response to pass on.
	answered(l *Limiter, c call, resp *http.Response) *http.Response
}

// Options are a Transport's parts.
type Options struct {
	// Next makes the calls (http.DefaultTransport when nil).
	Next http.RoundTripper
	// Limiter holds the budgets (a new one on the real clock when nil).
	// One per platform account: share it between transports of the same
	// bot token, never between tokens.
	Limiter *Limiter
	// Observer is told what the transport does (nothing when nil).
	Observer Observer
	// Timeout bounds each call once its budget is there, the time spent
	// waiting for the budget not included (none when 0). Give the
	// http.Client no Timeout of its own: it would count the wait.
	Timeout time.Duration
}

func (o Options) transport(pol policy) *Transport {
	if o.Next == nil {
		o.Next = http.DefaultTransport
	}
	if o.Limiter == nil {
		o.Limiter = New(nil)
	}
	return &Transport{next: o.Next, lim: o.Limiter, pol: pol, obs: orNop(o.Observer), timeout: o.Timeout}
}

// Transport is an http.RoundTripper that makes every call of a platform
// client wait for its budgets first (see the package comment). Make one
// with NewSlack or NewDiscord.
type Transport struct {
	next    http.RoundTripper
	lim     *Limiter
	pol     policy
	obs     Observer
	timeout time.Duration
}

// Limiter is the transport's limiter.
func (t *Transport) Limiter() *Limiter { return t.lim }

// RoundTrip waits for the request's budgets (as its context's Priority
// says), makes it, and reads what the answer says about the budgets. An
// Optional request whose budget is short is not made: it fails with
// ErrSkipped.
func (t *Transport) RoundTrip(req *http.Request) (*http.Response, error) {
	c, ok := t.pol.classify(req)
	if !ok {
		return t.send(req)
	}
	ctx := req.Context()
	g := prepaid(ctx, c.method)
	if g == nil {
		prio := PriorityOf(ctx)
		t.obs.Waiting(c.method, 1)
		var err error
		g, err = t.lim.Acquire(ctx, prio, c.keys...)
		t.obs.Waiting(c.method, -1)
		if err != nil {
			if err == ErrSkipped {
				t.obs.Skipped(c.method)
			}
			return nil, err
		}
		t.obs.Waited(c.method, prio, g.Waited)
	}
	resp, err := t.send(req)
	if err != nil {
		g.Done()
		return nil, err
	}
	if resp.StatusCode == http.StatusTooManyRequests {
		t.obs.Refused(c.method)
	}
	// The answer is read while the call still counts as in flight: a
	// budget whose calls were all done, but whose answers were not read
	// yet, looked spent with no window told and started a new one early
	// (a sixth message in a route's five, 1 run in 8 of
	// TestDiscordLearnsRouteBudgetsFromHeaders).
	resp = t.pol.answered(t.lim, c, resp)
	g.Done()
	return resp, nil
}

// send makes the call under the transport's timeout, which ends when the
// answer's body is closed.
func (t *Transport) send(req *http.Request) (*http.Response, error) {
	if t.timeout <= 0 {
		return t.next.RoundTrip(req)
	}
	ctx, cancel := context.WithTimeout(req.Context(), t.timeout)
	resp, err := t.next.RoundTrip(req.WithContext(ctx))
	if err != nil {
		cancel()
		return nil, err
	}
	resp.Body = &cancelOnClose{ReadCloser: resp.Body, cancel: cancel}
	return resp, nil
}

type cancelOnClose struct {
	io.ReadCloser
	cancel context.CancelFunc
}

func (c *cancelOnClose) Close() error {
	err := c.ReadCloser.Close()
	c.cancel()
	return err
}

// Reserve takes, without waiting, the budget of one later call of method
// (a Slack method name, for example "chat.update") and returns a context
// under which that call spends it instead of waiting. ok is false when the
// budget has no room now (or cannot be told without the call itself): the
// caller does without. release gives an unspent reservation back.
//
// A streamed reply reserves its final edit before it posts its
// placeholder: a placeholder is only posted when its final text is sure
// to replace it without a wait.
func (t *Transport) Reserve(ctx context.Context, method string) (_ context.Context, release func(), ok bool) {
	keys, ok := t.pol.keysFor(method)
	if !ok {
		return ctx, func() {}, false
	}
	g, ok := t.lim.TryAcquire(keys...)
	if !ok {
		return ctx, func() {}, false
	}
	r := &reservation{method: method, g: g}
	return context.WithValue(ctx, reservationKey{}, r), func() {
		if r.used.CompareAndSwap(false, true) {
			g.giveBack()
		}
	}, true
}

type reservationKey struct{}

type reservation struct {
	method string
	g      *Grant
	used   atomic.Bool
}

// prepaid returns the reservation ctx holds for method, spending it.
func prepaid(ctx context.Context, method string) *Grant {
	r, ok := ctx.Value(reservationKey{}).(*reservation)
	if !ok || r.method != method || !r.used.CompareAndSwap(false, true) {
		return nil
	}
	return r.g
}

// body returns a copy of req's body without consuming it (slack-go's
// requests carry GetBody; one without it is paced without its channel).
func body(req *http.Request) []byte {
	if req.Body == nil || req.Body == http.NoBody {
		return nil
	}
	if req.GetBody == nil {
		return nil
	}
	rc, err := req.GetBody()
	if err != nil {
		return nil
	}
	defer func() { _ = rc.Close() }() // an in-memory copy
	b, err := io.ReadAll(io.LimitReader(rc, 1<<20))
	if err != nil {
		return nil
	}
	return b
}

// readBody reads resp's body (up to 1 MiB) and puts it back for the
// caller.
func readBody(resp *http.Response) []byte {
	if resp.Body == nil {
		return nil
	}
	b, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	_ = resp.Body.Close() // fully read or given up: replaced below
	if err != nil {
		b = nil
	}
	resp.Body = io.NopCloser(bytes.NewReader(b))
	return b
}
