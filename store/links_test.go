package store_test

import (
	"context"
	"encoding/json"
	"errors"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/coursebot/coursebot"
	"github.com/coursebot/coursebot/store"
)

var (
	lt0    = time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	limits = store.LinkLimits{TTL: 10 * time.Minute, IssueLimit: 3, FailLimit: 5, Window: time.Hour}
)

func openLinks(t *testing.T) *store.DB {
	t.Helper()
	db, err := store.Open(filepath.Join(t.TempDir(), "links.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = db.Close() })
	return db
}

// history gives learner a record in lesson 4-4 (progress from fn), a
// cohort membership, a tutor exchange and a nudge state.
func history(t *testing.T, db *store.DB, learner, cohort string, fn func(*coursebot.Progress)) {
	t.Helper()
	ctx := context.Background()
	if _, _, err := db.UpdateProgress(ctx, learner, "4-4", func(r *coursebot.LearnerRecord, p *coursebot.Progress) error {
		r.Name, r.LastSeen, r.Active = learner, p.Updated, "4-4"
		fn(p)
		r.LastSeen = p.Updated
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := db.AddMember(ctx, coursebot.Member{Cohort: cohort, Learner: learner, Joined: lt0}); err != nil {
		t.Fatal(err)
	}
	if _, err := db.UpdateTutor(ctx, learner, func(r *coursebot.TutorRecord) error {
		r.Exchanges = append(r.Exchanges, coursebot.TutorExchange{Kind: coursebot.TutorHelp, Turns: []coursebot.TutorTurn{{Role: coursebot.RoleLearner, Text: "help from " + learner, At: lt0}}})
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := db.UpdateNudgeState(context.Background(), learner, func(s *coursebot.NudgeState) { s.Sent = map[string]int{"4-4": 1} }); err != nil {
		t.Fatal(err)
	}
}

func cohort(t *testing.T, db *store.DB, name string) {
	t.Helper()
	if err := db.CreateCohort(context.Background(), coursebot.Cohort{Name: name, Code: name + "-code", Timezone: "UTC"}); err != nil {
		t.Fatal(err)
	}
}

// twoAccounts is a learner on Slack and on Discord, unlinked, each with a
// history: Slack further in the lesson and in cohort spring, Discord with
// other answers and ticks and in cohort autumn.
func twoAccounts(t *testing.T) *store.DB {
	t.Helper()
	db := openLinks(t)
	cohort(t, db, "spring")
	cohort(t, db, "autumn")
	history(t, db, "slack:U1", "spring", func(p *coursebot.Progress) {
		p.Card, p.CardIndex, p.Started, p.Updated = "requirements-checklist", 9, lt0, lt0.Add(2*time.Hour)
		p.Answers = map[string]coursebot.Answer{"q1": {Text: "from slack", At: lt0.Add(time.Hour)}}
		p.Checks = map[string]bool{"c1": true}
	})
	history(t, db, "discord:9", "autumn", func(p *coursebot.Progress) {
		p.Card, p.CardIndex, p.Started, p.Updated = "architecture-review", 4, lt0.Add(3*time.Hour), lt0.Add(4*time.Hour)
		p.Answers = map[string]coursebot.Answer{"q2": {Text: "from discord", At: lt0.Add(3 * time.Hour)}}
		p.Checks = map[string]bool{"c2": true}
		p.Ratings = map[string]int{"r1": 4}
	})
	return db
}

func link(t *testing.T, db *store.DB, issuer, redeemer, code string) (store.LinkResult, error) {
	t.Helper()
	ctx := context.Background()
	if err := db.IssueLinkCode(ctx, issuer, code, lt0, limits); err != nil {
		t.Fatal(err)
	}
	return db.RedeemLinkCode(ctx, redeemer, code, lt0.Add(time.Minute), limits)
}

func TestLinkMergesTwoHistories(t *testing.T) {
	t.Parallel()
	db := twoAccounts(t)
	ctx := context.Background()
	res, err := link(t, db, "slack:U1", "discord:9", "h1")
	if err != nil {
		t.Fatal(err)
	}
	if res.Person != "slack:U1" || !slices.Equal(res.Identities, []string{"slack:U1", "discord:9"}) || res.Merged == 0 {
		t.Fatalf("result %+v", res)
	}
	// Both identities read one record.
	for _, who := range []string{"slack:U1", "discord:9"} {
		p, err := db.Progress(ctx, who, "4-4")
		if err != nil {
			t.Fatal(err)
		}
		if p.CardIndex != 9 || p.Answers["q1"].Text != "from slack" || p.Answers["q2"].Text != "from discord" ||
			!p.Checks["c1"] || !p.Checks["c2"] || p.Ratings["r1"] != 4 || !p.Started.Equal(lt0) {
			t.Errorf("%s reads %+v", who, p)
		}
		cs, err := db.LearnerCohorts(ctx, who)
		if err != nil || !slices.Equal(cs, []string{"autumn", "spring"}) {
			t.Errorf("%s's cohorts %v (%v)", who, cs, err)
		}
		tr, err := db.TutorRecord(ctx, who)
		if err != nil || len(tr.Exchanges) != 2 {
			t.Errorf("%s's tutor record %+v (%v)", who, tr, err)
		}
	}
	// One learner everywhere: one record, one row per cohort.
	learners, err := db.Learners(ctx)
	if err != nil || !slices.Equal(learners, []string{"slack:U1"}) {
		t.Errorf("learners %v (%v)", learners, err)
	}
	for _, c := range []string{"spring", "autumn"} {
		ms, err := db.Members(ctx, c)
		if err != nil || len(ms) != 1 || ms[0].Learner != "slack:U1" {
			t.Errorf("members of %s: %+v (%v)", c, ms, err)
		}
	}
	// A write through Discord lands on the person, and says where it came from.
	rec, _, err := db.UpdateProgress(ctx, "discord:9", "4-4", func(r *coursebot.LearnerRecord, p *coursebot.Progress) error {
		p.Checks["c3"] = true
		return nil
	})
	if err != nil || rec.Key != "slack:U1" || rec.Via != "discord:9" {
		t.Errorf("record %+v (%v)", rec, err)
	}
	if p, _ := db.Progress(ctx, "slack:U1", "4-4"); !p.Checks["c3"] {
		t.Error("a tick through Discord is not the person's")
	}
	// Export through either names both identities; forget through either
	// forgets the person.
	exp, err := db.LearnerData(ctx, "discord:9")
	if err != nil || !slices.Equal(exp.Identities, []string{"slack:U1", "discord:9"}) || len(exp.Progress) != 1 || len(exp.Memberships) != 2 {
		t.Errorf("export %+v (%v)", exp, err)
	}
	if _, err := db.ForgetLearner(ctx, "discord:9"); err != nil {
		t.Fatal(err)
	}
	for _, who := range []string{"slack:U1", "discord:9"} {
		exp, err := db.LearnerData(ctx, who)
		if err != nil || exp.Found || len(exp.Identities) != 1 {
			t.Errorf("after forget, %s: %+v (%v)", who, exp, err)
		}
	}
	if ls, _ := db.Links(ctx); len(ls) != 0 {
		t.Errorf("links after forget: %v", ls)
	}
}

// Every code that cannot link gets its own reason and changes nothing.
func TestLinkRefusalsChangeNothing(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	tests := []struct {
		name     string
		setup    func(t *testing.T, db *store.DB)
		redeemer string
		code     string
		at       time.Time
		want     error
	}{
		{"unknown", nil, "discord:9", "nope", lt0.Add(time.Minute), store.ErrCodeUnknown},
		{"expired", nil, "discord:9", "h1", lt0.Add(10 * time.Minute), store.ErrCodeExpired},
		{"typed on the account that asked", nil, "slack:U1", "h1", lt0.Add(time.Minute), store.ErrCodeOwn},
		{"another account on the same platform", nil, "slack:U2", "h1", lt0.Add(time.Minute), store.ErrSamePlatform},
		{"used already", func(t *testing.T, db *store.DB) {
			if _, err := db.RedeemLinkCode(ctx, "console:ada", "h1", lt0.Add(time.Minute), limits); err != nil {
				t.Fatal(err)
			}
		}, "discord:9", "h1", lt0.Add(2 * time.Minute), store.ErrCodeUsed},
		{"the redeemer is linked elsewhere", func(t *testing.T, db *store.DB) {
			if err := db.IssueLinkCode(ctx, "console:bob", "hb", lt0, limits); err != nil {
				t.Fatal(err)
			}
			if _, err := db.RedeemLinkCode(ctx, "discord:9", "hb", lt0.Add(time.Minute), limits); err != nil {
				t.Fatal(err)
			}
		}, "discord:9", "h1", lt0.Add(2 * time.Minute), store.ErrLinkedElsewhere},
		{"already one learner", func(t *testing.T, db *store.DB) {
			if err := db.IssueLinkCode(ctx, "discord:9", "hx", lt0, limits); err != nil {
				t.Fatal(err)
			}
			if _, err := db.RedeemLinkCode(ctx, "slack:U1", "hx", lt0.Add(time.Minute), limits); err != nil {
				t.Fatal(err)
			}
			if err := db.IssueLinkCode(ctx, "slack:U1", "h1", lt0.Add(time.Minute), limits); err != nil {
				t.Fatal(err)
			}
		}, "discord:9", "h1", lt0.Add(2 * time.Minute), store.ErrLinkedAlready},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			db := twoAccounts(t)
			if err := db.IssueLinkCode(ctx, "slack:U1", "h1", lt0, limits); err != nil {
				t.Fatal(err)
			}
			if tt.setup != nil {
				tt.setup(t, db)
			}
			before := dump(t, db)
			_, err := db.RedeemLinkCode(ctx, tt.redeemer, tt.code, tt.at, limits)
			if !errors.Is(err, tt.want) {
				t.Fatalf("redeem = %v, want %v", err, tt.want)
			}
			if after := dump(t, db); after != before {
				t.Errorf("a refused code changed the data:\n%s\n%s", before, after)
			}
		})
	}
}

func TestLinkRateLimits(t *testing.T) {
	t.Parallel()
	db := twoAccounts(t)
	ctx := context.Background()
	for i := range 3 {
		if err := db.IssueLinkCode(ctx, "slack:U1", "c"+string(rune('a'+i)), lt0.Add(time.Duration(i)*time.Minute), limits); err != nil {
			t.Fatal(err)
		}
	}
	var rl *store.RateLimitError
	if err := db.IssueLinkCode(ctx, "slack:U1", "cz", lt0.Add(5*time.Minute), limits); !errors.As(err, &rl) || !rl.Retry.Equal(lt0.Add(time.Hour)) {
		t.Errorf("a fourth code in the hour = %v, want a rate limit until %v", err, lt0.Add(time.Hour))
	}
	// Only the newest code works.
	if _, err := db.RedeemLinkCode(ctx, "discord:9", "ca", lt0.Add(6*time.Minute), limits); !errors.Is(err, store.ErrCodeExpired) {
		t.Errorf("an older code = %v, want expired", err)
	}
	for i := range 4 {
		if _, err := db.RedeemLinkCode(ctx, "discord:9", "wrong"+string(rune('a'+i)), lt0.Add(6*time.Minute), limits); !errors.Is(err, store.ErrCodeUnknown) {
			t.Fatalf("wrong code %d = %v", i, err)
		}
	}
	if _, err := db.RedeemLinkCode(ctx, "discord:9", "cc", lt0.Add(7*time.Minute), limits); !errors.As(err, &rl) {
		t.Errorf("the right code after five wrong ones = %v, want a rate limit", err)
	}
	if _, err := db.RedeemLinkCode(ctx, "discord:9", "cc", lt0.Add(7*time.Minute+time.Hour), limits); !errors.Is(err, store.ErrCodeExpired) {
		t.Errorf("after the window = %v, want the code expired by now", err)
	}
}

// TestLinkRateLimitsArePerPerson: accounts linked already share one
// allowance of codes (three accounts could ask for three times the codes).
func TestLinkRateLimitsArePerPerson(t *testing.T) {
	t.Parallel()
	db := twoAccounts(t)
	ctx := context.Background()
	if err := db.IssueLinkCode(ctx, "slack:U1", "first", lt0, limits); err != nil {
		t.Fatal(err)
	}
	if _, err := db.RedeemLinkCode(ctx, "discord:9", "first", lt0.Add(time.Minute), limits); err != nil {
		t.Fatal(err)
	}
	for i, who := range []string{"slack:U1", "discord:9"} {
		if err := db.IssueLinkCode(ctx, who, "more"+string(rune('a'+i)), lt0.Add(time.Duration(2+i)*time.Minute), limits); err != nil {
			t.Fatalf("code %d through %s: %v", i+2, who, err)
		}
	}
	var rl *store.RateLimitError
	if err := db.IssueLinkCode(ctx, "discord:9", "fourth", lt0.Add(5*time.Minute), limits); !errors.As(err, &rl) {
		t.Errorf("a fourth code in the hour through the other account = %v, want a rate limit", err)
	}
}

// Export and forget through any linked identity cover every identity:
// the person's data and each account's own lesson thread on its platform.
func TestExportAndForgetCoverEveryIdentity(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	for _, through := range []string{"slack:U1", "discord:9"} {
		t.Run(through, func(t *testing.T) {
			t.Parallel()
			db := twoAccounts(t)
			for _, th := range []coursebot.Thread{
				{Platform: "slack", Learner: "slack:U1", Lesson: "4-4", Channel: "D1", ThreadID: "1700000000.000100"},
				{Platform: "discord", Learner: "discord:9", Lesson: "4-4", Channel: "c1", ThreadID: "t9"},
			} {
				if err := db.PutThread(ctx, th); err != nil {
					t.Fatal(err)
				}
			}
			if _, err := link(t, db, "slack:U1", "discord:9", "h1"); err != nil {
				t.Fatal(err)
			}
			exp, err := db.LearnerData(ctx, through)
			if err != nil {
				t.Fatal(err)
			}
			var threads []string
			for _, th := range exp.Threads {
				threads = append(threads, th.Platform+"/"+th.Learner)
			}
			slices.Sort(threads)
			if !exp.Found || !slices.Equal(exp.Identities, []string{"slack:U1", "discord:9"}) ||
				!slices.Equal(threads, []string{"discord/discord:9", "slack/slack:U1"}) || len(exp.Memberships) != 2 || exp.Tutor == nil {
				t.Fatalf("export through %s: identities %v, threads %v, %d memberships, tutor %v", through, exp.Identities, threads, len(exp.Memberships), exp.Tutor != nil)
			}
			if n, err := db.ForgetLearner(ctx, through); err != nil || n == 0 {
				t.Fatalf("forget through %s = %d, %v", through, n, err)
			}
			for _, who := range []string{"slack:U1", "discord:9"} {
				platform, _, _ := strings.Cut(who, ":")
				if _, ok, err := db.ThreadFor(ctx, platform, who, "4-4"); ok || err != nil {
					t.Errorf("%s's thread after forget: %v %v", who, ok, err)
				}
				if exp, err := db.LearnerData(ctx, who); err != nil || exp.Found {
					t.Errorf("after forget through %s, %s: %+v (%v)", through, who, exp, err)
				}
			}
			if ls, _ := db.Learners(ctx); len(ls) != 0 {
				t.Errorf("learners after forget: %v", ls)
			}
			if ls, _ := db.Links(ctx); len(ls) != 0 {
				t.Errorf("links after forget: %v", ls)
			}
		})
	}
}

// /unlink splits every identity apart; the data stays with the one that
// asked.
func TestUnlinkLeavesTheDataWithTheAsker(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	for _, asker := range []string{"slack:U1", "discord:9"} {
		t.Run(asker, func(t *testing.T) {
			t.Parallel()
			db := twoAccounts(t)
			if _, err := link(t, db, "slack:U1", "discord:9", "h1"); err != nil {
				t.Fatal(err)
			}
			merged := progressJSON(t, db, "slack:U1")
			res, err := db.Unlink(ctx, asker)
			if err != nil {
				t.Fatal(err)
			}
			other := "discord:9"
			if asker == "discord:9" {
				other = "slack:U1"
			}
			if res.Kept != asker || !slices.Equal(res.Others, []string{other}) {
				t.Errorf("result %+v", res)
			}
			if got := progressJSON(t, db, asker); got != merged {
				t.Errorf("%s's progress after unlink = %s, want the merged %s", asker, got, merged)
			}
			if p, _ := db.Progress(ctx, other, "4-4"); p.State() != coursebot.StateNotStarted {
				t.Errorf("%s still has progress %+v", other, p)
			}
			if cs, _ := db.LearnerCohorts(ctx, asker); len(cs) != 2 {
				t.Errorf("%s's cohorts %v", asker, cs)
			}
			if _, err := db.Unlink(ctx, asker); !errors.Is(err, store.ErrNotLinked) {
				t.Errorf("a second unlink = %v", err)
			}
		})
	}
}

// A unit of the person's (an inbox item's work on Slack) that read before
// a link merged Discord's record into the person's, and commits after,
// does not overwrite what the merge brought.
func TestUnitCommittedAfterAMergeKeepsTheMerge(t *testing.T) {
	t.Parallel()
	db := twoAccounts(t)
	ctx := context.Background()
	uctx, commit := db.Begin(ctx, 1)
	if _, _, err := db.UpdateProgress(uctx, "slack:U1", "4-4", func(_ *coursebot.LearnerRecord, p *coursebot.Progress) error {
		p.Checks["c9"] = true
		p.Updated = lt0.Add(5 * time.Hour)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := link(t, db, "slack:U1", "discord:9", "h1"); err != nil {
		t.Fatal(err)
	}
	if err := commit(ctx); err != nil {
		t.Fatal(err)
	}
	p, err := db.Progress(ctx, "discord:9", "4-4")
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{"c1", "c2", "c9"} {
		if !p.Checks[id] {
			t.Errorf("%s lost: %v", id, p.Checks)
		}
	}
	if p.Answers["q2"].Text != "from discord" {
		t.Errorf("Discord's answer lost: %v", p.Answers)
	}
}

// A unit of an identity that a link merges away while it works commits
// into the person.
func TestUnitOfAMergedIdentityCommitsIntoThePerson(t *testing.T) {
	t.Parallel()
	db := twoAccounts(t)
	ctx := context.Background()
	uctx, commit := db.Begin(ctx, 1)
	if _, _, err := db.UpdateProgress(uctx, "discord:9", "4-4", func(_ *coursebot.LearnerRecord, p *coursebot.Progress) error {
		p.Answers["q3"] = coursebot.Answer{Text: "typed on Discord while linking", At: lt0.Add(5 * time.Hour)}
		p.Updated = lt0.Add(5 * time.Hour)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := link(t, db, "slack:U1", "discord:9", "h1"); err != nil {
		t.Fatal(err)
	}
	if err := commit(ctx); err != nil {
		t.Fatal(err)
	}
	p, err := db.Progress(ctx, "slack:U1", "4-4")
	if err != nil {
		t.Fatal(err)
	}
	if p.Answers["q3"].Text == "" || p.Answers["q1"].Text != "from slack" || p.Answers["q2"].Text != "from discord" {
		t.Errorf("answers %v", p.Answers)
	}
	if learners, _ := db.Learners(ctx); !slices.Equal(learners, []string{"slack:U1"}) {
		t.Errorf("learners %v: the merged identity came back", learners)
	}
}

// A file of schema 3 opens as schema 4 with nothing rewritten: every
// learner is a person of one identity.
func TestSchemaWithLinks(t *testing.T) {
	t.Parallel()
	db := openLinks(t)
	if v, err := db.Schema(); err != nil || v != 4 {
		t.Errorf("schema %d (%v), want 4", v, err)
	}
}

func progressJSON(t *testing.T, db *store.DB, who string) string {
	t.Helper()
	p, err := db.Progress(context.Background(), who, "4-4")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(p)
	return string(b)
}

// dump is every learner's data as the store exports it.
func dump(t *testing.T, db *store.DB) string {
	t.Helper()
	out := map[string]any{}
	for _, who := range []string{"slack:U1", "discord:9", "slack:U2", "console:ada", "console:bob"} {
		exp, err := db.LearnerData(context.Background(), who)
		if err != nil {
			t.Fatal(err)
		}
		out[who] = exp
	}
	links, err := db.Links(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	out["links"] = links
	b, _ := json.Marshal(out)
	return string(b)
}
