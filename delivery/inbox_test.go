package delivery

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"
)

// recorder is a Processor that records the items it got, in order, and can
// be held.
type recorder struct {
	mu   sync.Mutex
	got  []Item
	hold chan struct{}
}

func (r *recorder) Process(ctx context.Context, it Item) error {
	if r.hold != nil {
		select {
		case <-r.hold:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	k, _ := KeyFrom(ctx)
	if k.ID() != it.Key() || k.Repeat() != it.Recovered {
		return errors.New("wrong idempotency key in the context")
	}
	r.mu.Lock()
	r.got = append(r.got, it)
	r.mu.Unlock()
	return nil
}

func (r *recorder) items() []Item {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]Item(nil), r.got...)
}

func TestInboxAcceptLimitDuplicateAndDone(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		st := NewMemStore()
		q := NewQueue(QueueOptions{Workers: 2})
		in := NewInbox(InboxOptions{Store: st, Queue: q, Limit: 3})
		rec := &recorder{hold: make(chan struct{})}
		in.Register("test", rec)
		ctx := context.Background()
		for i, l := range []string{"a", "a", "b"} {
			if err := in.Accept(ctx, Item{Kind: "test/x", Learner: l, Payload: []byte{byte(i)}, Dedup: string(rune('0' + i))}); err != nil {
				t.Fatalf("accept %d: %v", i, err)
			}
		}
		if err := in.Accept(ctx, Item{Kind: "test/x", Learner: "c"}); !errors.Is(err, ErrBusy) {
			t.Fatalf("past the limit: %v, want ErrBusy", err)
		}
		if items, _ := st.InboxItems(ctx); len(items) != 3 {
			t.Fatalf("the refused item was stored: %d items", len(items))
		}
		synctest.Wait()
		if s := in.Stats(); s.Depth != 3 {
			t.Errorf("depth %d, want 3", s.Depth)
		}
		time.Sleep(5 * time.Second)
		if s := in.Stats(); s.OldestAge != 5*time.Second {
			t.Errorf("oldest age %v, want 5s", s.OldestAge)
		}
		close(rec.hold)
		synctest.Wait()
		if err := in.Accept(ctx, Item{Kind: "test/x", Learner: "a", Dedup: "0"}); !errors.Is(err, ErrDuplicate) {
			t.Errorf("a repeated dedup id: %v, want ErrDuplicate", err)
		}
		got := rec.items()
		if len(got) != 3 {
			t.Fatalf("processed %d items, want 3", len(got))
		}
		var order []byte
		for _, it := range got {
			if it.Learner == "a" {
				order = append(order, it.Payload[0])
			}
		}
		if string(order) != "\x00\x01" {
			t.Errorf("learner a's items ran out of order: %v", order)
		}
		if items, _ := st.InboxItems(ctx); len(items) != 0 {
			t.Errorf("%d items left after their work", len(items))
		}
		if s := in.Stats(); s.Depth != 0 || s.Done != 3 || s.Failed != 0 || s.OldestAge != 0 {
			t.Errorf("stats after the work: %+v", s)
		}
		q.Close(time.Second)
	})
}

func TestInboxShutdownLeavesUnfinishedItemsAndRecoverRunsThem(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		st := NewMemStore()
		ctx := context.Background()
		q := NewQueue(QueueOptions{Workers: 1})
		in := NewInbox(InboxOptions{Store: st, Queue: q})
		stuck := &recorder{hold: make(chan struct{})} // never released
		in.Register("test", stuck)
		for _, l := range []string{"a", "b", "a"} {
			if err := in.Accept(ctx, Item{Kind: "test/x", Learner: l}); err != nil {
				t.Fatal(err)
			}
		}
		synctest.Wait()
		q.Close(time.Second) // the running item is cancelled, the rest never start
		if items, _ := st.InboxItems(ctx); len(items) != 3 {
			t.Fatalf("%d items left after shutdown, want all 3", len(items))
		}

		q2 := NewQueue(QueueOptions{})
		in2 := NewInbox(InboxOptions{Store: st, Queue: q2})
		rec := &recorder{}
		in2.Register("test", rec)
		n, err := in2.Recover(ctx)
		if err != nil || n != 3 {
			t.Fatalf("recover: %d %v", n, err)
		}
		synctest.Wait()
		got := rec.items()
		if len(got) != 3 || !got[0].Recovered {
			t.Fatalf("after recovery processed %+v", got)
		}
		if items, _ := st.InboxItems(ctx); len(items) != 0 {
			t.Errorf("%d items left after recovery", len(items))
		}
		q2.Close(time.Second)
	})
}

