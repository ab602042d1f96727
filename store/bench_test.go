package store

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coursebot/coursebot"
	bolt "go.etcd.io/bbolt"
)

// benchModes are the write paths the write benchmarks compare: "group"
// is the store's (writers that arrive during a commit share the next one,
// commit.go), "alone" commits every update in its own transaction and
// fsync, as a baseline.
func benchModes() []string { return []string{"group", "alone"} }

func openBench(b *testing.B, mode string) *DB {
	db := openTemp(b, Options{})
	if mode == "alone" {
		db.bolt.group.close()
		db.bolt.group = newGroupCommit(db.bolt.Update, 1) // each update its own transaction
	}
	return db
}

// step is one learner step as the engine makes it: move to the next card,
// tick a checklist item, stamp the records.
func step(now time.Time, n int) func(*coursebot.LearnerRecord, *coursebot.Progress) error {
	return func(r *coursebot.LearnerRecord, p *coursebot.Progress) error {
		r.LastSeen, r.Active = now, p.Lesson
		if p.Started.IsZero() {
			p.Started = now
		}
		p.Updated = now
		p.CardIndex++
		p.Card = fmt.Sprintf("step-%d-architecture-review", p.CardIndex)
		if p.Checks == nil {
			p.Checks = map[string]bool{}
		}
		p.Checks[fmt.Sprintf("c%010x", n%30)] = true
		return nil
	}
}

func p99(d []time.Duration) time.Duration {
	if len(d) == 0 {
		return 0
	}
	slices.Sort(d)
	return d[(len(d)*99)/100]
}

// BenchmarkUpdateProgressSerial is one learner stepping through a lesson,
// one durable update at a time: the latency a single chat user sees.
func BenchmarkUpdateProgressSerial(b *testing.B) {
	for _, mode := range benchModes() {
		b.Run(mode, func(b *testing.B) {
			db := openBench(b, mode)
			ctx := context.Background()
			now := time.Now()
			var times []time.Duration
			n := 0
			for b.Loop() {
				start := time.Now()
				if _, _, err := db.UpdateProgress(ctx, "slack:U0000001", "4-4", step(now, n)); err != nil {
					b.Fatal(err)
				}
				times = append(times, time.Since(start))
				n++
			}
			b.ReportMetric(float64(p99(times)), "p99-ns")
		})
	}
}

// BenchmarkUpdateProgressParallel64 has 64 learners stepping at once, the
// way a cohort works through a lesson together: the batch shares fsyncs.
func BenchmarkUpdateProgressParallel64(b *testing.B) {
	const workers = 64
	for _, mode := range benchModes() {
		b.Run(mode, func(b *testing.B) {
			db := openBench(b, mode)
			ctx := context.Background()
			now := time.Now()
			start := time.Now()
			b.ResetTimer()
			var wg sync.WaitGroup
			for w := range workers {
				ops := b.N / workers
				if w < b.N%workers {
					ops++
				}
				wg.Go(func() {
					learner := fmt.Sprintf("slack:U%07d", w)
					for i := range ops {
						if _, _, err := db.UpdateProgress(ctx, learner, "4-4", step(now, i)); err != nil {
							b.Error(err)
							return
						}
					}
				})
			}
			wg.Wait()
			b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "steps/s")
		})
	}
}

