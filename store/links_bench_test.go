package store_test

import (
	"context"
	"fmt"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/coursebot/coursebot"
	"github.com/coursebot/coursebot/store"
)

// BenchmarkLinkMerge links two accounts of one learner in a file of 500
// other learners, all in one cohort: each account has 16 lessons of
// progress (10 answers, ticks, ratings and quiz results each) and the
// cohort's membership. One op is /link's code issued on one account and
// redeemed on the other: the merge of the two histories, in one fsynced
// transaction each. Target (cmd/benchtable): < 50 ms, far inside the 3 s
// in which Slack and Discord want /link CODE acknowledged.
func BenchmarkLinkMerge(b *testing.B) {
	db, err := store.Open(filepath.Join(b.TempDir(), "bench.db"), store.Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer func() { _ = db.Close() }()
	ctx := context.Background()
	if err := db.CreateCohort(ctx, coursebot.Cohort{Name: "c", Code: "c", Timezone: "UTC"}); err != nil {
		b.Fatal(err)
	}
	// fill writes the lessons of each learner in whos: concurrently, so
	// that the store's batching shares the commits and the setup stays
	// short next to what is measured.
	fill := func(lessons int, whos ...string) {
		var wg sync.WaitGroup
		errs := make(chan error, lessons*len(whos))
		for _, who := range whos {
			for l := range lessons {
				wg.Go(func() {
					lesson := fmt.Sprintf("%d-%d", l/4+1, l%4+1)
					_, _, err := db.UpdateProgress(ctx, who, lesson, func(r *coursebot.LearnerRecord, p *coursebot.Progress) error {
						r.Name, r.LastSeen = who, lt0
						p.Card, p.CardIndex, p.Started, p.Updated = "c9", 9, lt0, lt0
						p.Answers, p.Checks, p.Ratings, p.Quiz = map[string]coursebot.Answer{}, map[string]bool{}, map[string]int{}, map[string]coursebot.QuizResult{}
						for i := range 10 {
							id := fmt.Sprint(i)
							p.Answers["q"+id] = coursebot.Answer{Text: "an answer of a few words from " + who, At: lt0}
							p.Checks["c"+id], p.Ratings["r"+id] = true, i%5+1
							p.Quiz["z"+id] = coursebot.QuizResult{First: "A", At: lt0, Tries: 1}
						}
						return nil
					})
					errs <- err
				})
			}
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			if err != nil {
				b.Fatal(err)
			}
		}
		for _, who := range whos {
			if _, err := db.AddMember(ctx, coursebot.Member{Cohort: "c", Learner: who, Joined: lt0}); err != nil {
				b.Fatal(err)
			}
		}
	}
	others := make([]string, 500)
	for i := range others {
		others[i] = fmt.Sprintf("slack:X%d", i)
	}
	fill(1, others...)
	lim := store.LinkLimits{TTL: time.Hour, IssueLimit: 1 << 20, FailLimit: 1, Window: time.Hour}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		s, d := fmt.Sprintf("slack:L%d", i), fmt.Sprintf("discord:%d", i)
		fill(16, s, d)
		b.StartTimer()
		if err := db.IssueLinkCode(ctx, s, fmt.Sprint("h", i), lt0, lim); err != nil {
			b.Fatal(err)
		}
		if _, err := db.RedeemLinkCode(ctx, d, fmt.Sprint("h", i), lt0.Add(time.Minute), lim); err != nil {
			b.Fatal(err)
		}
	}
}
