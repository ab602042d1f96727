package store

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/coursebot/coursebot"
)

// Cohort buckets:
//
//	cohorts         name -> Cohort
//	cohort_members  name "\x00" learnerKey -> Member
//	nudge_state     learnerKey -> NudgeState
var (
	bucketCohorts       = []byte("cohorts")
	bucketCohortMembers = []byte("cohort_members")
	bucketNudgeState    = []byte("nudge_state")
)

// CreateCohort stores a new cohort; coursebot.ErrExists if the name or code is taken.
func (db *DB) CreateCohort(ctx context.Context, c coursebot.Cohort) error {
	if err := firstErr(ctx.Err(), checkKey("cohort", c.Name), checkKey("code", c.Code)); err != nil {
		return fmt.Errorf("create cohort: %w", err)
	}
	err := db.bolt.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketCohorts)
		if b.Get([]byte(c.Name)) != nil {
			return fmt.Errorf("cohort %q: %w", c.Name, coursebot.ErrExists)
		}
		dup := false
		if err := b.ForEach(func(_, v []byte) error {
			var o coursebot.Cohort
			if err := json.Unmarshal(v, &o); err != nil {
				return err
			}
			dup = dup || o.Code == c.Code
			return nil
		}); err != nil {
			return err
		}
		if dup {
			return fmt.Errorf("join code: %w", coursebot.ErrExists)
		}
		return putJSON(b, []byte(c.Name), c)
	})
	if err != nil {
		return fmt.Errorf("create cohort %s: %w", c.Name, err)
	}
	return nil
}

// Cohort returns the named cohort and whether it exists.
func (db *DB) Cohort(ctx context.Context, name string) (coursebot.Cohort, bool, error) {
	var c coursebot.Cohort
	var ok bool
	if err := firstErr(ctx.Err(), checkKey("cohort", name)); err != nil {
		return c, false, fmt.Errorf("read cohort: %w", err)
	}
	err := db.bolt.View(func(tx *bolt.Tx) error {
		v := tx.Bucket(bucketCohorts).Get([]byte(name))
		if v == nil {
			return nil
		}
		ok = true
		return json.Unmarshal(v, &c)
	})
	if err != nil {
		return coursebot.Cohort{}, false, fmt.Errorf("read cohort %s: %w", name, err)
	}
	return c, ok, nil
}

// Cohorts returns every cohort, by name.
func (db *DB) Cohorts(ctx context.Context) ([]coursebot.Cohort, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("list cohorts: %w", err)
	}
	var out []coursebot.Cohort
	err := db.bolt.View(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketCohorts).ForEach(func(k, v []byte) error {
			var c coursebot.Cohort
			if err := json.Unmarshal(v, &c); err != nil {
				return fmt.Errorf("decode cohort %q: %w", k, err)
			}
			out = append(out, c)
			return nil
		})
	})
	if err != nil {
		return nil, fmt.Errorf("list cohorts: %w", err)
	}
	return out, nil
}

// UpdateCohort lets fn change the named cohort and writes it back;
// coursebot.ErrNotFound if there is none. fn's error is returned and nothing written.
func (db *DB) UpdateCohort(ctx context.Context, name string, fn func(*coursebot.Cohort) error) (coursebot.Cohort, error) {
	var c coursebot.Cohort
	if err := firstErr(ctx.Err(), checkKey("cohort", name)); err != nil {
		return c, fmt.Errorf("update cohort: %w", err)
	}
	err := db.bolt.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketCohorts)
		v := b.Get([]byte(name))
		if v == nil {
			return fmt.Errorf("cohort %q: %w", name, coursebot.ErrNotFound)
		}
		c = coursebot.Cohort{}
		if err := json.Unmarshal(v, &c); err != nil {
			return err
		}
		if err := fn(&c); err != nil {
			return err
		}
		c.Name = name
		return putJSON(b, []byte(name), c)
	})
	if err != nil {
		return coursebot.Cohort{}, fmt.Errorf("update cohort %s: %w", name, err)
	}
	return c, nil
}

func memberKey(cohort, learner string) []byte { return []byte(cohort + sep + learner) }

