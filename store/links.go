package store

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	bolt "go.etcd.io/bbolt"
)

// Linked identities (docs/identity.md). A person is keyed by the learner
// key of the identity they started with ("slack:U1"); each other identity
// linked to them has an entry in links: "discord:9" -> "slack:U1". Every
// method that reads or writes a learner's data resolves the key it is
// given to the person's first (personOf), so the engine, the cohort layer,
// the tutor and the scheduler keep passing the identity they see and all
// land on one record. Threads, dedup records and inbox items stay keyed by
// the identity: they belong to a platform.
//
//	links       identityKey -> Link
//	link_codes  "code" \x00 SHA-256(code) hex -> linkCode
//	            "issued" \x00 identityKey -> []time.Time (codes issued, for the rate limit)
//	            "failed" \x00 identityKey -> []time.Time (wrong codes typed)

var (
	bucketLinks     = []byte("links")
	bucketLinkCodes = []byte("link_codes")
)

// Link is one identity linked to a person.
type Link struct {
	Identity string    `json:"identity"`
	Person   string    `json:"person"`
	At       time.Time `json:"at"`
}

// linkCode is a one-time code waiting to be typed on another account.
type linkCode struct {
	Issuer  string    `json:"issuer"` // the identity that asked for it
	Issued  time.Time `json:"issued"`
	Expires time.Time `json:"expires"`
	Used    time.Time `json:"used,omitzero"`
}

// Why a code links nothing; each is one sentence for the learner.
var (
	ErrCodeUnknown     = errors.New("no such link code")
	ErrCodeExpired     = errors.New("the link code expired")
	ErrCodeUsed        = errors.New("the link code was used already")
	ErrCodeOwn         = errors.New("the link code was typed on the account that asked for it")
	ErrSamePlatform    = errors.New("both accounts are on the same platform")
	ErrLinkedAlready   = errors.New("the accounts are linked already")
	ErrLinkedElsewhere = errors.New("the account is linked to another already")
	ErrNotLinked       = errors.New("the account is not linked")
)

// RateLimitError says a link request was refused for its rate limit;
// Retry is when the next is allowed.
type RateLimitError struct{ Retry time.Time }

func (e *RateLimitError) Error() string {
	return "too many link requests; retry at " + e.Retry.Format(time.RFC3339)
}

// links is the in-memory copy of the links bucket, for resolving keys
// without a transaction; the bucket is the truth, and every write of it
// refreshes this after its commit.
type links struct {
	mu sync.RWMutex
	to map[string]string // identity -> person
}

func (l *links) person(key string) string {
	l.mu.RLock()
	defer l.mu.RUnlock()
	if p, ok := l.to[key]; ok {
		return p
	}
	return key
}

func (l *links) load(tx *bolt.Tx) error {
	to := map[string]string{}
	err := tx.Bucket(bucketLinks).ForEach(func(k, v []byte) error {
		var lk Link
		if err := json.Unmarshal(v, &lk); err != nil {
			return fmt.Errorf("decode link %q: %w", k, err)
		}
		to[string(k)] = lk.Person
		return nil
	})
	if err != nil {
		return err
	}
	l.mu.Lock()
	l.to = to
	l.mu.Unlock()
	return nil
}

// refresh reloads the in-memory links after a write of the bucket.
func (db *DB) refreshLinks() error {
	return db.bolt.View(db.links.load)
}

// personOf is the person key learner's data is kept under.
func (db *DB) personOf(learner string) string { return db.links.person(learner) }

// resolveTx is personOf inside a transaction.
func resolveTx(tx *bolt.Tx, key string) string {
	if v := tx.Bucket(bucketLinks).Get([]byte(key)); v != nil {
		var lk Link
		if json.Unmarshal(v, &lk) == nil && lk.Person != "" {
			return lk.Person
		}
	}
	return key
}

// Person returns the person key learner's data is kept under and every
// identity of that person (the person's own first), sorted after it.
func (db *DB) Person(ctx context.Context, learner string) (string, []string, error) {
	if err := firstErr(ctx.Err(), checkKey("learner", learner)); err != nil {
		return "", nil, fmt.Errorf("read links: %w", err)
	}
	var person string
	var ids []string
	err := db.bolt.View(func(tx *bolt.Tx) error {
		person = resolveTx(tx, learner)
		ids = identitiesTx(tx, person)
		return nil
	})
	if err != nil {
		return "", nil, fmt.Errorf("read links: %w", err)
	}
	return person, ids, nil
}

