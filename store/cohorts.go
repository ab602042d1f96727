package store

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"time"

	bolt "go.etcd.io/bbolt"
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

// ErrExists is returned when creating something that is already there.
var ErrExists = errors.New("already exists")

// ErrNotFound is returned when updating something that is not there.
var ErrNotFound = errors.New("not found")

// Cohort is a group of learners with leads and, optionally, a channel.
type Cohort struct {
	Name string `json:"name"`
	// Code is what learners type to join (/cohort join CODE).
	Code string `json:"code"`
	// Channel is "platform:channel-id" where reminders are posted; "" =
	// reminders go to each member by DM.
	Channel   string    `json:"channel,omitempty"`
	Timezone  string    `json:"timezone"`
	Leads     []string  `json:"leads,omitempty"` // learner keys
	Created   time.Time `json:"created"`
	CreatedBy string    `json:"created_by"`
}

// IsLead reports whether learner (a key) leads the cohort.
func (c Cohort) IsLead(learner string) bool {
	for _, l := range c.Leads {
		if l == learner {
			return true
		}
	}
	return false
}

// Member is one learner's membership of a cohort.
type Member struct {
	Cohort  string    `json:"cohort"`
	Learner string    `json:"learner"`
	Joined  time.Time `json:"joined"`
	AddedBy string    `json:"added_by,omitempty"` // "" = joined with the code
}

// NudgeState is what the scheduler keeps about nudging one learner.
type NudgeState struct {
	Learner     string               `json:"learner"`
	OptOut      bool                 `json:"opt_out,omitempty"`
	SnoozeUntil time.Time            `json:"snooze_until,omitzero"`
	Sent        map[string]int       `json:"sent,omitempty"` // lesson -> nudges sent
	Last        map[string]time.Time `json:"last,omitempty"` // lesson -> last nudge
}

// CreateCohort stores a new cohort; ErrExists if the name or code is taken.
func (db *DB) CreateCohort(ctx context.Context, c Cohort) error {
	if err := firstErr(ctx.Err(), checkKey("cohort", c.Name), checkKey("code", c.Code)); err != nil {
		return fmt.Errorf("create cohort: %w", err)
	}
	err := db.bolt.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketCohorts)
		if b.Get([]byte(c.Name)) != nil {
			return fmt.Errorf("cohort %q: %w", c.Name, ErrExists)
		}
		dup := false
		if err := b.ForEach(func(_, v []byte) error {
			var o Cohort
			if err := json.Unmarshal(v, &o); err != nil {
				return err
			}
			dup = dup || o.Code == c.Code
			return nil
		}); err != nil {
			return err
		}
		if dup {
			return fmt.Errorf("join code: %w", ErrExists)
		}
		return putJSON(b, []byte(c.Name), c)
	})
	if err != nil {
		return fmt.Errorf("create cohort %s: %w", c.Name, err)
	}
	return nil
}

// Cohort returns the named cohort and whether it exists.
func (db *DB) Cohort(ctx context.Context, name string) (Cohort, bool, error) {
	var c Cohort
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
		return Cohort{}, false, fmt.Errorf("read cohort %s: %w", name, err)
	}
	return c, ok, nil
}

// Cohorts returns every cohort, by name.
func (db *DB) Cohorts(ctx context.Context) ([]Cohort, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("list cohorts: %w", err)
	}
	var out []Cohort
	err := db.bolt.View(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketCohorts).ForEach(func(k, v []byte) error {
			var c Cohort
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
// ErrNotFound if there is none. fn's error is returned and nothing written.
func (db *DB) UpdateCohort(ctx context.Context, name string, fn func(*Cohort) error) (Cohort, error) {
	var c Cohort
	if err := firstErr(ctx.Err(), checkKey("cohort", name)); err != nil {
		return c, fmt.Errorf("update cohort: %w", err)
	}
	err := db.bolt.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketCohorts)
		v := b.Get([]byte(name))
		if v == nil {
			return fmt.Errorf("cohort %q: %w", name, ErrNotFound)
		}
		c = Cohort{}
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
		return Cohort{}, fmt.Errorf("update cohort %s: %w", name, err)
	}
	return c, nil
}

func memberKey(cohort, learner string) []byte { return []byte(cohort + sep + learner) }

