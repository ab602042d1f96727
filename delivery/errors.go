package delivery

import (
	"errors"
	"fmt"
	"time"
)

// ErrBusy is returned by Inbox.Accept when the inbox holds its limit of
// items: the caller answers "very busy, try again in a minute" and has
// changed nothing.
var ErrBusy = errors.New("the inbox is full")

// ErrClosed is returned once the pipeline is shutting down: new work is not
// taken, and work queued but not started is left for the next start.
var ErrClosed = errors.New("delivery pipeline is shutting down")

// permanentError marks an error no retry will fix: a deleted channel, a
// user who blocked the bot, a bad token, a request the platform refused.
// It is the only such type in the program; adapters wrap with Permanent
// and everyone else asks IsPermanent.
type permanentError struct{ err error }

func (e *permanentError) Error() string { return e.err.Error() }
func (e *permanentError) Unwrap() error { return e.err }

// Permanent reports true: the method lets callers that only know the
// interface (`interface{ Permanent() bool }`) recognise it.
func (e *permanentError) Permanent() bool { return true }

// Permanent marks err as one that retrying will not fix. Nil stays nil.
func Permanent(err error) error {
	if err == nil || IsPermanent(err) {
		return err
	}
	return &permanentError{err}
}

// IsPermanent reports whether err (or anything it wraps) was marked
// Permanent.
func IsPermanent(err error) bool {
	var p *permanentError
	return errors.As(err, &p)
}

// rateLimited is a refusal that names when to come back (HTTP 429 with
// Retry-After). Waiting for it does not count as a failed attempt.
type rateLimited struct {
	err   error
	after time.Duration
}

func (e *rateLimited) Error() string {
	return fmt.Sprintf("rate limited (retry after %v): %v", e.after, e.err)
}
func (e *rateLimited) Unwrap() error { return e.err }

// RetryAfter is how long the platform asked us to wait.
func (e *rateLimited) RetryAfter() time.Duration { return e.after }

// RateLimited marks err as a rate limit: retry after d.
func RateLimited(err error, d time.Duration) error {
	if err == nil {
		return nil
	}
	return &rateLimited{err: err, after: d}
}

// RetryAfter reports whether err is a rate limit and how long to wait.
func RetryAfter(err error) (time.Duration, bool) {
	var rl *rateLimited
	if errors.As(err, &rl) {
		return rl.after, true
	}
	return 0, false
}
