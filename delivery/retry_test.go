package delivery

import (
	"context"
	"errors"
	"testing"
	"time"
)

func TestPolicyDo(t *testing.T) {
	boom := errors.New("boom")
	tests := []struct {
		name     string
		errs     []error // returned by successive attempts; nil after the list
		wantErr  bool
		wantPerm bool
		calls    int
		waits    []time.Duration
	}{
		{"first try", nil, false, false, 1, nil},
		{"transient then ok", []error{boom, boom}, false, false, 3, []time.Duration{100 * time.Millisecond, 200 * time.Millisecond}},
		{"permanent stops at once", []error{Permanent(boom)}, true, true, 1, nil},
		{"rate limit waits and is not an attempt", []error{RateLimited(boom, 3*time.Second), boom, boom, boom}, false, false, 5,
			[]time.Duration{3 * time.Second, 100 * time.Millisecond, 200 * time.Millisecond, 300 * time.Millisecond}},
		{"gives up after the attempts", []error{boom, boom, boom, boom, boom}, true, false, 4,
			[]time.Duration{100 * time.Millisecond, 200 * time.Millisecond, 300 * time.Millisecond}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var waits []time.Duration
			p := Policy{Attempts: 4, Backoff: 100 * time.Millisecond, MaxBackoff: 300 * time.Millisecond,
				Sleep: func(_ context.Context, d time.Duration) error { waits = append(waits, d); return nil },
				Rand:  func() float64 { return 1 }} // the whole backoff: the jitter has its own test
			calls := 0
			var prevs []error
			err := p.Do(context.Background(), "op", func(_ context.Context, attempt int, prev error) error {
				calls++
				prevs = append(prevs, prev)
				if calls-1 < len(tt.errs) {
					return tt.errs[calls-1]
				}
				return nil
			})
			if (err != nil) != tt.wantErr || IsPermanent(err) != tt.wantPerm {
				t.Fatalf("err = %v, want error %v permanent %v", err, tt.wantErr, tt.wantPerm)
			}
			if calls != tt.calls {
				t.Errorf("calls = %d, want %d", calls, tt.calls)
			}
			if len(waits) != len(tt.waits) {
				t.Fatalf("waits = %v, want %v", waits, tt.waits)
			}
			for i := range waits {
				if waits[i] != tt.waits[i] {
					t.Errorf("wait %d = %v, want %v", i, waits[i], tt.waits[i])
				}
			}
			if prevs[0] != nil {
				t.Errorf("the first attempt saw a previous error %v", prevs[0])
			}
			if err != nil && !errors.Is(err, boom) {
				t.Errorf("the error does not wrap the cause: %v", err)
			}
		})
	}
}

// TestBackoffIsJittered: each backoff wait lies between half and all of
// the backoff, as Rand places it; rate-limit waits are the platform's own.
func TestBackoffIsJittered(t *testing.T) {
	boom := errors.New("boom")
	for _, r := range []float64{0, 0.5, 0.999} {
		var waits []time.Duration
		p := Policy{Attempts: 4, Backoff: time.Second,
			Sleep: func(_ context.Context, d time.Duration) error { waits = append(waits, d); return nil },
			Rand:  func() float64 { return r }}
		errs := []error{boom, RateLimited(boom, 3*time.Second), boom, boom}
		_ = p.Do(context.Background(), "op", func(context.Context, int, error) error {
			if len(errs) == 0 {
				return nil
			}
			err := errs[0]
			errs = errs[1:]
			return err
		})
		want := []time.Duration{
			time.Second/2 + time.Duration(r*float64(time.Second/2)),
			3 * time.Second,
			time.Second + time.Duration(r*float64(time.Second)),
			2*time.Second + time.Duration(r*float64(2*time.Second)),
		}
		if len(waits) != len(want) {
			t.Fatalf("rand %v: waits %v, want %v", r, waits, want)
		}
		for i := range want {
			if waits[i] != want[i] {
				t.Errorf("rand %v: wait %d = %v, want %v", r, i, waits[i], want[i])
			}
		}
	}
}

func TestPolicyStopsWhenContextEnds(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	p := Policy{Sleep: func(ctx context.Context, _ time.Duration) error { cancel(); return ctx.Err() }}
	err := p.Do(ctx, "op", func(context.Context, int, error) error { return errors.New("down") })
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
}

func TestPermanentAndRateLimitedAreRecognisedThroughWrapping(t *testing.T) {
	err := errors.Join(errors.New("ctx"), Permanent(errors.New("gone")))
	if !IsPermanent(err) {
		t.Error("a wrapped permanent error is not recognised")
	}
	var p interface{ Permanent() bool }
	if !errors.As(err, &p) || !p.Permanent() {
		t.Error("the Permanent() bool method is missing")
	}
	if Permanent(nil) != nil || RateLimited(nil, time.Second) != nil {
		t.Error("nil must stay nil")
	}
	d, ok := RetryAfter(errors.Join(RateLimited(errors.New("429"), 2*time.Second)))
	if !ok || d != 2*time.Second {
		t.Errorf("RetryAfter = %v %v", d, ok)
	}
}

func TestNextMessageKeys(t *testing.T) {
	ctx := WithKey(context.Background(), "k1", true, time.Time{})
	a, repA := NextMessage(ctx)
	b, _ := NextMessage(ctx)
	if a != "k1/1" || b != "k1/2" || !repA {
		t.Errorf("keys %q %q repeat %v", a, b, repA)
	}
	c, rep := NextMessage(context.Background())
	d, _ := NextMessage(context.Background())
	if c == d || c == "" || rep {
		t.Errorf("keyless ids should be fresh: %q %q", c, d)
	}
}
