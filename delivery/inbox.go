package delivery

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/coursebot/coursebot/internal/recovery"
)

// ErrDuplicate is returned by Inbox.Accept for an item whose Dedup id was
// accepted before (a platform's retry, a double click): answer it as the
// first one was answered and do nothing.
var ErrDuplicate = errors.New("already accepted")

// Item is one verified inbound thing a learner did (a slash command, a
// button press, a reply), kept in the inbox from before the platform gets
// its acknowledgement until the work it asks for is done.
type Item struct {
	ID      uint64 `json:"-"`       // given by the store, increasing
	Kind    string `json:"kind"`    // "platform/what": "slack/command", "discord/interaction"
	Learner string `json:"learner"` // ordering key: coursebot.Learner.Key()
	// Payload is what the adapter needs to do the work again after a
	// restart: the verified request body, or its own encoding of it.
	Payload  []byte    `json:"payload"`
	Received time.Time `json:"received"`
	// Dedup, when set, is the platform's identity of the event ("kind\x00id"):
	// an item whose Dedup was accepted before is a duplicate.
	Dedup string `json:"-"`
	// Live is for the request that accepted the item only (a channel for a
	// fast answer); it is nil when the item is processed after a restart.
	Live any `json:"-"`
	// Recovered says the item was found in the inbox at start: its work
	// may have been done in part before.
	Recovered bool `json:"-"`
}

// Key is the item's idempotency key: unique across items and restarts.
func (it Item) Key() string {
	return strconv.FormatUint(it.ID, 36) + "." + strconv.FormatInt(it.Received.UnixMilli(), 36)
}

// Platform is the part of Kind before the slash.
func (it Item) Platform() string {
	p, _, _ := strings.Cut(it.Kind, "/")
	return p
}

// Store keeps the inbox durably. *store.DB implements it.
type Store interface {
	// InboxPut commits it and returns its id; concurrent calls share one
	// commit (one fsync). When it.Dedup was put before, it stores nothing
	// and reports dup.
	InboxPut(ctx context.Context, it Item) (id uint64, dup bool, err error)
	// InboxDone removes the item (group-committed like InboxPut).
	InboxDone(ctx context.Context, id uint64) error
	// InboxItems returns every item still in the inbox, oldest first.
	InboxItems(ctx context.Context) ([]Item, error)
}

// Processor does an item's work: the engine step and the platform calls,
// retried as its Policy says. It returns once the item is finished, well or
// badly (a failure it has told the learner about is an error here, for the
// counts); the item is then removed. If ctx is cancelled (shutdown) before
// it finishes, the item stays for the next start.
type Processor interface {
	Process(ctx context.Context, it Item) error
}

// ProcessorFunc adapts a function to Processor.
type ProcessorFunc func(ctx context.Context, it Item) error

// Process calls f.
func (f ProcessorFunc) Process(ctx context.Context, it Item) error { return f(ctx, it) }

// InboxOptions configure an Inbox.
type InboxOptions struct {
	Store Store
	Queue *Queue
	// Limit bounds the items waiting (default 10000): past it Accept says
	// ErrBusy and stores nothing.
	Limit int
	Now   func() time.Time
	Log   *slog.Logger
	// Panics gets the panic of a processor (the item then counts as
	// failed and is removed, rather than retried at every start).
	Panics *recovery.Panics
	// Observe, when set, gets each stage's duration: "commit" (accept to
	// durable), "wait" (durable to work started), "process" (the work),
	// "total" (accept to done).
	Observe func(stage string, d time.Duration)
	// OnFinish, when set, is told of each item's end: err is nil when its
	// work was done, else what failed (the learner was told).
	OnFinish func(kind string, err error)
	// OnRefuse, when set, is told of each item refused because the inbox
	// was full (ErrBusy). The log says so once when refusing starts and
	// then once per RefusalLog while it lasts (default 10 s), never once a
	// request.
	OnRefuse   func(kind string)
	RefusalLog time.Duration
}

