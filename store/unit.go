package store

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync"

	bolt "go.etcd.io/bbolt"

	"github.com/coursebot/coursebot"
	"github.com/coursebot/coursebot/delivery"
)

// A unit collects the writes of one inbox item's work (the engine's
// progress and learner record, the adapter's lesson thread) so that they
// are committed together, with the item's removal, in one transaction at
// the end of the work (delivery.Transactional). A lesson start thus costs
// one commit for its progress and its thread record, not one each; and if
// the process dies before the end, nothing of the step is written and the
// item is simply done again at the next start (its messages, already
// posted, are found by their idempotency keys rather than posted twice).
//
// Within the unit, reads see its own writes. Writes outside it (cohorts,
// the scheduler's records) are not collected.
type unit struct {
	mu       sync.Mutex
	item     uint64
	learners map[string][]byte // learner key -> JSON LearnerRecord
	progress map[string][]byte // progressKey -> JSON Progress
	// read are the stored bytes each learner and progress key held when
	// the unit first read it (nil: none), by "l"+key and "p"+key: at the
	// commit, a record that changed meanwhile (a link merged another
	// account into it) is merged with the unit's, not overwritten.
	read    map[string][]byte
	threads map[string]coursebot.Thread // threadKey -> thread
	order   []string                    // threadKey in put order
}

type unitKey struct{}

// pendingThreads are the thread records held by units not yet committed.
// The threads themselves exist on the platform already (their cards were
// posted), so every reader sees them at once: a press on a brand-new card,
// or a reply in a brand-new thread, that arrives in the moment before its
// item's commit still finds whose thread it is.
type pendingThreads struct {
	mu    sync.Mutex
	byKey map[string]coursebot.Thread // threadKey
	byAt  map[string]coursebot.Thread // threadAtKey
}

func (p *pendingThreads) add(t coursebot.Thread) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.byKey == nil {
		p.byKey, p.byAt = map[string]coursebot.Thread{}, map[string]coursebot.Thread{}
	}
	p.byKey[string(threadKey(t.Platform, t.Learner, t.Lesson))] = t
	p.byAt[string(threadAtKey(t.Platform, t.Channel, t.ThreadID))] = t
}

func (p *pendingThreads) remove(ts []coursebot.Thread) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, t := range ts {
		k, at := string(threadKey(t.Platform, t.Learner, t.Lesson)), string(threadAtKey(t.Platform, t.Channel, t.ThreadID))
		if cur, ok := p.byKey[k]; ok && cur == t {
			delete(p.byKey, k)
		}
		if cur, ok := p.byAt[at]; ok && cur == t {
			delete(p.byAt, at)
		}
	}
}

func (p *pendingThreads) forKey(platform, learner, lesson string) (coursebot.Thread, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	t, ok := p.byKey[string(threadKey(platform, learner, lesson))]
	return t, ok
}

func (p *pendingThreads) at(platform, channel, threadID string) (coursebot.Thread, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	t, ok := p.byAt[string(threadAtKey(platform, channel, threadID))]
	return t, ok
}

func unitOf(ctx context.Context) *unit {
	u, _ := ctx.Value(unitKey{}).(*unit)
	return u
}

var _ delivery.Transactional = (*DB)(nil)

// Begin starts the unit of inbox item id: writes made under the returned
// context are collected; commit writes them and removes the item in one
// transaction (group-committed with other writers).
func (db *DB) Begin(ctx context.Context, id uint64) (context.Context, func(context.Context) error) {
	u := &unit{item: id, learners: map[string][]byte{}, progress: map[string][]byte{}, threads: map[string]coursebot.Thread{}, read: map[string][]byte{}}
	return context.WithValue(ctx, unitKey{}, u), func(ctx context.Context) error { return db.commitUnit(ctx, u) }
}

