package ratelimit

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"testing/synctest"
	"time"
)

// record runs f(i) for i in 0..n-1 concurrently and returns, for each, how
// long after the start it acquired (inside a synctest bubble: exact).
func acquireAll(t *testing.T, l *Limiter, n int, prio func(i int) Priority, keys func(i int) []Key) []time.Duration {
	t.Helper()
	start := time.Now()
	out := make([]time.Duration, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			g, err := l.Acquire(context.Background(), prio(i), keys(i)...)
			if err != nil {
				t.Errorf("acquire %d: %v", i, err)
				return
			}
			out[i] = time.Since(start)
			g.Done()
		})
		synctest.Wait() // arrive in order
	}
	wg.Wait()
	return out
}

func interactive(int) Priority { return Interactive }

func TestTokenBucketPacesAfterTheBurst(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		l := New(nil)
		key := []Key{{Name: "m", Rule: PerMinute(60, 3)}}
		got := acquireAll(t, l, 8, interactive, func(int) []Key { return key })
		want := []time.Duration{0, 0, 0, time.Second, 2 * time.Second, 3 * time.Second, 4 * time.Second, 5 * time.Second}
		if !slices.Equal(got, want) {
			t.Errorf("acquired at %v, want %v", got, want)
		}
	})
}

func TestInteractiveGoesBeforeBackground(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		l := New(nil)
		key := []Key{{Name: "m", Rule: PerSecond(1, 1)}}
		// Empty the bucket, then three background calls queue before one
		// interactive call.
		g, _ := l.Acquire(context.Background(), Interactive, key...)
		g.Done()
		prio := func(i int) Priority {
			if i == 3 {
				return Interactive
			}
			return Background
		}
		got := acquireAll(t, l, 4, prio, func(int) []Key { return key })
		if got[3] != time.Second {
			t.Errorf("the interactive call went at %v, want 1s (first in line)", got[3])
		}
		if want := []time.Duration{2 * time.Second, 3 * time.Second, 4 * time.Second}; !slices.Equal(got[:3], want) {
			t.Errorf("background calls at %v, want %v in arrival order", got[:3], want)
		}
	})
}

func TestOptionalCallsOnlySpendSpareBudget(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		l := New(nil)
		key := Key{Name: "m", Rule: PerMinute(60, 3)}
		ctx := context.Background()
		for i := range 2 { // 3 tokens: two optional calls leave one
			if _, err := l.Acquire(ctx, Optional, key); err != nil {
				t.Fatalf("optional call %d with room to spare: %v", i, err)
			}
		}
		if _, err := l.Acquire(ctx, Optional, key); !errors.Is(err, ErrSkipped) {
			t.Fatalf("an optional call took the last token: %v", err)
		}
		if _, err := l.Acquire(ctx, Interactive, key); err != nil {
			t.Fatal(err) // the learner's call gets it at once
		}
		done := make(chan struct{})
		go func() { // a learner's call waits for the next token...
			if _, err := l.Acquire(ctx, Interactive, key); err != nil {
				t.Error(err)
			}
			close(done)
		}()
		synctest.Wait()
		time.Sleep(1500 * time.Millisecond) // ...which comes at 1s; at 1.5s half another
		<-done
		time.Sleep(time.Second) // 2.5s: one and a half tokens again
		if _, err := l.Acquire(ctx, Optional, key); !errors.Is(err, ErrSkipped) {
			t.Errorf("optional call with 1.5 tokens: %v, want ErrSkipped", err)
		}
		time.Sleep(time.Second)
		if _, err := l.Acquire(ctx, Optional, key); err != nil {
			t.Errorf("optional call with 2.5 tokens: %v", err)
		}
	})
}

func TestOptionalNeverJumpsTheQueue(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		l := New(nil)
		a := Key{Name: "a", Rule: PerSecond(1, 3)}
		b := Key{Name: "b", Rule: PerSecond(1, 1)}
		ctx := context.Background()
		if _, err := l.Acquire(ctx, Interactive, b); err != nil {
			t.Fatal(err)
		}
		var wg sync.WaitGroup
		wg.Go(func() { _, _ = l.Acquire(ctx, Background, a, b) }) // waits on b, draws on a too
		synctest.Wait()
		if _, err := l.Acquire(ctx, Optional, a); !errors.Is(err, ErrSkipped) {
			t.Errorf("optional call on a budget someone waits for: %v, want ErrSkipped", err)
		}
		wg.Wait()
	})
}

