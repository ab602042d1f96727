package coursebot

import "errors"

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
