package delivery

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/coursebot/coursebot/internal/recovery"
)

func TestQueueKeepsOrderPerKeyAndBoundsConcurrency(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		q := NewQueue(QueueOptions{Workers: 3})
		var mu sync.Mutex
		got := map[string][]int{}
		var running, peak atomic.Int64
		var wg sync.WaitGroup
		for i := range 20 {
			for _, k := range []string{"a", "b", "c", "d", "e"} {
				wg.Add(1)
				q.Submit(k, func(ctx context.Context) {
					defer wg.Done()
					n := running.Add(1)
					for {
						p := peak.Load()
						if n <= p || peak.CompareAndSwap(p, n) {
							break
						}
					}
					time.Sleep(time.Millisecond)
					mu.Lock()
					got[k] = append(got[k], i)
					mu.Unlock()
					running.Add(-1)
				}, nil)
			}
		}
		wg.Wait()
		for k, seq := range got {
			for i, v := range seq {
				if v != i {
					t.Fatalf("key %s ran out of order: %v", k, seq)
				}
			}
		}
		if len(got) != 5 || peak.Load() > 3 || peak.Load() < 2 {
			t.Errorf("keys %d, peak concurrency %d (limit 3)", len(got), peak.Load())
		}
		q.Close(time.Second)
	})
}

func TestQueueCloseFinishesRunningDropsQueued(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		q := NewQueue(QueueOptions{Workers: 1})
		release := make(chan struct{})
		var finished, dropped, ran atomic.Int64
		q.Submit("a", func(ctx context.Context) { <-release; finished.Add(1) }, nil)
		synctest.Wait() // a's first job holds the only slot
		for range 5 {
			q.Submit("a", func(context.Context) { ran.Add(1) }, func() { dropped.Add(1) })
			q.Submit("b", func(context.Context) { ran.Add(1) }, func() { dropped.Add(1) })
		}
		synctest.Wait()
		go func() {
			time.Sleep(time.Second) // inside the grace period
			close(release)
		}()
		q.Close(5 * time.Second)
		if finished.Load() != 1 || ran.Load() != 0 || dropped.Load() != 10 {
			t.Errorf("finished %d ran %d dropped %d; want 1 0 10", finished.Load(), ran.Load(), dropped.Load())
		}
		if q.Submit("a", func(context.Context) {}, nil) {
			t.Error("a closed queue took work")
		}
		if err := q.Do(context.Background(), "a", func(context.Context) error { return nil }); !errors.Is(err, ErrClosed) {
			t.Errorf("Do on a closed queue: %v", err)
		}
	})
}

func TestQueueCloseCancelsWorkPastTheGrace(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		q := NewQueue(QueueOptions{})
		var cancelled atomic.Bool
		q.Submit("a", func(ctx context.Context) { <-ctx.Done(); cancelled.Store(true) }, nil)
		synctest.Wait()
		start := time.Now()
		q.Close(2 * time.Second)
		if !cancelled.Load() || time.Since(start) != 2*time.Second {
			t.Errorf("cancelled %v after %v", cancelled.Load(), time.Since(start))
		}
	})
}

func TestQueueSurvivesAPanic(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var recovered atomic.Int64
		q := NewQueue(QueueOptions{Panics: &recovery.Panics{Log: slog.New(slog.DiscardHandler), Count: func(string, any) { recovered.Add(1) }}})
		q.Submit("a", func(context.Context) { panic("bad") }, nil)
		err := q.Do(context.Background(), "a", func(context.Context) error { return errors.New("after") })
		if err == nil || err.Error() != "after" || recovered.Load() != 1 {
			t.Errorf("after a panic: %v, recovered %d", err, recovered.Load())
		}
		q.Close(time.Second)
	})
}
