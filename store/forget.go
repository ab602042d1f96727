package store

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	bolt "go.etcd.io/bbolt"

	"github.com/coursebot/coursebot"
)

// Data about one learner lives in several buckets. ForgetLearner deletes it
// all and LearnerData reads it all, both from the table below.
//
// EVERY NEW BUCKET THAT HOLDS DATA ABOUT A LEARNER MUST JOIN learnerBuckets
// (with a forget func, and an export func unless the data is only an index
// of another bucket). TestEveryBucketIsForgettable fails when a bucket in
// allBuckets() is in neither learnerBuckets() nor notLearnerData().

// learnerBucket knows how to find and delete one learner's keys in a bucket.
type learnerBucket struct {
	name []byte
	// forget deletes the learner's entries and returns how many.
	forget func(tx *bolt.Tx, learner string) (int, error)
}

// learnerBuckets lists the buckets with data about learners, in the order
// they are cleared (indexes after what they index). keep is the inbox item
// whose work is forgetting (0: none): it is removed when that work is done.
func learnerBuckets(keep uint64) []learnerBucket {
	return []learnerBucket{
		{bucketLearners, func(tx *bolt.Tx, l string) (int, error) {
			return deleteKeys(tx.Bucket(bucketLearners), func(k []byte) bool { return string(k) == l })
		}},
		{bucketProgress, func(tx *bolt.Tx, l string) (int, error) {
			prefix := []byte(l + sep)
			return deleteKeys(tx.Bucket(bucketProgress), func(k []byte) bool { return bytes.HasPrefix(k, prefix) })
		}},
		{bucketThreads, forgetThreads},
		// thread_at is cleared by forgetThreads, entry by entry.
		{bucketThreadAt, func(*bolt.Tx, string) (int, error) { return 0, nil }},
		{bucketCohortMembers, forgetMembership},
		{bucketCohorts, forgetLeadership},
		// A forgotten learner drops out of runs not yet finished too, so
		// the scheduler sends them nothing more.
		{bucketDeliveries, func(tx *bolt.Tx, l string) (int, error) {
			return deleteKeys(tx.Bucket(bucketDeliveries), func(k []byte) bool { return bytes.HasSuffix(k, []byte(sep+l)) })
		}},
		{bucketRuns, func(tx *bolt.Tx, l string) (int, error) { return scrubJSON(tx.Bucket(bucketRuns), l, "recipients", "") }},
		{bucketSchedules, func(tx *bolt.Tx, l string) (int, error) {
			return scrubJSON(tx.Bucket(bucketSchedules), l, "", "created_by")
		}},
		{bucketNudgeState, func(tx *bolt.Tx, l string) (int, error) {
			return deleteKeys(tx.Bucket(bucketNudgeState), func(k []byte) bool { return string(k) == l })
		}},
		// The tutor's budget and exchanges (store/tutor.go).
		{bucketTutor, func(tx *bolt.Tx, l string) (int, error) {
			return deleteKeys(tx.Bucket(bucketTutor), func(k []byte) bool { return string(k) == l })
		}},
		// Dedup records of the learner's requests (seen.go), and their
		// index entries, which forgetSeen deletes with them.
		{bucketSeen, forgetSeen},
		{bucketSeenTime, func(*bolt.Tx, string) (int, error) { return 0, nil }},
		// Requests acknowledged but not done: done later (at the next
		// start, after `coursebot forget`), they would make the learner
		// anew from what they said.
		{bucketInbox, func(tx *bolt.Tx, l string) (int, error) { return forgetInbox(tx, l, keep) }},
		// The identity's link and its link codes (links.go).
		{bucketLinks, forgetLinks},
		{bucketLinkCodes, func(*bolt.Tx, string) (int, error) { return 0, nil }}, // cleared by forgetLinks
	}
}

// notLearnerData lists the buckets that hold nothing about a learner.
func notLearnerData() [][]byte {
	return [][]byte{bucketMeta}
}

