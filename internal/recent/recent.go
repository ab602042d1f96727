// Package recent is a bounded in-memory map that forgets its oldest keys:
// what an adapter remembers of the last n events or learners (ids already
// seen, DM channels already opened) without growing for ever.
package recent

import "sync"

// Map keeps the values of its last n keys, in the order they were first
// put; past n, the oldest key is forgotten. Safe for concurrent use.
type Map[K comparable, V any] struct {
	mu   sync.Mutex
	vals map[K]V
	ring []K
	used []bool
	next int
}

// New returns a Map that keeps n keys (n >= 1).
func New[K comparable, V any](n int) *Map[K, V] {
	return &Map[K, V]{vals: make(map[K]V, n), ring: make([]K, n), used: make([]bool, n)}
}

// Get returns k's value and whether k is kept.
func (m *Map[K, V]) Get(k K) (V, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	v, ok := m.vals[k]
	return v, ok
}

// Put keeps v for k. A key already kept gets the new value and keeps its
// place; a new key may push out the oldest.
func (m *Map[K, V]) Put(k K, v V) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.put(k, v)
}

// Add keeps v for k only if k is not kept, and reports whether it was new.
func (m *Map[K, V]) Add(k K, v V) bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, ok := m.vals[k]; ok {
		return false
	}
	m.put(k, v)
	return true
}

func (m *Map[K, V]) put(k K, v V) {
	if _, ok := m.vals[k]; ok {
		m.vals[k] = v
		return
	}
	if m.used[m.next] {
		delete(m.vals, m.ring[m.next])
	}
	m.ring[m.next], m.used[m.next] = k, true
	m.next = (m.next + 1) % len(m.ring)
	m.vals[k] = v
}