// TestInboxAcceptAfterCloseSaysErrClosed: once the queue is closed
// (shutdown), Accept stores nothing and says ErrClosed, so the adapter can
// tell the learner to try again rather than acknowledge work nothing will
// run before the next start.
func TestInboxAcceptAfterCloseSaysErrClosed(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		st := NewMemStore()
		ctx := context.Background()
		q := NewQueue(QueueOptions{})
		in := NewInbox(InboxOptions{Store: st, Queue: q})
		in.Register("test", &recorder{})
		q.Close(time.Second)
		if err := in.Accept(ctx, Item{Kind: "test/x", Learner: "a", Dedup: "d1"}); !errors.Is(err, ErrClosed) {
			t.Fatalf("Accept after Close: %v, want ErrClosed", err)
		}
		if items, _ := st.InboxItems(ctx); len(items) != 0 {
			t.Errorf("%d items stored after Close, want none", len(items))
		}
		if s := in.Stats(); s.Depth != 0 {
			t.Errorf("depth %d after a refused item, want 0", s.Depth)
		}
		// Its dedup id was not used up: the platform's retry, to the next
		// process, is taken.
		in2 := NewInbox(InboxOptions{Store: st, Queue: NewQueue(QueueOptions{})})
		in2.Register("test", &recorder{})
		if err := in2.Accept(ctx, Item{Kind: "test/x", Learner: "a", Dedup: "d1"}); err != nil {
			t.Errorf("the retry after the restart: %v, want accepted", err)
		}
		synctest.Wait()
		in2.Queue().Close(time.Second)
	})
}

func TestInboxRemovesAnItemWhoseProcessorPanics(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		st := NewMemStore()
		q := NewQueue(QueueOptions{})
		in := NewInbox(InboxOptions{Store: st, Queue: q})
		in.Register("test", ProcessorFunc(func(context.Context, Item) error { panic("poison") }))
		if err := in.Accept(context.Background(), Item{Kind: "test/x", Learner: "a"}); err != nil {
			t.Fatal(err)
		}
		synctest.Wait()
		if s := in.Stats(); s.Failed != 1 || s.Depth != 0 {
			t.Errorf("stats %+v, want one failed, none left", s)
		}
		if items, _ := st.InboxItems(context.Background()); len(items) != 0 {
			t.Errorf("the poisonous item stayed")
		}
		q.Close(time.Second)
	})
}

// slowRemoval is a store whose removals are not yet on disk: InboxItems
// still lists an item after its work is done (the store commits removals
// in groups, a moment later).
type slowRemoval struct{ *MemStore }

func (slowRemoval) InboxDone(context.Context, uint64) error { return nil }

