package discord

import "github.com/coursebot/coursebot/store"

// The bbolt store is what cmd wires in.
var _ Store = (*store.DB)(nil)
