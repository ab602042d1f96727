package coursebot

import (
	"errors"
	"fmt"
)

// ErrExists is returned when creating something that is already there.
var ErrExists = errors.New("already exists")

// ErrNotFound is returned when updating something that is not there.
var ErrNotFound = errors.New("not found")

// ErrFault is wrapped by errors that are a fault on our side and say
// nothing about what the learner did (store.ErrDamaged wraps it). An
// adapter that meets one tells the learner FaultNotice, not that their
// action failed.
var ErrFault = errors.New("fault on our side")

// FaultNotice is what a learner is told when their message could not be
// handled because of a fault on our side (a damaged database, a recovered
// panic): nothing they did before is lost, and nothing is asked of them.
const FaultNotice = "Sorry, something went wrong on our side; your progress so far is safe. Please try again later."

// Error is the answer to a request that changes nothing (a refusal): a
// code that says what kind of answer it is, for programs (logs, metrics,
// tests), and a message for the learner, who reads it as it is. A feature
// returns one where the learner asked for something that cannot be done
// (a usage hint, a stale button, a lesson not installed); every other
// error is a fault on our side and reaches the operator's log, never the
// learner.
type Error struct {
	Code    string // one of the E... codes below
	Message string // learner-facing sentences: never a key, a path or a stack
}

// The codes of an Error.
const (
	EINVALID     = "invalid"     // not as asked: a usage hint, an empty answer, a choice that is not one
	ENOTFOUND    = "not_found"   // what it names is not there: a lesson, a cohort, a stale button's item
	ECONFLICT    = "conflict"    // not from where the learner is: a lesson not started, already done
	EFORBIDDEN   = "forbidden"   // not theirs to do: leads' and admins' commands
	EUNAVAILABLE = "unavailable" // not here: material not installed, a part not switched on
	EINTERNAL    = "internal"    // a fault on our side (ErrorCode of any other error)
)

// Error returns the learner's message.
func (e *Error) Error() string { return e.Message }

// Errorf returns an Error with code and the formatted message.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// ErrorCode returns the code of the Error in err's chain: "" for nil,
// EINTERNAL for an error that is no Error.
func ErrorCode(err error) string {
	var e *Error
	switch {
	case err == nil:
		return ""
	case errors.As(err, &e):
		return e.Code
	}
	return EINTERNAL
}

// ErrorMessage returns what the learner is told for err: the message of
// the Error in its chain, else FaultNotice ("" for nil).
func ErrorMessage(err error) string {
	var e *Error
	switch {
	case err == nil:
		return ""
	case errors.As(err, &e):
		return e.Message
	}
	return FaultNotice
}
