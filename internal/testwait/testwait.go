// Package testwait is the one polling helper the tests share: wait until a
// condition holds, for code whose progress a test can only observe from
// outside (a server's /metrics, a fake API's request log, a queue draining).
//
// It is a liveness check, never a speed check: it gives up only when the
// test binary's own deadline (go test -timeout) is near, so a slow, loaded
// machine makes a test slower but never makes it fail. Where the code under
// test can signal completion (a channel, a hook), wait on that instead.
package testwait

import (
	"testing"
	"time"
)

// grace is how long before the test binary's deadline Until gives up, so
// the failure names the condition instead of the runtime's timeout panic.
const grace = 15 * time.Second

// Until polls cond, backing off from 1 ms to 50 ms, until it returns true.
// It fails t, naming what, only when the test's deadline is near; with no
// deadline (go test -timeout 0) it waits as long as it takes. A test that
// has already failed (t.Error from another goroutine: a fake that saw a bad
// request, a worker's recovered panic) stops waiting at once.
func Until(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline, ok := testDeadline(t)
	pause := time.Millisecond
	for !cond() {
		if t.Failed() {
			t.Fatalf("stopped waiting for %s: the test has already failed", what)
		}
		if ok && time.Now().After(deadline) {
			t.Fatalf("gave up waiting for %s: the test binary's deadline is near", what)
		}
		time.Sleep(pause)
		pause = min(2*pause, 50*time.Millisecond)
	}
}

// testDeadline is the moment to give up: grace before the test's deadline.
func testDeadline(t testing.TB) (time.Time, bool) {
	d, ok := t.(interface{ Deadline() (time.Time, bool) })
	if !ok {
		return time.Time{}, false
	}
	at, ok := d.Deadline()
	if !ok {
		return time.Time{}, false
	}
	return at.Add(-grace), true
}
