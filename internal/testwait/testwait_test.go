package testwait

import (
	"fmt"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

func TestUntilReturnsOnceTheConditionHolds(t *testing.T) {
	var calls atomic.Int32
	Until(t, "the third call", func() bool { return calls.Add(1) >= 3 })
	if n := calls.Load(); n != 3 {
		t.Fatalf("cond called %d times, want 3", n)
	}
}

// fakeT is a testing.TB whose deadline has already come: Until must fail
// it, naming the condition, instead of polling on.
type fakeT struct {
	testing.TB
	msg string
}

func (f *fakeT) Helper()                        {}
func (f *fakeT) Deadline() (time.Time, bool)    { return time.Now(), true }
func (f *fakeT) Fatalf(format string, a ...any) { f.msg = fmt.Sprintf(format, a...); runtime.Goexit() }

func TestUntilGivesUpNearTheTestDeadline(t *testing.T) {
	f := &fakeT{TB: t}
	done := make(chan struct{})
	go func() {
		defer close(done)
		Until(f, "the queue to drain", func() bool { return false })
	}()
	<-done
	if !strings.Contains(f.msg, "the queue to drain") {
		t.Fatalf("Until failed with %q, want the condition named", f.msg)
	}
}

// failedT is a test that has already failed and has no deadline.
type failedT struct {
	testing.TB
	msg string
}

func (f *failedT) Helper()      {}
func (f *failedT) Failed() bool { return true }
func (f *failedT) Fatalf(format string, a ...any) {
	f.msg = fmt.Sprintf(format, a...)
	runtime.Goexit()
}

func TestUntilStopsOnceTheTestHasFailed(t *testing.T) {
	f := &failedT{TB: t}
	done := make(chan struct{})
	go func() {
		defer close(done)
		Until(f, "a reply that will never come", func() bool { return false })
	}()
	<-done
	if !strings.Contains(f.msg, "already failed") || !strings.Contains(f.msg, "a reply that will never come") {
		t.Fatalf("Until ended with %q, want it to stop because the test failed", f.msg)
	}
}