func (db *DB) commitUnit(_ context.Context, u *unit) error {
	u.mu.Lock()
	defer u.mu.Unlock()
	defer func() {
		ts := make([]coursebot.Thread, 0, len(u.threads))
		for _, t := range u.threads {
			ts = append(ts, t)
		}
		db.pending.remove(ts)
	}()
	finished := db.done.take()
	err := db.bolt.Batch(func(tx *bolt.Tx) error {
		if err := deleteItems(tx, append(finished, u.item)); err != nil {
			return err
		}
		for k, v := range u.learners {
			if err := commitLearner(tx, k, v, u.read["l"+k]); err != nil {
				return err
			}
		}
		for k, v := range u.progress {
			if err := commitProgress(tx, k, v, u.read["p"+k]); err != nil {
				return err
			}
		}
		for _, k := range u.order {
			if err := putThreadTx(tx, u.threads[k]); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		db.done.giveBack(finished)
		return fmt.Errorf("commit the work of inbox item %d: %w", u.item, err)
	}
	return nil
}

// updateInUnit is UpdateProgress inside a unit: read (the unit's own
// writes first), apply fn, keep the result in the unit.
func (db *DB) updateInUnit(u *unit, identity, learner, lesson string, fn func(*coursebot.LearnerRecord, *coursebot.Progress) error) (coursebot.LearnerRecord, coursebot.Progress, error) {
	if f := db.bolt.Fault(); f != nil {
		return coursebot.LearnerRecord{}, coursebot.Progress{}, fmt.Errorf("update progress in %s: %w", lesson, f) // no writes on a damaged file
	}
	u.mu.Lock()
	defer u.mu.Unlock()
	pk := string(progressKey(learner, lesson))
	var r coursebot.LearnerRecord
	var p coursebot.Progress
	err := db.bolt.View(func(tx *bolt.Tx) error {
		var err error
		if v, ok := u.learners[learner]; ok {
			err = json.Unmarshal(v, &r)
		} else {
			u.noteRead("l"+learner, tx.Bucket(bucketLearners).Get([]byte(learner)))
			r, err = getLearner(tx, learner)
		}
		if err != nil {
			return err
		}
		if v, ok := u.progress[pk]; ok {
			return json.Unmarshal(v, &p)
		}
		u.noteRead("p"+pk, tx.Bucket(bucketProgress).Get([]byte(pk)))
		p, err = getProgress(tx, learner, lesson)
		return err
	})
	if err != nil {
		return coursebot.LearnerRecord{}, coursebot.Progress{}, fmt.Errorf("update progress in %s: %w", lesson, err)
	}
	if err := fn(&r, &p); err != nil {
		return coursebot.LearnerRecord{}, coursebot.Progress{}, fmt.Errorf("update progress in %s: %w", lesson, err)
	}
	r.Key, p.Lesson = learner, lesson
	noteVia(&r, identity)
	rv, err := json.Marshal(r)
	if err != nil {
		return coursebot.LearnerRecord{}, coursebot.Progress{}, fmt.Errorf("encode learner: %w", err)
	}
	pv, err := json.Marshal(p)
	if err != nil {
		return coursebot.LearnerRecord{}, coursebot.Progress{}, fmt.Errorf("encode progress: %w", err)
	}
	u.learners[learner], u.progress[pk] = rv, pv
	return r, p, nil
}

// noteRead keeps what key held when the unit first read it.
func (u *unit) noteRead(key string, v []byte) {
	if _, ok := u.read[key]; !ok {
		u.read[key] = bytes.Clone(v)
	}
}

// commitLearner writes the unit's learner record v under key, or under the
// person key now resolves to: merged with what is stored when that is not
// what the unit read (an account linked meanwhile), else as it is.
func commitLearner(tx *bolt.Tx, key string, v, read []byte) error {
	b := tx.Bucket(bucketLearners)
	target := resolveTx(tx, key)
	cur := b.Get([]byte(target))
	if target == key && bytes.Equal(cur, read) {
		if err := b.Put([]byte(key), v); err != nil {
			return fmt.Errorf("write learner: %w", err)
		}
		return nil
	}
	var mine, stored coursebot.LearnerRecord
	if err := json.Unmarshal(v, &mine); err != nil {
		return fmt.Errorf("decode learner: %w", err)
	}
	if cur != nil {
		if err := json.Unmarshal(cur, &stored); err != nil {
			return fmt.Errorf("decode learner: %w", err)
		}
	}
	m := coursebot.MergeLearnerRecord(stored, mine)
	m.Key = target
	return putJSON(b, []byte(target), m)
}

// commitProgress is commitLearner for a progress record (key is a
// progressKey).
func commitProgress(tx *bolt.Tx, key string, v, read []byte) error {
	b := tx.Bucket(bucketProgress)
	learner, lesson, _ := strings.Cut(key, sep)
	target := string(progressKey(resolveTx(tx, learner), lesson))
	cur := b.Get([]byte(target))
	if target == key && bytes.Equal(cur, read) {
		if err := b.Put([]byte(key), v); err != nil {
			return fmt.Errorf("write progress: %w", err)
		}
		return nil
	}
	var mine, stored coursebot.Progress
	if err := json.Unmarshal(v, &mine); err != nil {
		return fmt.Errorf("decode progress: %w", err)
	}
	if cur != nil {
		if err := json.Unmarshal(cur, &stored); err != nil {
			return fmt.Errorf("decode progress: %w", err)
		}
	}
	m := coursebot.MergeProgress(stored, mine)
	m.Lesson = lesson
	return putJSON(b, []byte(target), m)
}

// progressOf returns the unit's own progress of learner in lesson.
func (u *unit) progressOf(learner, lesson string) (coursebot.Progress, bool, error) {
	u.mu.Lock()
	defer u.mu.Unlock()
	v, ok := u.progress[string(progressKey(learner, lesson))]
	if !ok {
		return coursebot.Progress{}, false, nil
	}
	var p coursebot.Progress
	err := json.Unmarshal(v, &p)
	return p, true, err
}

// learnerProgress returns the unit's own progress records of learner.
func (u *unit) learnerProgress(learner string) (map[string]coursebot.Progress, error) {
	u.mu.Lock()
	defer u.mu.Unlock()
	out := map[string]coursebot.Progress{}
	prefix := learner + sep
	for k, v := range u.progress {
		if lesson, ok := strings.CutPrefix(k, prefix); ok {
			var p coursebot.Progress
			if err := json.Unmarshal(v, &p); err != nil {
				return nil, err
			}
			out[lesson] = p
		}
	}
	return out, nil
}

func (u *unit) learner(key string) (coursebot.LearnerRecord, bool, error) {
	u.mu.Lock()
	defer u.mu.Unlock()
	v, ok := u.learners[key]
	if !ok {
		return coursebot.LearnerRecord{}, false, nil
	}
	var r coursebot.LearnerRecord
	err := json.Unmarshal(v, &r)
	return r, true, err
}

func (u *unit) putThread(t coursebot.Thread) {
	u.mu.Lock()
	defer u.mu.Unlock()
	k := string(threadKey(t.Platform, t.Learner, t.Lesson))
	if _, ok := u.threads[k]; !ok {
		u.order = append(u.order, k)
	}
	u.threads[k] = t
}

func (u *unit) threadFor(platform, learner, lesson string) (coursebot.Thread, bool) {
	u.mu.Lock()
	defer u.mu.Unlock()
	t, ok := u.threads[string(threadKey(platform, learner, lesson))]
	return t, ok
}

func (u *unit) threadAt(platform, channel, threadID string) (coursebot.Thread, bool) {
	u.mu.Lock()
	defer u.mu.Unlock()
	for _, t := range u.threads {
		if t.Platform == platform && t.Channel == channel && t.ThreadID == threadID {
			return t, true
		}
	}
	return coursebot.Thread{}, false
}

// forget drops whatever the unit holds of learner (a /forget-me in the
// same item must not be undone by the commit).
func (u *unit) forget(learner string) {
	u.mu.Lock()
	defer u.mu.Unlock()
	delete(u.learners, learner)
	for k := range u.progress {
		if strings.HasPrefix(k, learner+sep) {
			delete(u.progress, k)
		}
	}
	kept := u.order[:0]
	for _, k := range u.order {
		if u.threads[k].Learner == learner {
			delete(u.threads, k)
			continue
		}
		kept = append(kept, k)
	}
	u.order = kept
}