// Reach returns the identity a direct message to learner goes to: the
// one the person last came through (LearnerRecord.Via) while it is still
// theirs, else learner's person key.
func (db *DB) Reach(ctx context.Context, learner string) (string, error) {
	if err := firstErr(ctx.Err(), checkKey("learner", learner)); err != nil {
		return "", fmt.Errorf("reach learner: %w", err)
	}
	var to string
	err := db.bolt.View(func(tx *bolt.Tx) error {
		person := resolveTx(tx, learner)
		to = person
		rec, err := getLearner(tx, person)
		if err != nil {
			return err
		}
		if rec.Via != "" && slices.Contains(identitiesTx(tx, person), rec.Via) {
			to = rec.Via
		}
		return nil
	})
	if err != nil {
		return "", fmt.Errorf("reach learner: %w", err)
	}
	return to, nil
}

// identitiesTx lists person's identities: the person's own key first,
// then those linked to it, sorted.
func identitiesTx(tx *bolt.Tx, person string) []string {
	var others []string
	_ = tx.Bucket(bucketLinks).ForEach(func(k, v []byte) error {
		var lk Link
		if json.Unmarshal(v, &lk) == nil && lk.Person == person {
			others = append(others, string(k))
		}
		return nil
	})
	sort.Strings(others)
	return append([]string{person}, others...)
}

// Links lists every person with more than one identity: each person's
// links, by person.
func (db *DB) Links(ctx context.Context) (map[string][]Link, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("list links: %w", err)
	}
	out := map[string][]Link{}
	err := db.bolt.View(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketLinks).ForEach(func(k, v []byte) error {
			var lk Link
			if err := json.Unmarshal(v, &lk); err != nil {
				return fmt.Errorf("decode link %q: %w", k, err)
			}
			out[lk.Person] = append(out[lk.Person], lk)
			return nil
		})
	})
	if err != nil {
		return nil, fmt.Errorf("list links: %w", err)
	}
	for _, ls := range out {
		sort.Slice(ls, func(i, j int) bool { return ls[i].Identity < ls[j].Identity })
	}
	return out, nil
}

func codeKey(hash string) []byte       { return []byte("code" + sep + hash) }
func issuedKey(identity string) []byte { return []byte("issued" + sep + identity) }
func failedKey(identity string) []byte { return []byte("failed" + sep + identity) }

// LinkLimits bound link codes: IssueLimit codes an identity may ask for,
// and FailLimit wrong codes it may type, in each Window.
type LinkLimits struct {
	TTL        time.Duration // a code's life
	IssueLimit int
	FailLimit  int
	Window     time.Duration
}

// IssueLinkCode keeps the hash of a new code issued to identity, valid
// for lim.TTL from now. Past lim.IssueLimit codes in lim.Window it keeps
// nothing and returns a *RateLimitError. Codes of the identity not yet
// used are void from now: only the newest works.
func (db *DB) IssueLinkCode(ctx context.Context, identity, hash string, now time.Time, lim LinkLimits) error {
	if err := firstErr(ctx.Err(), checkKey("learner", identity), checkKey("code", hash)); err != nil {
		return fmt.Errorf("issue link code: %w", err)
	}
	var limited *RateLimitError
	err := db.bolt.Update(func(tx *bolt.Tx) error {
		limited = nil
		b := tx.Bucket(bucketLinkCodes)
		if err := pruneCodes(b, now); err != nil {
			return err
		}
		// Counted per person: linked accounts share one allowance.
		who := resolveTx(tx, identity)
		times, err := recent(b, issuedKey(who), now, lim.Window)
		if err != nil {
			return err
		}
		if len(times) >= lim.IssueLimit {
			limited = &RateLimitError{Retry: times[0].Add(lim.Window)}
			return nil
		}
		// Void the identity's other open codes.
		if err := eachCode(b, func(k []byte, c linkCode) error {
			if c.Issuer == identity && c.Used.IsZero() && now.Before(c.Expires) {
				c.Expires = now
				return putJSON(b, k, c)
			}
			return nil
		}); err != nil {
			return err
		}
		if err := putJSON(b, issuedKey(who), append(times, now)); err != nil {
			return err
		}
		return putJSON(b, codeKey(hash), linkCode{Issuer: identity, Issued: now, Expires: now.Add(lim.TTL)})
	})
	if err != nil {
		return fmt.Errorf("issue link code: %w", err)
	}
	if limited != nil {
		return limited
	}
	return nil
}

