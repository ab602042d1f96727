package store

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	bolt "go.etcd.io/bbolt"

	"github.com/coursebot/coursebot"
)

// mergeLearnerTx merges every record kept under from into into's (the
// merge rules of package coursebot where both have one) and deletes
// from's; it returns how many records it moved. Threads, dedup records
// and inbox items are the identity's and stay.
func mergeLearnerTx(tx *bolt.Tx, from, into string) (int, error) {
	n := 0
	for _, merge := range []func(tx *bolt.Tx, from, into string) (int, error){
		mergeLearnerRecord,
		mergeProgressTx,
		func(tx *bolt.Tx, from, into string) (int, error) {
			return mergeKeyed(tx, bucketTutor, from, into, coursebot.MergeTutor)
		},
		func(tx *bolt.Tx, from, into string) (int, error) {
			return mergeKeyed(tx, bucketNudgeState, from, into, func(a, b coursebot.NudgeState) coursebot.NudgeState {
				m := coursebot.MergeNudgeState(a, b)
				m.Learner = into
				return m
			})
		},
		mergeMemberships,
		renameInCohorts,
		repointLinks,
	} {
		moved, err := merge(tx, from, into)
		n += moved
		if err != nil {
			return n, err
		}
	}
	return n, nil
}

// mergeLearnerRecord merges from's learner record into into's (or makes
// it into's when into has none).
func mergeLearnerRecord(tx *bolt.Tx, from, into string) (int, error) {
	lb := tx.Bucket(bucketLearners)
	if lb.Get([]byte(from)) == nil {
		return 0, nil
	}
	fr, err := getLearner(tx, from)
	if err != nil {
		return 0, err
	}
	ir, err := getLearner(tx, into)
	if err != nil {
		return 0, err
	}
	r := fr
	if lb.Get([]byte(into)) != nil {
		r = coursebot.MergeLearnerRecord(ir, fr)
	}
	r.Key = into
	if err := putJSON(lb, []byte(into), r); err != nil {
		return 0, err
	}
	if err := lb.Delete([]byte(from)); err != nil {
		return 0, err
	}
	return 1, nil
}

// mergeProgressTx merges from's progress into into's, lesson by lesson.
func mergeProgressTx(tx *bolt.Tx, from, into string) (int, error) {
	pb := tx.Bucket(bucketProgress)
	var lessons []string
	prefix := []byte(from + sep)
	c := pb.Cursor()
	for k, _ := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, _ = c.Next() {
		lessons = append(lessons, string(k[len(prefix):]))
	}
	n := 0
	for _, lesson := range lessons {
		fp, err := getProgress(tx, from, lesson)
		if err != nil {
			return n, err
		}
		ip, err := getProgress(tx, into, lesson)
		if err != nil {
			return n, err
		}
		m := coursebot.MergeProgress(ip, fp)
		m.Lesson = lesson
		if err := putJSON(pb, progressKey(into, lesson), m); err != nil {
			return n, err
		}
		if err := pb.Delete(progressKey(from, lesson)); err != nil {
			return n, err
		}
		n++
	}
	return n, nil
}

// repointLinks makes the identities linked to from belong to into; into's
// own link record goes, as into is now the person. It counts no records:
// links are not the learner's data.
func repointLinks(tx *bolt.Tx, from, into string) (int, error) {
	lk := tx.Bucket(bucketLinks)
	var repoint [][]byte
	_ = lk.ForEach(func(k, v []byte) error {
		var l Link
		if json.Unmarshal(v, &l) == nil && l.Person == from {
			repoint = append(repoint, bytes.Clone(k))
		}
		return nil
	})
	for _, k := range repoint {
		var l Link
		if err := json.Unmarshal(lk.Get(k), &l); err != nil {
			return 0, err
		}
		l.Person = into
		if string(k) == into {
			if err := lk.Delete(k); err != nil {
				return 0, err
			}
			continue
		}
		if err := putJSON(lk, k, l); err != nil {
			return 0, err
		}
	}
	return 0, nil
}

// mergeKeyed merges the JSON record of from in bucket name into into's.
func mergeKeyed[T any](tx *bolt.Tx, name []byte, from, into string, merge func(into, from T) T) (int, error) {
	b := tx.Bucket(name)
	fv := b.Get([]byte(from))
	if fv == nil {
		return 0, nil
	}
	var f, i T // i stays the zero record when into has none
	if err := json.Unmarshal(fv, &f); err != nil {
		return 0, fmt.Errorf("decode %s of %s: %w", name, from, err)
	}
	if iv := b.Get([]byte(into)); iv != nil {
		if err := json.Unmarshal(iv, &i); err != nil {
			return 0, fmt.Errorf("decode %s of %s: %w", name, into, err)
		}
	}
	if err := putJSON(b, []byte(into), merge(i, f)); err != nil {
		return 0, err
	}
	return 1, b.Delete([]byte(from))
}

// mergeMemberships moves from's memberships and invitations to into,
// merged where both are in a cohort (coursebot.MergeMember), and names
// into where from invited someone.
func mergeMemberships(tx *bolt.Tx, from, into string) (int, error) {
	b := tx.Bucket(bucketCohortMembers)
	var keys [][]byte
	_ = b.ForEach(func(k, _ []byte) error {
		if _, who, ok := strings.Cut(string(k), sep); ok && who == from {
			keys = append(keys, bytes.Clone(k))
		}
		return nil
	})
	for _, k := range keys {
		cohort, _, _ := strings.Cut(string(k), sep)
		var fm, im coursebot.Member
		if err := json.Unmarshal(b.Get(k), &fm); err != nil {
			return 0, fmt.Errorf("decode membership: %w", err)
		}
		m := fm
		if iv := b.Get(memberKey(cohort, into)); iv != nil {
			if err := json.Unmarshal(iv, &im); err != nil {
				return 0, fmt.Errorf("decode membership: %w", err)
			}
			m = coursebot.MergeMember(im, fm)
		}
		m.Learner = into
		if err := putJSON(b, memberKey(cohort, into), m); err != nil {
			return 0, err
		}
		if err := b.Delete(k); err != nil {
			return 0, err
		}
	}
	n, err := renameJSON(b, from, into, "", "added_by")
	return len(keys) + n, err
}

// renameInCohorts names into where a cohort names from as a lead or its
// creator.
func renameInCohorts(tx *bolt.Tx, from, into string) (int, error) {
	return renameJSON(tx.Bucket(bucketCohorts), from, into, "leads", "created_by")
}

// renameJSON is scrubJSON that replaces learner from with into instead of
// removing it (a list keeps each name once).
func renameJSON(b *bolt.Bucket, from, into, list, by string) (int, error) {
	type change struct{ k, v []byte }
	var changes []change
	err := b.ForEach(func(k, v []byte) error {
		if v == nil || !bytes.Contains(v, []byte(from)) {
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
			if i := slices.Index(names, from); i >= 0 {
				names = slices.Delete(names, i, i+1)
				if !slices.Contains(names, into) {
					names = slices.Insert(names, i, into)
				}
				changed = true
				obj[list], _ = json.Marshal(names)
			}
		}
		var who string
		if raw, ok := obj[by]; ok && by != "" && json.Unmarshal(raw, &who) == nil && who == from {
			changed = true
			obj[by], _ = json.Marshal(into)
		}
		if changed {
			nv, err := json.Marshal(obj)
			if err != nil {
				return err
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
			return 0, err
		}
	}
	return len(changes), nil
}