// Inbox is the durable front of the pipeline: Accept commits an item
// before the caller acknowledges it, then queues it on the learner's
// worker; once its Processor returns, the item is removed. Recover queues
// what a previous run left.
type Inbox struct {
	o     InboxOptions
	log   *slog.Logger
	procs sync.Map // platform -> Processor

	depth   atomic.Int64
	done    atomic.Int64
	failed  atomic.Int64
	refused *refusals

	mu            sync.Mutex
	pending       map[uint64]time.Time // received time of every item not yet removed
	firstAccepted uint64               // the lowest id Accept stored (0: none yet)
}

// NewInbox returns an inbox over o.Store feeding o.Queue.
func NewInbox(o InboxOptions) *Inbox {
	if o.Limit <= 0 {
		o.Limit = 10000
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Log == nil {
		o.Log = slog.Default()
	}
	if o.Observe == nil {
		o.Observe = func(string, time.Duration) {}
	}
	if o.RefusalLog <= 0 {
		o.RefusalLog = 10 * time.Second
	}
	in := &Inbox{o: o, log: o.Log, pending: map[uint64]time.Time{}}
	in.refused = &refusals{in: in, interval: o.RefusalLog, pending: map[string]int{}}
	return in
}

// Register names the processor of a platform's items ("slack" for kinds
// "slack/…").
func (in *Inbox) Register(platform string, p Processor) { in.procs.Store(platform, p) }

// Queue is the queue items run on (for the adapter's other ordered work).
func (in *Inbox) Queue() *Queue { return in.o.Queue }

// Accept commits it and queues its work. It returns ErrBusy past the limit,
// ErrDuplicate for a duplicate and ErrClosed once its queue is closed
// (shutting down); in each of those cases nothing was stored or queued. Any other error is a store
// failure (also nothing queued).
func (in *Inbox) Accept(ctx context.Context, it Item) error {
	if in.o.Queue.Closed() {
		// Shutting down: nothing would run it before the next start, and
		// the caller can still tell the learner to try again.
		return ErrClosed
	}
	if in.depth.Add(1) > int64(in.o.Limit) {
		in.depth.Add(-1)
		in.refused.refuse(it.Kind)
		return ErrBusy
	}
	start := in.o.Now()
	it.Received = start
	id, dup, err := in.o.Store.InboxPut(ctx, it)
	if err != nil || dup {
		in.depth.Add(-1)
		if dup {
			return ErrDuplicate
		}
		return fmt.Errorf("inbox: %w", err)
	}
	it.ID = id
	in.o.Observe("commit", in.o.Now().Sub(start))
	if !in.claim(it, false) {
		// A Recover running at the same moment found the item in the
		// file and queued it already (without Live): it runs once.
		in.depth.Add(-1)
		return nil
	}
	// If the queue closed between the check above and here, the item is
	// committed all the same: it stays in the inbox and runs at the next
	// start, so acknowledging it is honest.
	in.submit(it)
	return nil
}

// Recover queues every item a previous run left in the inbox, oldest
// first, marked Recovered. Call it once, after registering the processors
// and before taking new requests; an item Accept takes meanwhile is queued
// once all the same (by whichever of the two claims it first).
func (in *Inbox) Recover(ctx context.Context) (int, error) {
	items, err := in.o.Store.InboxItems(ctx)
	if err != nil {
		return 0, fmt.Errorf("inbox: recover: %w", err)
	}
	n := 0
	for _, it := range items {
		it.Recovered = true
		if !in.claim(it, true) {
			continue // accepted by this process: queued by Accept
		}
		n++
		in.depth.Add(1)
		in.submit(it)
	}
	if n > 0 {
		in.log.Info("inbox: resuming work acknowledged before the restart", "items", n)
	}
	return n, nil
}

// claim records it as pending and reports whether it was not already: the
// one that claims an item queues it. Store ids only grow, so an item whose
// id is at least the first this process accepted is this process's own,
// even once it is finished and no longer pending: recovered never.
func (in *Inbox) claim(it Item, recovered bool) bool {
	in.mu.Lock()
	defer in.mu.Unlock()
	if recovered && in.firstAccepted != 0 && it.ID >= in.firstAccepted {
		return false
	}
	if !recovered && (in.firstAccepted == 0 || it.ID < in.firstAccepted) {
		in.firstAccepted = it.ID
	}
	if _, ok := in.pending[it.ID]; ok {
		return false
	}
	in.pending[it.ID] = it.Received
	return true
}

func (in *Inbox) submit(it Item) bool {
	queued := in.o.Now()
	return in.o.Queue.Submit(it.Learner, func(ctx context.Context) {
		in.o.Observe("wait", in.o.Now().Sub(queued))
		in.run(ctx, it)
	}, nil)
}

func (in *Inbox) run(ctx context.Context, it Item) {
	log := in.log.With("item", it.ID, "kind", it.Kind)
	p, ok := in.procs.Load(it.Platform())
	var err error
	start := in.o.Now()
	pctx := WithKey(ctx, it.Key(), it.Recovered, it.Received)
	var commit func(context.Context) error
	if ts, ok := in.o.Store.(Transactional); ok {
		pctx, commit = ts.Begin(pctx, it.ID)
	}
	if !ok {
		err = Permanent(fmt.Errorf("no processor for %q", it.Kind))
	} else {
		err = in.process(pctx, p.(Processor), it)
	}
	in.o.Observe("process", in.o.Now().Sub(start))
	if ctx.Err() != nil {
		log.Info("inbox: item left for the next start", "err", err)
		return
	}
	if err != nil {
		in.failed.Add(1)
		log.Warn("inbox: item finished with a failure", "err", err)
	} else {
		in.done.Add(1)
	}
	if in.o.OnFinish != nil {
		in.o.OnFinish(it.Kind, err)
	}
	if commit != nil {
		if cerr := commit(context.WithoutCancel(ctx)); cerr != nil {
			// Nothing of the work was written and the item is still in
			// the file: it runs again at the next start, where its posts
			// are looked for before they are made again.
			log.Error("inbox: cannot commit a finished item's work", "err", cerr)
		}
	} else if derr := in.o.Store.InboxDone(context.WithoutCancel(ctx), it.ID); derr != nil {
		// Still in the file: it runs again at the next start, where its
		// posts are looked for before they are made again.
		log.Error("inbox: cannot remove a finished item", "err", derr)
	}
	in.mu.Lock()
	delete(in.pending, it.ID)
	in.mu.Unlock()
	in.depth.Add(-1)
	in.o.Observe("total", in.o.Now().Sub(it.Received))
}

// process runs p, turning a panic into an error so a poisonous item is
// removed rather than retried at every start.
func (in *Inbox) process(ctx context.Context, p Processor, it Item) (err error) {
	defer func() {
		if r := recover(); r != nil {
			in.o.Panics.Report("delivery item", r)
			err = fmt.Errorf("processor panicked: %v", r)
		}
	}()
	return p.Process(ctx, it)
}

// Stats are the inbox's figures for /metrics.
type Stats struct {
	Depth     int           // items accepted and not yet removed
	OldestAge time.Duration // age of the oldest of them (0 when empty)
	Done      int64         // items finished well since start
	Failed    int64         // items finished with a failure since start
	Refused   int64         // items refused since start (the inbox was full)
}

// Stats returns the current figures.
func (in *Inbox) Stats() Stats {
	s := Stats{Depth: int(in.depth.Load()), Done: in.done.Load(), Failed: in.failed.Load(), Refused: in.refused.count()}
	now := in.o.Now()
	in.mu.Lock()
	for _, t := range in.pending {
		if age := now.Sub(t); age > s.OldestAge {
			s.OldestAge = age
		}
	}
	in.mu.Unlock()
	return s
}

// Transactional is a Store that can hold an item's own writes (the engine
// step, the thread records) until the work is done and then commit them
// together with the item's removal, in one transaction. *store.DB is one.
// Without it, an item is removed on its own once done.
type Transactional interface {
	// Begin returns the context to do item id's work under, and the
	// commit to call once it is done.
	Begin(ctx context.Context, id uint64) (context.Context, func(context.Context) error)
}
