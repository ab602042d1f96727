package store

import (
	"context"
	"testing"
	"time"

	"github.com/coursebot/coursebot"
)

func TestThreads(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	now := time.Date(2025, 7, 1, 9, 0, 0, 0, time.UTC)
	db := openTemp(t, Options{Now: func() time.Time { return now }})

	if _, ok, err := db.ThreadFor(ctx, "slack", "slack:U1", "1-1"); err != nil || ok {
		t.Fatalf("ThreadFor before any thread: %v %v", ok, err)
	}
	if _, ok, err := db.ThreadAt(ctx, "slack", "C1", "111.222"); err != nil || ok {
		t.Fatalf("ThreadAt before any thread: %v %v", ok, err)
	}

	first := coursebot.Thread{Platform: "slack", Learner: "slack:U1", Lesson: "1-1", Channel: "C1", ThreadID: "111.222", LastMessage: "111.333"}
	other := coursebot.Thread{Platform: "slack", Learner: "slack:U2", Lesson: "1-1", Channel: "C1", ThreadID: "555.000",
		Updated: now.Add(-time.Hour)}
	discord := coursebot.Thread{Platform: "discord", Learner: "slack:U1", Lesson: "1-1", Channel: "C1", ThreadID: "111.222"}
	for _, th := range []coursebot.Thread{first, other, discord} {
		if err := db.PutThread(ctx, th); err != nil {
			t.Fatal(err)
		}
	}
	first.Updated, discord.Updated = now, now // zero Updated is set to now; a given one kept

	lookups := []struct {
		name string
		get  func() (coursebot.Thread, bool, error)
		want coursebot.Thread
		ok   bool
	}{
		{"for U1", func() (coursebot.Thread, bool, error) { return db.ThreadFor(ctx, "slack", "slack:U1", "1-1") }, first, true},
		{"for U2", func() (coursebot.Thread, bool, error) { return db.ThreadFor(ctx, "slack", "slack:U2", "1-1") }, other, true},
		{"for U1 on discord", func() (coursebot.Thread, bool, error) { return db.ThreadFor(ctx, "discord", "slack:U1", "1-1") }, discord, true},
		{"for U1 other lesson", func() (coursebot.Thread, bool, error) { return db.ThreadFor(ctx, "slack", "slack:U1", "1-2") }, coursebot.Thread{}, false},
		{"at U1's thread", func() (coursebot.Thread, bool, error) { return db.ThreadAt(ctx, "slack", "C1", "111.222") }, first, true},
		{"at U2's thread", func() (coursebot.Thread, bool, error) { return db.ThreadAt(ctx, "slack", "C1", "555.000") }, other, true},
		{"same ids on discord", func() (coursebot.Thread, bool, error) { return db.ThreadAt(ctx, "discord", "C1", "111.222") }, discord, true},
		{"other channel", func() (coursebot.Thread, bool, error) { return db.ThreadAt(ctx, "slack", "C2", "111.222") }, coursebot.Thread{}, false},
	}
	for _, l := range lookups {
		t.Run(l.name, func(t *testing.T) {
			got, ok, err := l.get()
			if err != nil {
				t.Fatal(err)
			}
			if ok != l.ok || got != l.want {
				t.Errorf("got %+v %v, want %+v %v", got, ok, l.want, l.ok)
			}
		})
	}

	// The learner restarts the lesson in a new thread: the old thread no
	// longer maps to them.
	moved := first
	moved.ThreadID, moved.LastMessage = "999.000", ""
	if err := db.PutThread(ctx, moved); err != nil {
		t.Fatal(err)
	}
	if _, ok, err := db.ThreadAt(ctx, "slack", "C1", "111.222"); err != nil || ok {
		t.Errorf("old thread still maps to a learner: %v %v", ok, err)
	}
	if got, ok, err := db.ThreadAt(ctx, "slack", "C1", "999.000"); err != nil || !ok || got != moved {
		t.Errorf("new thread: %+v %v %v", got, ok, err)
	}
	if got, ok, err := db.ThreadFor(ctx, "slack", "slack:U1", "1-1"); err != nil || !ok || got != moved {
		t.Errorf("ThreadFor after move: %+v %v %v", got, ok, err)
	}
	// U2's thread is untouched.
	if got, ok, _ := db.ThreadAt(ctx, "slack", "C1", "555.000"); !ok || got != other {
		t.Errorf("other learner's thread: %+v %v", got, ok)
	}
}
