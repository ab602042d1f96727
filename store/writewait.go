package store

import (
	"sync"
	"time"
)

// writeClock keeps when each write transaction now in progress began
// (waiting for bbolt's writer lock counts), so that a stall is visible:
// writes wait behind one that cannot finish, for instance one that must
// grow the file's memory map while a read transaction is still open.
type writeClock struct {
	now func() time.Time

	mu      sync.Mutex
	next    uint64
	running map[uint64]time.Time
}

func (c *writeClock) begin() uint64 {
	t := c.now()
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.running == nil {
		c.running = map[uint64]time.Time{}
	}
	c.next++
	c.running[c.next] = t
	return c.next
}

func (c *writeClock) end(id uint64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.running, id)
}

// wait is how long the oldest write in progress has been at it (0: none).
func (c *writeClock) wait() time.Duration {
	c.mu.Lock()
	var oldest time.Time
	for _, t := range c.running {
		if oldest.IsZero() || t.Before(oldest) {
			oldest = t
		}
	}
	c.mu.Unlock()
	if oldest.IsZero() {
		return 0
	}
	return max(c.now().Sub(oldest), 0)
}

// WriteWait is how long the oldest write transaction in progress has been
// waiting or committing (0 when none is): a commit takes milliseconds, so
// seconds here mean every write, and every acknowledgement, is stalled.
// It reads the clock of Options.Now.
func (db *DB) WriteWait() time.Duration { return db.bolt.writes.wait() }