// AddMember stores m: a membership, or an invitation when m.Pending.
// added is false when nothing changed: the learner is already a member, or
// m is an invitation and one (or a membership) exists. A membership
// replaces a pending invitation.
func (db *DB) AddMember(ctx context.Context, m coursebot.Member) (added bool, err error) {
	if err := firstErr(ctx.Err(), checkKey("cohort", m.Cohort), checkKey("learner", m.Learner)); err != nil {
		return false, fmt.Errorf("add member: %w", err)
	}
	m.Learner = db.personOf(m.Learner) // a linked identity's data is its person's (links.go)
	err = db.bolt.Batch(func(tx *bolt.Tx) error {
		added = false
		if tx.Bucket(bucketCohorts).Get([]byte(m.Cohort)) == nil {
			return fmt.Errorf("cohort %q: %w", m.Cohort, coursebot.ErrNotFound)
		}
		b := tx.Bucket(bucketCohortMembers)
		k := memberKey(m.Cohort, m.Learner)
		if v := b.Get(k); v != nil {
			var old coursebot.Member
			if err := json.Unmarshal(v, &old); err != nil {
				return fmt.Errorf("decode member %q: %w", k, err)
			}
			if m.Pending || !old.Pending {
				return nil
			}
		}
		added = true
		return putJSON(b, k, m)
	})
	if err != nil {
		return false, fmt.Errorf("add %s to cohort %s: %w", m.Learner, m.Cohort, err)
	}
	return added, nil
}

// Membership returns learner's record in cohort (a membership or a pending
// invitation) and whether there is one.
func (db *DB) Membership(ctx context.Context, cohort, learner string) (coursebot.Member, bool, error) {
	var m coursebot.Member
	var ok bool
	if err := firstErr(ctx.Err(), checkKey("cohort", cohort), checkKey("learner", learner)); err != nil {
		return m, false, fmt.Errorf("read membership: %w", err)
	}
	learner = db.personOf(learner) // a linked identity's data is its person's (links.go)
	err := db.bolt.View(func(tx *bolt.Tx) error {
		v := tx.Bucket(bucketCohortMembers).Get(memberKey(cohort, learner))
		if v == nil {
			return nil
		}
		ok = true
		return json.Unmarshal(v, &m)
	})
	if err != nil {
		return coursebot.Member{}, false, fmt.Errorf("read membership in %s: %w", cohort, err)
	}
	return m, ok, nil
}

// AcceptInvitation turns learner's pending invitation to cohort into a
// membership joined at, and returns it; ok is false (and nothing changes)
// when there is no pending invitation.
func (db *DB) AcceptInvitation(ctx context.Context, cohort, learner string, at time.Time) (m coursebot.Member, ok bool, err error) {
	if err := firstErr(ctx.Err(), checkKey("cohort", cohort), checkKey("learner", learner)); err != nil {
		return m, false, fmt.Errorf("accept invitation: %w", err)
	}
	learner = db.personOf(learner) // a linked identity's data is its person's (links.go)
	err = db.bolt.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketCohortMembers)
		k := memberKey(cohort, learner)
		v := b.Get(k)
		if v == nil {
			return nil
		}
		if err := json.Unmarshal(v, &m); err != nil {
			return fmt.Errorf("decode member %q: %w", k, err)
		}
		if !m.Pending {
			return nil
		}
		ok = true
		m.Pending, m.Joined = false, at
		return putJSON(b, k, m)
	})
	if err != nil {
		return coursebot.Member{}, false, fmt.Errorf("accept invitation to %s: %w", cohort, err)
	}
	return m, ok, nil
}

// RemoveMember removes learner's membership of cohort, or their pending
// invitation; removed is false if there was neither.
func (db *DB) RemoveMember(ctx context.Context, cohort, learner string) (removed bool, err error) {
	if err := firstErr(ctx.Err(), checkKey("cohort", cohort), checkKey("learner", learner)); err != nil {
		return false, fmt.Errorf("remove member: %w", err)
	}
	learner = db.personOf(learner) // a linked identity's data is its person's (links.go)
	err = db.bolt.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketCohortMembers)
		k := memberKey(cohort, learner)
		removed = b.Get(k) != nil
		return b.Delete(k)
	})
	if err != nil {
		return false, fmt.Errorf("remove from cohort %s: %w", cohort, err)
	}
	return removed, nil
}

