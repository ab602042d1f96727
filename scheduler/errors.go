package scheduler

import (
	"errors"

	"github.com/coursebot/coursebot/delivery"
)

// The errors the senders return: permanent failures.

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