// AddMember adds learner to cohort; added is false if already a member.
func (db *DB) AddMember(ctx context.Context, m Member) (added bool, err error) {
	if err := firstErr(ctx.Err(), checkKey("cohort", m.Cohort), checkKey("learner", m.Learner)); err != nil {
		return false, fmt.Errorf("add member: %w", err)
	}
	err = db.bolt.Batch(func(tx *bolt.Tx) error {
		added = false
		if tx.Bucket(bucketCohorts).Get([]byte(m.Cohort)) == nil {
			return fmt.Errorf("cohort %q: %w", m.Cohort, ErrNotFound)
		}
		b := tx.Bucket(bucketCohortMembers)
		k := memberKey(m.Cohort, m.Learner)
		if b.Get(k) != nil {
			return nil
		}
		added = true
		return putJSON(b, k, m)
	})
	if err != nil {
		return false, fmt.Errorf("add %s to cohort %s: %w", m.Learner, m.Cohort, err)
	}
	return added, nil
}

// RemoveMember removes learner from cohort; removed is false if they were
// not a member.
func (db *DB) RemoveMember(ctx context.Context, cohort, learner string) (removed bool, err error) {
	if err := firstErr(ctx.Err(), checkKey("cohort", cohort), checkKey("learner", learner)); err != nil {
		return false, fmt.Errorf("remove member: %w", err)
	}
	err = db.bolt.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketCohortMembers)
		k := memberKey(cohort, learner)
		removed = b.Get(k) != nil
		return b.Delete(k)
	})
	if err != nil {
		return false, fmt.Errorf("remove %s from cohort %s: %w", learner, cohort, err)
	}
	return removed, nil
}

// Members returns the cohort's members sorted by learner key.
func (db *DB) Members(ctx context.Context, cohort string) ([]Member, error) {
	if err := firstErr(ctx.Err(), checkKey("cohort", cohort)); err != nil {
		return nil, fmt.Errorf("list members: %w", err)
	}
	var out []Member
	prefix := []byte(cohort + sep)
	err := db.bolt.View(func(tx *bolt.Tx) error {
		c := tx.Bucket(bucketCohortMembers).Cursor()
		for k, v := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, v = c.Next() {
			var m Member
			if err := json.Unmarshal(v, &m); err != nil {
				return fmt.Errorf("decode member %q: %w", k, err)
			}
			out = append(out, m)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("list members of %s: %w", cohort, err)
	}
	return out, nil
}

// LearnerCohorts returns the names of the cohorts learner belongs to.
func (db *DB) LearnerCohorts(ctx context.Context, learner string) ([]string, error) {
	if err := firstErr(ctx.Err(), checkKey("learner", learner)); err != nil {
		return nil, fmt.Errorf("list cohorts of learner: %w", err)
	}
	var out []string
	suffix := []byte(sep + learner)
	err := db.bolt.View(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketCohortMembers).ForEach(func(k, _ []byte) error {
			if bytes.HasSuffix(k, suffix) {
				out = append(out, string(k[:len(k)-len(suffix)]))
			}
			return nil
		})
	})
	if err != nil {
		return nil, fmt.Errorf("list cohorts of %s: %w", learner, err)
	}
	sort.Strings(out)
	return out, nil
}

// NudgeState returns the learner's nudge state (zero with Learner set if none).
func (db *DB) NudgeState(ctx context.Context, learner string) (NudgeState, error) {
	st := NudgeState{Learner: learner}
	if err := firstErr(ctx.Err(), checkKey("learner", learner)); err != nil {
		return st, fmt.Errorf("read nudge state: %w", err)
	}
	err := db.bolt.View(func(tx *bolt.Tx) error {
		if v := tx.Bucket(bucketNudgeState).Get([]byte(learner)); v != nil {
			return json.Unmarshal(v, &st)
		}
		return nil
	})
	if err != nil {
		return NudgeState{Learner: learner}, fmt.Errorf("read nudge state of %s: %w", learner, err)
	}
	st.Learner = learner
	return st, nil
}

// UpdateNudgeState lets fn change the learner's nudge state and writes it
// (concurrent callers share a commit; fn may run more than once).
func (db *DB) UpdateNudgeState(ctx context.Context, learner string, fn func(*NudgeState)) (NudgeState, error) {
	var st NudgeState
	if err := firstErr(ctx.Err(), checkKey("learner", learner)); err != nil {
		return st, fmt.Errorf("update nudge state: %w", err)
	}
	err := db.bolt.Batch(func(tx *bolt.Tx) error {
		st = NudgeState{}
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
		return NudgeState{}, fmt.Errorf("update nudge state of %s: %w", learner, err)
	}
	return st, nil
}