// LinkResult is what a redeemed code joined.
type LinkResult struct {
	Person     string   // the person key everything is kept under now
	Identities []string // the person's identities, its own first
	// Merged counts the records of the redeeming identity merged into the
	// person's (lessons, memberships, ...).
	Merged int
}

// RedeemLinkCode links redeemer to the person of the code's issuer, in one
// transaction: the redeemer's records are merged into the person's
// (coursebot.MergeProgress and the other merge rules) and its key then
// resolves to the person. A code that is unknown, expired or used, typed
// on the account that asked for it or on another account of the same
// platform, or a redeemer linked already, changes nothing but the count of
// wrong codes (past lim.FailLimit in lim.Window: a *RateLimitError).
func (db *DB) RedeemLinkCode(ctx context.Context, redeemer, hash string, now time.Time, lim LinkLimits) (LinkResult, error) {
	var res LinkResult
	if err := firstErr(ctx.Err(), checkKey("learner", redeemer), checkKey("code", hash)); err != nil {
		return res, fmt.Errorf("redeem link code: %w", err)
	}
	var refused error
	err := db.bolt.Update(func(tx *bolt.Tx) error {
		res, refused = LinkResult{}, nil
		b := tx.Bucket(bucketLinkCodes)
		who := resolveTx(tx, redeemer) // counted per person, as issued codes are
		fails, err := recent(b, failedKey(who), now, lim.Window)
		if err != nil {
			return err
		}
		if len(fails) >= lim.FailLimit {
			refused = &RateLimitError{Retry: fails[0].Add(lim.Window)}
			return nil
		}
		refused = checkCode(tx, b, redeemer, hash, now)
		if refused != nil {
			if errors.Is(refused, ErrCodeUnknown) || errors.Is(refused, ErrCodeExpired) || errors.Is(refused, ErrCodeUsed) {
				return putJSON(b, failedKey(who), append(fails, now))
			}
			return nil
		}
		var c linkCode
		if err := json.Unmarshal(b.Get(codeKey(hash)), &c); err != nil {
			return fmt.Errorf("decode link code: %w", err)
		}
		c.Used = now
		if err := putJSON(b, codeKey(hash), c); err != nil {
			return err
		}
		person := resolveTx(tx, c.Issuer)
		n, err := mergeLearnerTx(tx, redeemer, person)
		if err != nil {
			return err
		}
		if err := putJSON(tx.Bucket(bucketLinks), []byte(redeemer), Link{Identity: redeemer, Person: person, At: now}); err != nil {
			return err
		}
		res = LinkResult{Person: person, Identities: identitiesTx(tx, person), Merged: n}
		return nil
	})
	if err != nil {
		return LinkResult{}, fmt.Errorf("redeem link code: %w", err)
	}
	if refused != nil {
		return LinkResult{}, refused
	}
	return res, db.refreshLinks()
}

// checkCode says why redeemer may not redeem the code hash, nil if it may.
func checkCode(tx *bolt.Tx, b *bolt.Bucket, redeemer, hash string, now time.Time) error {
	v := b.Get(codeKey(hash))
	if v == nil {
		return ErrCodeUnknown
	}
	var c linkCode
	if err := json.Unmarshal(v, &c); err != nil {
		return fmt.Errorf("decode link code: %w", err)
	}
	issuerPerson, redeemerPerson := resolveTx(tx, c.Issuer), resolveTx(tx, redeemer)
	switch {
	case !c.Used.IsZero():
		return ErrCodeUsed
	case !now.Before(c.Expires):
		return ErrCodeExpired
	case c.Issuer == redeemer:
		return ErrCodeOwn
	case issuerPerson == redeemerPerson:
		return ErrLinkedAlready
	case redeemerPerson != redeemer || len(identitiesTx(tx, redeemer)) > 1:
		return ErrLinkedElsewhere
	}
	for _, id := range identitiesTx(tx, issuerPerson) {
		if platformOf(id) == platformOf(redeemer) {
			return ErrSamePlatform
		}
	}
	return nil
}

func platformOf(key string) string {
	p, _, _ := strings.Cut(key, ":")
	return p
}

