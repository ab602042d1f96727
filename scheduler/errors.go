package scheduler

import (
	"errors"
	"time"

	"github.com/coursebot/coursebot/delivery"
)

// The errors the senders return: rate limits and permanent failures.

// retryAfter recognises a rate-limit error: anything in the chain with a
// RetryAfter() time.Duration method.
func retryAfter(err error) (time.Duration, bool) {
	var ra interface{ RetryAfter() time.Duration }
	if errors.As(err, &ra) {
		return max(ra.RetryAfter(), 10*time.Millisecond), true
	}
	return 0, false
}

// isPermanent recognises errors that no retry will fix: delivery.Permanent
// ones, or anything in the chain with a Permanent() bool method returning
// true.
func isPermanent(err error) bool {
	var p interface{ Permanent() bool }
	return delivery.IsPermanent(err) || (errors.As(err, &p) && p.Permanent())
}

func permanent(err error) error { return delivery.Permanent(err) }

// Permanent marks err as one that retrying will not fix (blocked DMs, a
// deleted channel): the recipient is recorded as failed at once. It is
// delivery.Permanent.
func Permanent(err error) error { return delivery.Permanent(err) }
