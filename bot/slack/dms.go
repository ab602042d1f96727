package slack

import "sync"

// dmCacheSize bounds how many learners' DM channels are remembered.
const dmCacheSize = 10000

// dmCache remembers the bot's DM channel with each learner: Slack gives a
// user and a bot one IM channel for good, and conversations.open is rate
// limited (Tier 3), so a returning learner's start or nudge need not ask
// again. Bounded: past dmCacheSize the oldest entries are forgotten (and
// asked for again when needed).
type dmCache struct {
	mu   sync.Mutex
	ids  map[string]string // user -> channel
	ring []string          // users in the order they were added
	next int
}

func newDMCache(n int) *dmCache {
	return &dmCache{ids: make(map[string]string, n), ring: make([]string, n)}
}

func (c *dmCache) get(user string) (string, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	ch, ok := c.ids[user]
	return ch, ok
}

func (c *dmCache) put(user, channel string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.ids[user]; ok {
		c.ids[user] = channel
		return
	}
	if old := c.ring[c.next]; old != "" {
		delete(c.ids, old)
	}
	c.ring[c.next] = user
	c.next = (c.next + 1) % len(c.ring)
	c.ids[user] = channel
}