// UnlinkResult is what an unlink split.
type UnlinkResult struct {
	Kept   string   // the identity that keeps the data
	Others []string // the identities split off, each a learner of its own now, without data
}

// Unlink splits every identity of the person identity belongs to apart,
// in one transaction. The data stays with identity (the one that asked):
// when it is not the person's first identity, the person's records move
// to its key. The other identities start afresh (their threads, dedup
// records and requests stay theirs).
func (db *DB) Unlink(ctx context.Context, identity string) (UnlinkResult, error) {
	var res UnlinkResult
	if err := firstErr(ctx.Err(), checkKey("learner", identity)); err != nil {
		return res, fmt.Errorf("unlink: %w", err)
	}
	var refused error
	err := db.bolt.Update(func(tx *bolt.Tx) error {
		res, refused = UnlinkResult{}, nil
		person := resolveTx(tx, identity)
		ids := identitiesTx(tx, person)
		if len(ids) < 2 {
			refused = ErrNotLinked
			return nil
		}
		lb := tx.Bucket(bucketLinks)
		for _, id := range ids[1:] {
			if err := lb.Delete([]byte(id)); err != nil {
				return fmt.Errorf("delete link: %w", err)
			}
		}
		if identity != person {
			if _, err := mergeLearnerTx(tx, person, identity); err != nil {
				return err
			}
		}
		res.Kept = identity
		for _, id := range ids {
			if id != identity {
				res.Others = append(res.Others, id)
			}
		}
		return nil
	})
	if err != nil {
		return UnlinkResult{}, fmt.Errorf("unlink: %w", err)
	}
	if refused != nil {
		return UnlinkResult{}, refused
	}
	return res, db.refreshLinks()
}

// recent reads the times under key within window before now, oldest
// first.
func recent(b *bolt.Bucket, key []byte, now time.Time, window time.Duration) ([]time.Time, error) {
	var ts []time.Time
	if v := b.Get(key); v != nil {
		if err := json.Unmarshal(v, &ts); err != nil {
			return nil, fmt.Errorf("decode %q: %w", key, err)
		}
	}
	kept := ts[:0]
	for _, t := range ts {
		if now.Sub(t) < window && !t.After(now) {
			kept = append(kept, t)
		}
	}
	return kept, nil
}

func eachCode(b *bolt.Bucket, fn func(k []byte, c linkCode) error) error {
	prefix := []byte("code" + sep)
	type kv struct {
		k []byte
		c linkCode
	}
	var all []kv
	c := b.Cursor()
	for k, v := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, v = c.Next() {
		var lc linkCode
		if err := json.Unmarshal(v, &lc); err != nil {
			return fmt.Errorf("decode link code: %w", err)
		}
		all = append(all, kv{bytes.Clone(k), lc})
	}
	for _, x := range all {
		if err := fn(x.k, x.c); err != nil {
			return err
		}
	}
	return nil
}

// codeKept is how long a used or expired code is kept (so typing it says
// "used" or "expired" rather than "unknown").
const codeKept = 24 * time.Hour

// pruneCodes deletes codes that expired more than codeKept ago.
func pruneCodes(b *bolt.Bucket, now time.Time) error {
	var doomed [][]byte
	if err := eachCode(b, func(k []byte, c linkCode) error {
		if now.Sub(c.Expires) > codeKept {
			doomed = append(doomed, k)
		}
		return nil
	}); err != nil {
		return err
	}
	for _, k := range doomed {
		if err := b.Delete(k); err != nil {
			return err
		}
	}
	return nil
}

// forgetLinks deletes learner's link and the link records of the
// identity (codes it asked for, its rate-limit counts).
func forgetLinks(tx *bolt.Tx, learner string) (int, error) {
	n, err := deleteKeys(tx.Bucket(bucketLinks), func(k []byte) bool { return string(k) == learner })
	if err != nil {
		return n, err
	}
	b := tx.Bucket(bucketLinkCodes)
	var doomed [][]byte
	if err := eachCode(b, func(k []byte, c linkCode) error {
		if c.Issuer == learner {
			doomed = append(doomed, k)
		}
		return nil
	}); err != nil {
		return n, err
	}
	doomed = append(doomed, issuedKey(learner), failedKey(learner))
	for _, k := range doomed {
		if b.Get(k) != nil {
			if err := b.Delete(k); err != nil {
				return n, err
			}
			n++
		}
	}
	return n, nil
}