// Members returns the cohort's members (not pending invitations) sorted by
// learner key.
func (db *DB) Members(ctx context.Context, cohort string) ([]coursebot.Member, error) {
	if err := firstErr(ctx.Err(), checkKey("cohort", cohort)); err != nil {
		return nil, fmt.Errorf("list members: %w", err)
	}
	var out []coursebot.Member
	prefix := []byte(cohort + sep)
	err := db.bolt.View(func(tx *bolt.Tx) error {
		c := tx.Bucket(bucketCohortMembers).Cursor()
		for k, v := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, v = c.Next() {
			var m coursebot.Member
			if err := json.Unmarshal(v, &m); err != nil {
				return fmt.Errorf("decode member %q: %w", k, err)
			}
			if !m.Pending {
				out = append(out, m)
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("list members of %s: %w", cohort, err)
	}
	return out, nil
}

// LearnerCohorts returns the names of the cohorts learner is a member of
// (not those they are only invited to).
func (db *DB) LearnerCohorts(ctx context.Context, learner string) ([]string, error) {
	ms, err := db.learnerRecords(ctx, learner, false)
	if err != nil {
		return nil, err
	}
	out := make([]string, 0, len(ms))
	for _, m := range ms {
		out = append(out, m.Cohort)
	}
	return out, nil
}

// Invitations returns learner's pending invitations, by cohort name.
func (db *DB) Invitations(ctx context.Context, learner string) ([]coursebot.Member, error) {
	return db.learnerRecords(ctx, learner, true)
}

func (db *DB) learnerRecords(ctx context.Context, learner string, pending bool) ([]coursebot.Member, error) {
	if err := firstErr(ctx.Err(), checkKey("learner", learner)); err != nil {
		return nil, fmt.Errorf("list cohorts of learner: %w", err)
	}
	learner = db.personOf(learner) // a linked identity's data is its person's (links.go)
	var out []coursebot.Member
	suffix := []byte(sep + learner)
	err := db.bolt.View(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketCohortMembers).ForEach(func(k, v []byte) error {
			if !bytes.HasSuffix(k, suffix) {
				return nil
			}
			var m coursebot.Member
			if err := json.Unmarshal(v, &m); err != nil {
				return fmt.Errorf("decode member %q: %w", k, err)
			}
			if m.Pending == pending {
				m.Cohort = string(k[:len(k)-len(suffix)])
				out = append(out, m)
			}
			return nil
		})
	})
	if err != nil {
		return nil, fmt.Errorf("list cohorts of a learner: %w", err)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Cohort < out[j].Cohort })
	return out, nil
}

// migrateMembersToInvitations is schema 1 -> 2: before it, a lead could add
// anyone to a cohort without their knowledge. Nobody agreed to those
// memberships, so every member a lead added (added_by set) becomes a
// pending invitation the learner can accept or decline; members who joined
// with the code (they typed it) stay members. See docs/cohorts.md.
func migrateMembersToInvitations(tx *bolt.Tx) error {
	b := tx.Bucket(bucketCohortMembers)
	type change struct{ k, v []byte }
	var changes []change
	if err := b.ForEach(func(k, v []byte) error {
		var m map[string]json.RawMessage
		if err := json.Unmarshal(v, &m); err != nil {
			return fmt.Errorf("decode member %q: %w", k, err)
		}
		var by string
		if raw, ok := m["added_by"]; !ok || json.Unmarshal(raw, &by) != nil || by == "" {
			return nil
		}
		m["pending"] = json.RawMessage("true")
		if joined, ok := m["joined"]; ok {
			m["invited"] = joined
			delete(m, "joined")
		}
		nv, err := json.Marshal(m)
		if err != nil {
			return fmt.Errorf("encode member %q: %w", k, err)
		}
		changes = append(changes, change{bytes.Clone(k), nv})
		return nil
	}); err != nil {
		return err
	}
	for _, c := range changes {
		if err := b.Put(c.k, c.v); err != nil {
			return fmt.Errorf("write member %q: %w", c.k, err)
		}
	}
	return nil
}

// NudgeState returns the learner's nudge state (zero with Learner set if none).
func (db *DB) NudgeState(ctx context.Context, learner string) (coursebot.NudgeState, error) {
	st := coursebot.NudgeState{Learner: learner}
	if err := firstErr(ctx.Err(), checkKey("learner", learner)); err != nil {
		return st, fmt.Errorf("read nudge state: %w", err)
	}
	learner = db.personOf(learner) // a linked identity's data is its person's (links.go)
	err := db.bolt.View(func(tx *bolt.Tx) error {
		if v := tx.Bucket(bucketNudgeState).Get([]byte(learner)); v != nil {
			return json.Unmarshal(v, &st)
		}
		return nil
	})
	if err != nil {
		return coursebot.NudgeState{Learner: learner}, fmt.Errorf("read nudge state: %w", err)
	}
	st.Learner = learner
	return st, nil
}

// UpdateNudgeState lets fn change the learner's nudge state and writes it
// (concurrent callers share a commit; fn may run more than once).
func (db *DB) UpdateNudgeState(ctx context.Context, learner string, fn func(*coursebot.NudgeState)) (coursebot.NudgeState, error) {
	var st coursebot.NudgeState
	if err := firstErr(ctx.Err(), checkKey("learner", learner)); err != nil {
		return st, fmt.Errorf("update nudge state: %w", err)
	}
	learner = db.personOf(learner) // a linked identity's data is its person's (links.go)
	err := db.bolt.Batch(func(tx *bolt.Tx) error {
		st = coursebot.NudgeState{}
		b := tx.Bucket(bucketNudgeState)
		if v := b.Get([]byte(learner)); v != nil {
			if err := json.Unmarshal(v, &st); err != nil {
				return err
			}
		}
		fn(&st)
		st.Learner = learner
		return putJSON(b, []byte(learner), st)
	})
	if err != nil {
		return coursebot.NudgeState{}, fmt.Errorf("update nudge state: %w", err)
	}
	return st, nil
}