func TestAWaiterClaimsOnlyTheBudgetItLacks(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		l := New(nil)
		posts := Key{Name: "posts", Rule: PerSecond(10, 10)}
		chanA := Key{Name: "chan A", Rule: PerSecond(1, 1)}
		ctx := context.Background()
		if _, err := l.Acquire(ctx, Interactive, posts, chanA); err != nil {
			t.Fatal(err)
		}
		blocked := make(chan time.Time, 1)
		start := time.Now()
		go func() {
			_, _ = l.Acquire(ctx, Interactive, posts, chanA) // waits a second for channel A
			blocked <- time.Now()
		}()
		synctest.Wait()
		for i := range 5 { // posts to other channels are not held behind it
			if _, err := l.Acquire(ctx, Interactive, posts, Key{Name: fmt.Sprint("chan ", i), Rule: PerSecond(1, 1)}); err != nil {
				t.Fatal(err)
			}
		}
		if d := time.Since(start); d != 0 {
			t.Errorf("posts to other channels waited %v behind one channel's wait", d)
		}
		if at := (<-blocked).Sub(start); at != time.Second {
			t.Errorf("the second post to channel A went at %v, want 1s", at)
		}
	})
}

func TestPauseHoldsEveryCallForRetryAfter(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		l := New(nil)
		key := Key{Name: "m", Rule: PerSecond(10, 10)}
		ctx := context.Background()
		start := time.Now()
		l.Pause(3*time.Second, "m")
		if _, err := l.Acquire(ctx, Interactive, key); err != nil {
			t.Fatal(err)
		}
		if d := time.Since(start); d != 3*time.Second+100*time.Millisecond {
			t.Errorf("acquired %v after a 3s pause, want 3.1s (the pause empties the bucket)", d)
		}
		// The bucket starts again empty: the next call waits for a token.
		if _, err := l.Acquire(ctx, Interactive, key); err != nil {
			t.Fatal(err)
		}
		if d := time.Since(start); d != 3*time.Second+200*time.Millisecond {
			t.Errorf("second call at %v, want 3.2s", d)
		}
		// A budget in use paused the same way.
		l.Pause(time.Second, "m")
		if _, err := l.Acquire(ctx, Interactive, key); err != nil {
			t.Fatal(err)
		}
		if d := time.Since(start); d != 4*time.Second+300*time.Millisecond {
			t.Errorf("call after the second pause at %v, want 4.3s", d)
		}
	})
}

// answeredAt100ms, in a synctest bubble: a call on the unannounced
// budget "route" (one call at a time) and a second call waiting behind it;
// at 100ms the first's answer tells limit, remaining and resetAfter, read
// while the call is in flight (as the Transport does), and the call ends.
// second gives the time the waiting call went.
func answeredAt100ms(t *testing.T, limit, remaining int, resetAfter time.Duration) (l *Limiter, key Key, start time.Time, second <-chan time.Duration) {
	t.Helper()
	l, key, start = New(nil), Key{Name: "route"}, time.Now()
	ctx := context.Background()
	g1, _ := l.Acquire(ctx, Interactive, key)
	went := make(chan time.Duration, 1)
	go func() {
		g, err := l.Acquire(ctx, Interactive, key)
		if err != nil {
			t.Error(err)
			return
		}
		went <- time.Since(start)
		g.Done()
	}()
	synctest.Wait()
	time.Sleep(100 * time.Millisecond)
	l.Learn(key.Name, limit, remaining, resetAfter)
	g1.Done()
	return l, key, start, went
}

