package main

import (
	"context"
	"log/slog"
	"time"

	"github.com/coursebot/coursebot/store"
)

// pruneEvery is how often serve drops dedup records older than
// store.DedupKeep (store/seen.go): they only need to outlive a platform's
// retries, and the file should not grow with every button ever pressed.
const pruneEvery = time.Hour

// pruneDedup prunes the dedup records at start and every pruneEvery until
// ctx is done. A failed prune is logged and tried again next time.
func pruneDedup(ctx context.Context, db interface {
	PruneSeen(context.Context, time.Time) (int, error)
}, now func() time.Time, after func(time.Duration) <-chan time.Time, log *slog.Logger) error {
	for {
		n, err := db.PruneSeen(ctx, now().Add(-store.DedupKeep))
		switch {
		case ctx.Err() != nil:
			return nil
		case err != nil:
			log.Warn("prune dedup records", "err", err)
		case n > 0:
			log.Debug("pruned dedup records", "records", n)
		}
		select {
		case <-ctx.Done():
			return nil
		case <-after(pruneEvery):
		}
	}
}
