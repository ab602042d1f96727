package delivery

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"strconv"
	"sync/atomic"
	"time"
)

// Key is the idempotency key of one piece of work, chosen by whoever asked
// for it (an inbox item's id, a scheduler run and recipient) and carried in
// the context down to the platform calls. Each message the work posts gets
// ID()+"/"+n (n counting from 1 in posting order), which adapters put where
// the platform keeps it (Slack: the message metadata's delivery id; Discord:
// the nonce), so a repeat of the same work finds or collapses into the
// messages it already posted instead of posting them again.
type Key struct {
	id string
	// Repeat says the work may have run before (an inbox item recovered
	// after a restart, a scheduler run resumed): adapters look for each
	// message before posting it, not only after an ambiguous failure.
	repeat bool
	// since is when the work was first asked for: none of its messages
	// was posted before it (zero: not known).
	since time.Time
	n     *atomic.Int64
}

type keyCtx struct{}

// WithKey returns ctx carrying the idempotency key id. repeat says the
// work may have been done, in part, before; since is when it was first
// asked for (an inbox item's receipt, a scheduled run's time), so no
// message of it can be older: adapters start their look-up there.
func WithKey(ctx context.Context, id string, repeat bool, since time.Time) context.Context {
	return context.WithValue(ctx, keyCtx{}, &Key{id: id, repeat: repeat, since: since, n: new(atomic.Int64)})
}

// KeyFrom returns the key ctx carries, if any.
func KeyFrom(ctx context.Context) (*Key, bool) {
	k, ok := ctx.Value(keyCtx{}).(*Key)
	return k, ok
}

// ID is the work's key ("" for a nil key).
func (k *Key) ID() string {
	if k == nil {
		return ""
	}
	return k.id
}

// Repeat reports whether the work may have run before.
func (k *Key) Repeat() bool { return k != nil && k.repeat }

// Since is when the work was first asked for: none of its messages was
// posted earlier (zero when not known).
func (k *Key) Since() time.Time {
	if k == nil {
		return time.Time{}
	}
	return k.since
}

// NextMessage returns the key of the next message ctx's work posts, and
// whether it may have been posted already (so the adapter should look for
// it first). Without a key in ctx it returns a fresh random id: such a post
// is made once, and retried only with the lookup after an ambiguous
// failure.
func NextMessage(ctx context.Context) (id string, repeat bool) {
	k, ok := KeyFrom(ctx)
	if !ok {
		b := make([]byte, 12)
		_, _ = rand.Read(b)
		return hex.EncodeToString(b), false
	}
	return k.id + "/" + strconv.FormatInt(k.n.Add(1), 10), k.repeat
}