func TestLearnedWindow(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		// 5 a window, 4 left, the window ends in 5s.
		l, key, start, second := answeredAt100ms(t, 5, 4, 5*time.Second)
		ctx := context.Background()
		if d := <-second; d != 100*time.Millisecond {
			t.Errorf("the second call went at %v, want when the first was answered (100ms)", d)
		}
		var at []time.Duration
		for range 5 { // 3 left in this window, then the next window
			g, err := l.Acquire(ctx, Interactive, key)
			if err != nil {
				t.Fatal(err)
			}
			at = append(at, time.Since(start))
			g.Done()
		}
		want := []time.Duration{100 * time.Millisecond, 100 * time.Millisecond, 100 * time.Millisecond, 5100 * time.Millisecond, 5100 * time.Millisecond}
		if !slices.Equal(at, want) {
			t.Errorf("calls at %v, want %v", at, want)
		}
		l.Unlimited("route")
		for range 20 {
			g, _ := l.Acquire(ctx, Interactive, key)
			g.Done()
		}
		if d := time.Since(start); d != 5100*time.Millisecond {
			t.Errorf("an unlimited route waited until %v", d)
		}
	})
}

func TestACancelledWaiterLeavesItsPlace(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		l := New(nil)
		key := Key{Name: "m", Rule: PerSecond(1, 1)}
		bg := context.Background()
		if _, err := l.Acquire(bg, Interactive, key); err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithCancel(bg)
		errc := make(chan error, 1)
		go func() { _, err := l.Acquire(ctx, Interactive, key); errc <- err }()
		synctest.Wait()
		if n := l.Waiting(); n != 1 {
			t.Fatalf("%d waiting, want 1", n)
		}
		cancel()
		if err := <-errc; !errors.Is(err, context.Canceled) {
			t.Errorf("cancelled wait: %v", err)
		}
		if n := l.Waiting(); n != 0 {
			t.Errorf("%d still waiting", n)
		}
		start := time.Now()
		if _, err := l.Acquire(bg, Interactive, key); err != nil {
			t.Fatal(err)
		}
		if d := time.Since(start); d != time.Second {
			t.Errorf("next call after the cancelled one waited %v, want 1s (the token was not spent)", d)
		}
	})
}

func TestTryAcquireAndGiveBack(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		l := New(nil)
		key := Key{Name: "m", Rule: PerMinute(60, 2)}
		g1, ok1 := l.TryAcquire(key)
		_, ok2 := l.TryAcquire(key)
		_, ok3 := l.TryAcquire(key)
		if !ok1 || !ok2 || ok3 {
			t.Fatalf("reservations %v %v %v, want two of a burst of two", ok1, ok2, ok3)
		}
		g1.giveBack()
		if _, ok := l.TryAcquire(key); !ok {
			t.Error("a reservation given back is not there again")
		}
	})
}

func TestIdleBudgetsAreForgotten(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		l := New(nil)
		ctx := context.Background()
		for i := range maxIdle + 10 {
			g, err := l.Acquire(ctx, Interactive, Key{Name: fmt.Sprint("c", i), Rule: PerSecond(1, 1)})
			if err != nil {
				t.Fatal(err)
			}
			g.Done()
		}
		time.Sleep(2 * time.Second)  // every bucket full again
		for i := range maxIdle / 4 { // enough new ones for the next sweep
			if _, err := l.Acquire(ctx, Interactive, Key{Name: fmt.Sprint("new", i), Rule: PerSecond(1, 1)}); err != nil {
				t.Fatal(err)
			}
		}
		l.mu.Lock()
		n := len(l.buckets)
		l.mu.Unlock()
		if n > maxIdle/4 {
			t.Errorf("%d budgets kept, want the idle ones forgotten", n)
		}
	})
}

func TestPriorityFromContext(t *testing.T) {
	ctx := context.Background()
	if p := PriorityOf(ctx); p != Interactive {
		t.Errorf("default %v", p)
	}
	for _, p := range []Priority{Optional, Background, Interactive} {
		if got := PriorityOf(WithPriority(ctx, p)); got != p {
			t.Errorf("%v came back as %v", p, got)
		}
	}
}

// TestAWaiterGoesWhenTheWindowIsTold: a call waiting on a budget nobody has
// announced yet sleeps until an answer tells; when the answer says the
// window is spent and ends in 300ms, the call goes then, not at the end of
// the second it slept for (a Discord route's first window overran by that).
func TestAWaiterGoesWhenTheWindowIsTold(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		_, _, _, second := answeredAt100ms(t, 1, 0, 300*time.Millisecond) // spent; a new window in 300ms
		if d := <-second; d != 400*time.Millisecond {
			t.Errorf("the waiting call went at %v, want 400ms (when the told window ended)", d)
		}
	})
}
