package coursebot

import "errors"

// ErrExists is returned when creating something that is already there.
var ErrExists = errors.New("already exists")

// ErrNotFound is returned when updating something that is not there.
var ErrNotFound = errors.New("not found")
