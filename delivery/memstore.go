package delivery

import (
	"context"
	"sort"
	"sync"
)

// MemStore is an Inbox Store in memory: nothing survives the process. The
// adapters use it when no durable store is given (tests, tools).
type MemStore struct {
	mu    sync.Mutex
	next  uint64
	items map[uint64]Item
	seen  map[string]bool
}

// NewMemStore returns an empty MemStore.
func NewMemStore() *MemStore {
	return &MemStore{items: map[uint64]Item{}, seen: map[string]bool{}}
}

var _ Store = (*MemStore)(nil)

// InboxPut implements Store.
func (m *MemStore) InboxPut(_ context.Context, it Item) (uint64, bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if it.Dedup != "" {
		if m.seen[it.Dedup] {
			return 0, true, nil
		}
		m.seen[it.Dedup] = true
	}
	m.next++
	it.ID = m.next
	it.Live = nil
	m.items[it.ID] = it
	return it.ID, false, nil
}

// InboxDone implements Store.
func (m *MemStore) InboxDone(_ context.Context, id uint64) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.items, id)
	return nil
}

// InboxItems implements Store.
func (m *MemStore) InboxItems(context.Context) ([]Item, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := make([]Item, 0, len(m.items))
	for _, it := range m.items {
		out = append(out, it)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out, nil
}