// BenchmarkStore100kLearners fills a database with 100,000 learners who
// finished a 16-lesson course, reports its size, then times single steps
// and progress reads against the full file. Slow (a minute or more): it
// runs only with -bench.
func BenchmarkStore100kLearners(b *testing.B) {
	const (
		learners  = 100_000
		perTx     = 1000
		lessonsN  = 16
		bigLesson = 3 // the lesson with the long answers
	)
	path := filepath.Join(b.TempDir(), "100k.db")
	db, err := Open(path, Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer func() {
		if err := db.Close(); err != nil {
			b.Error(err)
		}
	}()

	rng := rand.New(rand.NewPCG(7, 100_000))
	keys := make([]string, learners)
	for i := range keys {
		if i%2 == 0 {
			keys[i] = fmt.Sprintf("slack:U%010X", rng.Uint64()&0xffffffffff)
		} else {
			keys[i] = fmt.Sprintf("discord:%018d", rng.Uint64()%1e18)
		}
	}
	lessonIDs := make([]string, lessonsN)
	for i := range lessonIDs {
		lessonIDs[i] = fmt.Sprintf("%d-%d", i/4+1, i%4+1)
	}
	answer := strings.Repeat("We would version the data with DVC and pin the model artefact in the registry; ", 3)[:200]
	t0 := time.Date(2025, 9, 1, 9, 0, 0, 0, time.UTC)
	record := func(lesson int, at time.Time) coursebot.Progress {
		p := coursebot.Progress{
			Lesson: lessonIDs[lesson], Card: "wrap-up-and-next-steps", CardIndex: 14,
			Started: at, Updated: at.Add(40 * time.Minute), Completed: at.Add(45 * time.Minute),
		}
		if lesson == bigLesson {
			p.Answers = map[string]coursebot.Answer{}
			for q := range 10 {
				p.Answers[fmt.Sprintf("q%010x", q)] = coursebot.Answer{Text: answer, At: at.Add(time.Duration(q) * time.Minute)}
			}
			p.Checks = map[string]bool{}
			for c := range 30 {
				p.Checks[fmt.Sprintf("c%010x", c)] = true
			}
			p.Ratings = map[string]int{}
			for r := range 16 {
				p.Ratings[fmt.Sprintf("r%010x", r)] = r%5 + 1
			}
		} else {
			p.Answers = map[string]coursebot.Answer{"q00000000aa": {Text: "Looks good to me.", At: at.Add(10 * time.Minute)}}
			p.Checks = map[string]bool{"c00000000aa": true, "c00000000bb": true}
		}
		return p
	}

	fillStart := time.Now()
	for lo := 0; lo < learners; lo += perTx {
		err := db.bolt.Update(func(tx *bolt.Tx) error {
			lb, pb := tx.Bucket(bucketLearners), tx.Bucket(bucketProgress)
			for i := lo; i < min(lo+perTx, learners); i++ {
				at := t0.Add(time.Duration(i) * time.Second)
				rec := coursebot.LearnerRecord{Key: keys[i], Name: fmt.Sprintf("Learner %d", i), Active: lessonIDs[lessonsN-1], LastSeen: at}
				if err := putJSON(lb, []byte(keys[i]), rec); err != nil {
					return err
				}
				for l := range lessonsN {
					if err := putJSON(pb, progressKey(keys[i], lessonIDs[l]), record(l, at)); err != nil {
						return err
					}
				}
			}
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
	}
	fill := time.Since(fillStart)
	var jsonBytes int64 // keys + JSON values of learners and progress
	var inuse int64     // bytes of pages actually holding data: what a compaction would keep
	_ = db.bolt.View(func(tx *bolt.Tx) error {
		for _, name := range [][]byte{bucketLearners, bucketProgress} {
			bk := tx.Bucket(name)
			_ = bk.ForEach(func(k, v []byte) error {
				jsonBytes += int64(len(k) + len(v))
				return nil
			})
			st := bk.Stats()
			inuse += int64(st.BranchInuse + st.LeafInuse)
		}
		return nil
	})
	size, err := db.Size()
	if err != nil {
		b.Fatal(err)
	}

	ctx := context.Background()
	var writes, reads []time.Duration
	n := 0
	for b.Loop() {
		learner := keys[rng.IntN(learners)]
		start := time.Now()
		if _, _, err := db.UpdateProgress(ctx, learner, lessonIDs[bigLesson], step(time.Now(), n)); err != nil {
			b.Fatal(err)
		}
		writes = append(writes, time.Since(start))
		start = time.Now()
		ps, err := db.LearnerProgress(ctx, learner)
		if err != nil || len(ps) != lessonsN {
			b.Fatalf("LearnerProgress: %d lessons, %v", len(ps), err)
		}
		reads = append(reads, time.Since(start))
		n++
	}
	b.ReportMetric(float64(size)/1e6, "MB")
	b.ReportMetric(float64(jsonBytes)/1e6, "kv-MB")
	b.ReportMetric(float64(inuse)/1e6, "inuse-MB")
	b.ReportMetric(fill.Seconds(), "fill-s")
	b.ReportMetric(float64(p99(writes)), "update-p99-ns")
	b.ReportMetric(float64(p99(reads)), "read16-p99-ns")
	if fi, err := os.Stat(path); err == nil && fi.Size() != size {
		b.Errorf("Size() %d, file %d", size, fi.Size())
	}
}
