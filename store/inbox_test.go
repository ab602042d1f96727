package store

import (
	"context"
	"path/filepath"
	"sync"
	"testing"

	"github.com/coursebot/coursebot/delivery"
)

func TestInboxPutDoneItemsAcrossReopen(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "in.db")
	db, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	var wg sync.WaitGroup
	ids := make([]uint64, 20)
	for i := range ids {
		wg.Add(1)
		go func() {
			defer wg.Done()
			id, dup, err := db.InboxPut(ctx, delivery.Item{Kind: "slack/command", Learner: "slack:U1", Payload: []byte("x"), Dedup: "ev\x00" + string(rune('a'+i))})
			if err != nil || dup {
				t.Errorf("put %d: %v dup %v", i, err, dup)
			}
			ids[i] = id
		}()
	}
	wg.Wait()
	if _, dup, err := db.InboxPut(ctx, delivery.Item{Kind: "slack/command", Learner: "slack:U1", Dedup: "ev\x00a"}); err != nil || !dup {
		t.Errorf("a repeated dedup id: dup %v err %v", dup, err)
	}
	for _, id := range ids[:15] {
		if err := db.InboxDone(ctx, id); err != nil {
			t.Fatal(err)
		}
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	db, err = Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		if err := db.Close(); err != nil {
			t.Error(err)
		}
	}()
	items, err := db.InboxItems(ctx)
	if err != nil || len(items) != 5 {
		t.Fatalf("after reopen: %d items, %v", len(items), err)
	}
	for i, it := range items {
		if i > 0 && it.ID <= items[i-1].ID {
			t.Errorf("items out of order: %d after %d", it.ID, items[i-1].ID)
		}
		if it.Kind != "slack/command" || it.Learner != "slack:U1" || string(it.Payload) != "x" {
			t.Errorf("item %+v", it)
		}
	}
	if accept(t, db, "slack:U1", "ev\x00b") {
		t.Error("an inbox dedup id should count as seen after a reopen")
	}
}
