package store

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/coursebot/coursebot"
	bolt "go.etcd.io/bbolt"
)

func threadKey(platform, learner, lesson string) []byte {
	return []byte(platform + sep + learner + sep + lesson)
}

func threadAtKey(platform, channel, threadID string) []byte {
	return []byte(platform + sep + channel + sep + threadID)
}

// PutThread stores t as the lesson thread of t.Learner in t.Lesson on
// t.Platform, replacing any earlier one, and indexes it by channel and
// thread id. A zero Updated is set to now.
func (db *DB) PutThread(ctx context.Context, t coursebot.Thread) error {
	if err := firstErr(ctx.Err(),
		checkKey("platform", t.Platform), checkKey("learner", t.Learner), checkKey("lesson", t.Lesson),
		checkKey("channel", t.Channel), checkKey("thread id", t.ThreadID)); err != nil {
		return fmt.Errorf("store thread: %w", err)
	}
	if t.Updated.IsZero() {
		t.Updated = db.now()
	}
	if u := unitOf(ctx); u != nil {
		if f := db.bolt.Fault(); f != nil {
			return fmt.Errorf("store thread in %s on %s: %w", t.Lesson, t.Platform, f)
		}
		u.putThread(t) // committed with the inbox item's work
		db.pending.add(t)
		return nil
	}
	if err := db.bolt.Batch(func(tx *bolt.Tx) error { return putThreadTx(tx, t) }); err != nil {
		return fmt.Errorf("store thread in %s on %s: %w", t.Lesson, t.Platform, err)
	}
	return nil
}

// putThreadTx writes t and its index entry, dropping the index entry of
// the thread it replaces.
func putThreadTx(tx *bolt.Tx, t coursebot.Thread) error {
	key := threadKey(t.Platform, t.Learner, t.Lesson)
	at := threadAtKey(t.Platform, t.Channel, t.ThreadID)
	threads, index := tx.Bucket(bucketThreads), tx.Bucket(bucketThreadAt)
	if v := threads.Get(key); v != nil {
		var old coursebot.Thread
		if err := json.Unmarshal(v, &old); err != nil {
			return fmt.Errorf("decode thread %q: %w", key, err)
		}
		if err := index.Delete(threadAtKey(old.Platform, old.Channel, old.ThreadID)); err != nil {
			return fmt.Errorf("delete thread index: %w", err)
		}
	}
	if err := putJSON(threads, key, t); err != nil {
		return err
	}
	if err := index.Put(at, key); err != nil {
		return fmt.Errorf("write thread index: %w", err)
	}
	return nil
}

// ThreadFor returns the lesson thread of learner in lesson on platform.
func (db *DB) ThreadFor(ctx context.Context, platform, learner, lesson string) (coursebot.Thread, bool, error) {
	if err := firstErr(ctx.Err(), checkKey("platform", platform), checkKey("learner", learner), checkKey("lesson", lesson)); err != nil {
		return coursebot.Thread{}, false, fmt.Errorf("find thread: %w", err)
	}
	if u := unitOf(ctx); u != nil {
		if t, ok := u.threadFor(platform, learner, lesson); ok {
			return t, true, nil
		}
	}
	if t, ok := db.pending.forKey(platform, learner, lesson); ok {
		return t, true, nil
	}
	var (
		t  coursebot.Thread
		ok bool
	)
	err := db.bolt.View(func(tx *bolt.Tx) error {
		var err error
		t, ok, err = getThread(tx, threadKey(platform, learner, lesson))
		return err
	})
	if err != nil {
		return coursebot.Thread{}, false, fmt.Errorf("find thread in %s on %s: %w", lesson, platform, err)
	}
	return t, ok, nil
}

// ThreadAt says which learner's lesson the thread threadID in channel on
// platform belongs to.
func (db *DB) ThreadAt(ctx context.Context, platform, channel, threadID string) (coursebot.Thread, bool, error) {
	if err := firstErr(ctx.Err(), checkKey("platform", platform), checkKey("channel", channel), checkKey("thread id", threadID)); err != nil {
		return coursebot.Thread{}, false, fmt.Errorf("find thread: %w", err)
	}
	if u := unitOf(ctx); u != nil {
		if t, ok := u.threadAt(platform, channel, threadID); ok {
			return t, true, nil
		}
	}
	if t, ok := db.pending.at(platform, channel, threadID); ok {
		return t, true, nil
	}
	var (
		t  coursebot.Thread
		ok bool
	)
	err := db.bolt.View(func(tx *bolt.Tx) error {
		key := tx.Bucket(bucketThreadAt).Get(threadAtKey(platform, channel, threadID))
		if key == nil {
			return nil
		}
		var err error
		t, ok, err = getThread(tx, key)
		return err
	})
	if err != nil {
		return coursebot.Thread{}, false, fmt.Errorf("find thread %s in %s on %s: %w", threadID, channel, platform, err)
	}
	return t, ok, nil
}

func getThread(tx *bolt.Tx, key []byte) (coursebot.Thread, bool, error) {
	v := tx.Bucket(bucketThreads).Get(key)
	if v == nil {
		return coursebot.Thread{}, false, nil
	}
	var t coursebot.Thread
	if err := json.Unmarshal(v, &t); err != nil {
		return coursebot.Thread{}, false, fmt.Errorf("decode thread %q: %w", key, err)
	}
	return t, true, nil
}