// TestRecoverRunsOnlyWhatAPreviousRunLeft: a Recover that runs after the
// adapter already took a request (an adapter's own Run recovers while its
// routes may already answer) queues the items a previous run left, never
// one this process accepted: not while it waits, not once it is done but
// still in the file.
func TestRecoverRunsOnlyWhatAPreviousRunLeft(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx := context.Background()
		st := slowRemoval{NewMemStore()}
		if _, _, err := st.InboxPut(ctx, Item{Kind: "test/left", Learner: "a"}); err != nil {
			t.Fatal(err)
		}
		in := NewInbox(InboxOptions{Store: st, Queue: NewQueue(QueueOptions{Workers: 2})})
		rec := &recorder{}
		in.Register("test", rec)
		if err := in.Accept(ctx, Item{Kind: "test/done", Learner: "b"}); err != nil {
			t.Fatal(err)
		}
		synctest.Wait() // done, but still listed by the store
		rec.hold = make(chan struct{})
		if err := in.Accept(ctx, Item{Kind: "test/waiting", Learner: "c"}); err != nil {
			t.Fatal(err)
		}
		synctest.Wait() // c's work is held
		n, err := in.Recover(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if n != 1 {
			t.Errorf("Recover queued %d items, want 1 (the one left by the previous run)", n)
		}
		close(rec.hold)
		synctest.Wait()
		count := map[string]int{}
		for _, it := range rec.items() {
			count[it.Kind]++
		}
		if count["test/left"] != 1 || count["test/done"] != 1 || count["test/waiting"] != 1 {
			t.Errorf("processed %v, want each item once", count)
		}
	})
}

// TestRefusalsAreCountedAndSummarised: a burst past the limit is refused
// item by item, counted, and logged once when it starts and then once per
// interval while it lasts, never once a request.
func TestRefusalsAreCountedAndSummarised(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var logs strings.Builder
		var mu sync.Mutex
		log := slog.New(slog.NewTextHandler(writerFunc(func(p []byte) (int, error) {
			mu.Lock()
			defer mu.Unlock()
			return logs.Write(p)
		}), nil))
		refusedBy := map[string]int{}
		q := NewQueue(QueueOptions{Workers: 1})
		in := NewInbox(InboxOptions{Store: NewMemStore(), Queue: q, Limit: 10, Log: log, RefusalLog: 10 * time.Second,
			OnRefuse: func(kind string) { refusedBy[kind]++ }})
		hold := &recorder{hold: make(chan struct{})}
		in.Register("test", hold)
		ctx := context.Background()
		for i := range 10 {
			if err := in.Accept(ctx, Item{Kind: "test/x", Learner: fmt.Sprint(i)}); err != nil {
				t.Fatal(err)
			}
		}
		for range 5000 { // 5 s of a burst: a thousand a second
			if err := in.Accept(ctx, Item{Kind: "test/x", Learner: "late"}); !errors.Is(err, ErrBusy) {
				t.Fatalf("past the limit: %v", err)
			}
			time.Sleep(time.Millisecond)
		}
		time.Sleep(30 * time.Second) // the summary, then quiet
		for range 3 {                // a second burst starts again with a line
			_ = in.Accept(ctx, Item{Kind: "test/x", Learner: "later"})
		}
		time.Sleep(30 * time.Second)
		mu.Lock()
		lines := strings.Split(strings.TrimSpace(logs.String()), "\n")
		mu.Unlock()
		var starts, summaries int
		for _, l := range lines {
			switch {
			case strings.Contains(l, "refusing new requests"):
				starts++
			case strings.Contains(l, "requests refused"):
				summaries++
				if !strings.Contains(l, "refused=4999") && !strings.Contains(l, "refused=2") {
					t.Errorf("summary line %q", l)
				}
			}
		}
		if starts != 2 || summaries != 2 {
			t.Errorf("%d start lines and %d summaries for two bursts, want 2 and 2:\n%s", starts, summaries, strings.Join(lines, "\n"))
		}
		if s := in.Stats(); s.Refused != 5003 || refusedBy["test/x"] != 5003 {
			t.Errorf("refused %d (told %v), want 5003", s.Refused, refusedBy)
		}
		close(hold.hold)
		synctest.Wait()
		q.Close(time.Second)
	})
}

type writerFunc func([]byte) (int, error)

func (f writerFunc) Write(p []byte) (int, error) { return f(p) }