// forgetInbox deletes the learner's inbox items but keep.
func forgetInbox(tx *bolt.Tx, learner string, keep uint64) (int, error) {
	b := tx.Bucket(bucketInbox)
	var doomed [][]byte
	err := b.ForEach(func(k, v []byte) error {
		if binary.BigEndian.Uint64(k) == keep {
			return nil
		}
		var it struct {
			Learner string `json:"learner"`
		}
		if err := json.Unmarshal(v, &it); err != nil {
			return fmt.Errorf("decode inbox item %x: %w", k, err)
		}
		if it.Learner == learner {
			doomed = append(doomed, bytes.Clone(k))
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	for _, k := range doomed {
		if err := b.Delete(k); err != nil {
			return 0, fmt.Errorf("delete inbox item %x: %w", k, err)
		}
	}
	return len(doomed), nil
}

// pendingOf counts the learner's inbox items.
func pendingOf(tx *bolt.Tx, learner string) (int, error) {
	n := 0
	err := tx.Bucket(bucketInbox).ForEach(func(k, v []byte) error {
		var it struct {
			Learner string `json:"learner"`
		}
		if err := json.Unmarshal(v, &it); err != nil {
			return fmt.Errorf("decode inbox item %x: %w", k, err)
		}
		if it.Learner == learner {
			n++
		}
		return nil
	})
	return n, err
}

// forgetMembership deletes the learner's memberships and invitations of
// every cohort, and blanks them as added_by of anyone they invited (the
// invitation stays the invitee's to answer).
func forgetMembership(tx *bolt.Tx, learner string) (int, error) {
	n, err := deleteKeys(tx.Bucket(bucketCohortMembers), func(k []byte) bool {
		_, who, ok := strings.Cut(string(k), sep)
		return ok && who == learner
	})
	if err != nil {
		return n, err
	}
	m, err := scrubJSON(tx.Bucket(bucketCohortMembers), learner, "", "added_by")
	return n + m, err
}

// forgetLeadership takes the learner off every cohort's list of leads (and
// off created_by); the cohort itself stays for its other members.
func forgetLeadership(tx *bolt.Tx, learner string) (int, error) {
	return scrubJSON(tx.Bucket(bucketCohorts), learner, "leads", "created_by")
}

// scrubJSON rewrites the JSON objects in b that name learner in the list
// field list (removing it) or the string field by (blanking it), and
// returns how many it rewrote. Other fields are kept as they are.
func scrubJSON(b *bolt.Bucket, learner, list, by string) (int, error) {
	type change struct{ k, v []byte }
	var changes []change
	err := b.ForEach(func(k, v []byte) error {
		if v == nil || !bytes.Contains(v, []byte(learner)) {
			return nil
		}
		var obj map[string]json.RawMessage
		if err := json.Unmarshal(v, &obj); err != nil {
			return fmt.Errorf("decode %q: %w", k, err)
		}
		changed := false
		if raw, ok := obj[list]; ok && list != "" {
			var names []string
			if err := json.Unmarshal(raw, &names); err != nil {
				return fmt.Errorf("decode %s of %q: %w", list, k, err)
			}
			kept := slices.DeleteFunc(slices.Clone(names), func(n string) bool { return n == learner })
			if len(kept) != len(names) {
				changed = true
				obj[list], _ = json.Marshal(kept)
			}
		}
		var who string
		if raw, ok := obj[by]; ok && by != "" && json.Unmarshal(raw, &who) == nil && who == learner {
			changed = true
			obj[by], _ = json.Marshal("")
		}
		if changed {
			nv, err := json.Marshal(obj)
			if err != nil {
				return fmt.Errorf("encode %q: %w", k, err)
			}
			changes = append(changes, change{bytes.Clone(k), nv})
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	for _, ch := range changes {
		if err := b.Put(ch.k, ch.v); err != nil {
			return 0, fmt.Errorf("write %q: %w", ch.k, err)
		}
	}
	return len(changes), nil
}

// deleteKeys deletes the non-bucket keys of b for which match is true.
func deleteKeys(b *bolt.Bucket, match func(k []byte) bool) (int, error) {
	var doomed [][]byte
	c := b.Cursor()
	for k, v := c.First(); k != nil; k, v = c.Next() {
		if v != nil && match(k) { // v == nil: a nested bucket
			doomed = append(doomed, bytes.Clone(k))
		}
	}
	for _, k := range doomed {
		if err := b.Delete(k); err != nil {
			return 0, fmt.Errorf("delete %q: %w", k, err)
		}
	}
	return len(doomed), nil
}

// forgetThreads deletes the learner's lesson threads on every platform and
// their thread_at index entries.
func forgetThreads(tx *bolt.Tx, learner string) (int, error) {
	threads, index := tx.Bucket(bucketThreads), tx.Bucket(bucketThreadAt)
	var doomed []coursebot.Thread
	var keys [][]byte
	err := threads.ForEach(func(k, v []byte) error {
		parts := strings.SplitN(string(k), sep, 3)
		if len(parts) != 3 || parts[1] != learner {
			return nil
		}
		var t coursebot.Thread
		if err := json.Unmarshal(v, &t); err != nil {
			return fmt.Errorf("decode thread %q: %w", k, err)
		}
		doomed, keys = append(doomed, t), append(keys, bytes.Clone(k))
		return nil
	})
	if err != nil {
		return 0, err
	}
	n := 0
	for i, t := range doomed {
		at := threadAtKey(t.Platform, t.Channel, t.ThreadID)
		if bytes.Equal(index.Get(at), keys[i]) {
			if err := index.Delete(at); err != nil {
				return n, fmt.Errorf("delete thread index: %w", err)
			}
			n++
		}
		if err := threads.Delete(keys[i]); err != nil {
			return n, fmt.Errorf("delete thread: %w", err)
		}
		n++
	}
	return n, nil
}

// ForgetLearner deletes everything the store keeps about learner ("slack:U1")
// in one transaction: every bucket of learnerBuckets (the learner record,
// progress, threads, cohorts, schedules' records, the tutor's, dedup
// records, requests not yet done). It returns how many records it deleted
// (0: nothing was kept). Deleted pages stay in the file, unreadable to the
// store, until reused; `coursebot compact` writes a copy without them.
//
// A learner with linked identities is forgotten whole: the person's data
// and every identity's threads, dedup records, requests and link.
func (db *DB) ForgetLearner(ctx context.Context, learner string) (int, error) {
	if err := firstErr(ctx.Err(), checkKey("learner", learner)); err != nil {
		return 0, fmt.Errorf("forget learner: %w", err)
	}
	var keep uint64
	u := unitOf(ctx)
	if u != nil {
		keep = u.item
	}
	total := 0
	err := db.bolt.Update(func(tx *bolt.Tx) error {
		total = 0
		ids := identitiesTx(tx, resolveTx(tx, learner))
		for _, id := range ids {
			if u != nil {
				u.forget(id) // what this item would have written goes too
			}
			for _, lb := range learnerBuckets(keep) {
				if tx.Bucket(lb.name) == nil {
					continue
				}
				n, err := lb.forget(tx, id)
				total += n
				if err != nil {
					return fmt.Errorf("bucket %s: %w", lb.name, err)
				}
			}
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("forget %s: %w", learner, err)
	}
	return total, db.refreshLinks()
}

// LearnerExport is everything the store keeps about one learner.
type LearnerExport struct {
	Learner  coursebot.LearnerRecord `json:"learner"`
	Progress []coursebot.Progress    `json:"progress"`
	Threads  []coursebot.Thread      `json:"threads"`
	// Memberships are the learner's cohort memberships and NudgeState
	// what the scheduler keeps about nudging them, as stored.
	Memberships []json.RawMessage `json:"cohort_memberships"`
	NudgeState  json.RawMessage   `json:"nudge_state,omitempty"`
	// Leads names the cohorts the learner leads.
	Leads []string `json:"leads"`
	// Tutor is the AI tutor's record: the day's budget and the learner's
	// exchanges with the tutor (nil when the tutor never answered them).
	Tutor *coursebot.TutorRecord `json:"tutor,omitempty"`
	// Pending counts the learner's requests acknowledged but not yet done
	// (in the inbox).
	Pending int `json:"pending_requests"`
	// Identities are the learner's linked accounts, the one their data is
	// kept under first (docs/identity.md); one when not linked.
	Identities []string `json:"identities"`
	// Found is false when the store holds nothing about the learner.
	Found bool `json:"found"`
}

// LearnerData reads everything the store keeps about learner, for export.
func (db *DB) LearnerData(ctx context.Context, learner string) (LearnerExport, error) {
	out := LearnerExport{Learner: coursebot.LearnerRecord{Key: learner}, Progress: []coursebot.Progress{}, Threads: []coursebot.Thread{},
		Memberships: []json.RawMessage{}, Leads: []string{}}
	if err := firstErr(ctx.Err(), checkKey("learner", learner)); err != nil {
		return out, fmt.Errorf("export learner: %w", err)
	}
	progress, err := db.LearnerProgress(ctx, learner)
	if err != nil {
		return out, err
	}
	out.Progress = append(out.Progress, progress...)
	identity := learner
	learner = db.personOf(learner) // a linked identity's data is its person's (links.go)
	err = db.bolt.View(func(tx *bolt.Tx) error {
		ids := identitiesTx(tx, resolveTx(tx, identity))
		out.Identities = ids
		if v := tx.Bucket(bucketLearners).Get([]byte(learner)); v != nil {
			out.Found = true
		}
		rec, err := getLearner(tx, learner)
		if err != nil {
			return err
		}
		out.Learner = rec
		if err := tx.Bucket(bucketThreads).ForEach(func(k, v []byte) error {
			parts := strings.SplitN(string(k), sep, 3)
			if len(parts) != 3 || !slices.Contains(ids, parts[1]) {
				return nil
			}
			var t coursebot.Thread
			if err := json.Unmarshal(v, &t); err != nil {
				return fmt.Errorf("decode thread %q: %w", k, err)
			}
			out.Threads = append(out.Threads, t)
			return nil
		}); err != nil {
			return err
		}
		if err := exportTutor(tx, learner, &out); err != nil {
			return err
		}
		for _, id := range ids {
			n, err := pendingOf(tx, id)
			if err != nil {
				return err
			}
			out.Pending += n
		}
		return exportCohorts(tx, learner, &out)
	})
	if err != nil {
		return out, fmt.Errorf("export %s: %w", learner, err)
	}
	out.Found = out.Found || len(out.Progress) > 0 || len(out.Threads) > 0 ||
		len(out.Memberships) > 0 || out.NudgeState != nil || len(out.Leads) > 0 || out.Tutor != nil || out.Pending > 0
	return out, nil
}

func exportCohorts(tx *bolt.Tx, learner string, out *LearnerExport) error {
	if b := tx.Bucket(bucketCohortMembers); b != nil {
		if err := b.ForEach(func(k, v []byte) error {
			if _, who, ok := strings.Cut(string(k), sep); ok && who == learner && v != nil {
				out.Memberships = append(out.Memberships, json.RawMessage(bytes.Clone(v)))
			}
			return nil
		}); err != nil {
			return err
		}
	}
	if b := tx.Bucket(bucketNudgeState); b != nil {
		if v := b.Get([]byte(learner)); v != nil {
			out.NudgeState = json.RawMessage(bytes.Clone(v))
		}
	}
	if b := tx.Bucket(bucketCohorts); b != nil {
		return b.ForEach(func(k, v []byte) error {
			var c struct {
				Leads []string `json:"leads"`
			}
			if v == nil || json.Unmarshal(v, &c) != nil {
				return nil
			}
			for _, l := range c.Leads {
				if l == learner {
					out.Leads = append(out.Leads, string(k))
				}
			}
			return nil
		})
	}
	return nil
}
