package store

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/coursebot/coursebot"
)

func assertProgress(t *testing.T, got, want coursebot.Progress) {
	t.Helper()
	// time.Time values lose their monotonic clock reading in JSON; compare
	// with Equal via reflect on normalised copies.
	norm := func(p coursebot.Progress) coursebot.Progress {
		p.Started, p.Updated, p.Completed = p.Started.UTC(), p.Updated.UTC(), p.Completed.UTC()
		if p.Answers != nil {
			as := make(map[string]coursebot.Answer, len(p.Answers))
			for k, a := range p.Answers {
				a.At = a.At.UTC()
				as[k] = a
			}
			p.Answers = as
		}
		return p
	}
	if !reflect.DeepEqual(norm(got), norm(want)) {
		t.Errorf("progress\n got %+v\nwant %+v", got, want)
	}
}

func TestProgressRoundTrip(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := openTemp(t, Options{})
	at := time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)

	// Absent: zero values with the keys set.
	p, err := db.Progress(ctx, "slack:U1", "1-1")
	if err != nil {
		t.Fatal(err)
	}
	assertProgress(t, p, coursebot.Progress{Lesson: "1-1"})
	rec, err := db.Learner(ctx, "slack:U1")
	if err != nil {
		t.Fatal(err)
	}
	if rec != (coursebot.LearnerRecord{Key: "slack:U1"}) {
		t.Errorf("absent learner %+v", rec)
	}
	all, err := db.LearnerProgress(ctx, "slack:U1")
	if err != nil || len(all) != 0 {
		t.Errorf("LearnerProgress of nobody = %v, %v", all, err)
	}

	// The fn sees the zero records with keys set.
	gotRec, gotProg, err := db.UpdateProgress(ctx, "slack:U1", "2-1", func(r *coursebot.LearnerRecord, p *coursebot.Progress) error {
		if r.Key != "slack:U1" || p.Lesson != "2-1" {
			return fmt.Errorf("fn got %+v %+v", r, p)
		}
		r.Name, r.Active, r.LastSeen = "Grace", "2-1", at
		p.Card, p.Started = "open", at
		p.Answers = map[string]coursebot.Answer{"q": {Text: "ä ✓ \x00 ok", At: at, Truncated: true}}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	wantRec := coursebot.LearnerRecord{Key: "slack:U1", Name: "Grace", Active: "2-1", LastSeen: at}
	if gotRec != wantRec {
		t.Errorf("UpdateProgress returned %+v, want %+v", gotRec, wantRec)
	}
	p, err = db.Progress(ctx, "slack:U1", "2-1")
	if err != nil {
		t.Fatal(err)
	}
	assertProgress(t, p, gotProg)
	if p.Answers["q"].Text != "ä ✓ \x00 ok" {
		t.Errorf("answer text %q", p.Answers["q"].Text)
	}

	// More lessons, written out of order; a learner whose key is a prefix
	// of another's must not see the other's lessons.
	for _, l := range []string{"10-1", "1-2", "1-1"} {
		if _, _, err := db.UpdateProgress(ctx, "slack:U1", l, func(_ *coursebot.LearnerRecord, p *coursebot.Progress) error {
			p.Card = "c-" + l
			return nil
		}); err != nil {
			t.Fatal(err)
		}
	}
	if _, _, err := db.UpdateProgress(ctx, "slack:U12", "9-9", func(_ *coursebot.LearnerRecord, p *coursebot.Progress) error {
		p.Card = "other"
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	all, err = db.LearnerProgress(ctx, "slack:U1")
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, p := range all {
		ids = append(ids, p.Lesson)
	}
	if want := []string{"1-1", "1-2", "10-1", "2-1"}; !reflect.DeepEqual(ids, want) {
		t.Errorf("LearnerProgress lessons %v, want %v", ids, want)
	}
	if all[0].Card != "c-1-1" {
		t.Errorf("first lesson %+v", all[0])
	}
	learners, err := db.Learners(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"slack:U1", "slack:U12"}; !reflect.DeepEqual(learners, want) {
		t.Errorf("Learners() = %v, want %v", learners, want)
	}
}

func TestUpdateProgressKeepsKeys(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := openTemp(t, Options{})
	rec, p, err := db.UpdateProgress(ctx, "slack:U1", "1-1", func(r *coursebot.LearnerRecord, p *coursebot.Progress) error {
		r.Key, p.Lesson = "slack:MALLORY", "9-9"
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if rec.Key != "slack:U1" || p.Lesson != "1-1" {
		t.Errorf("returned %q %q, want the keys it was called with", rec.Key, p.Lesson)
	}
	if learners, _ := db.Learners(ctx); !reflect.DeepEqual(learners, []string{"slack:U1"}) {
		t.Errorf("Learners() = %v", learners)
	}
}

func TestUpdateProgressFnErrorWritesNothing(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := openTemp(t, Options{})
	if _, _, err := db.UpdateProgress(ctx, "slack:U1", "1-1", func(r *coursebot.LearnerRecord, p *coursebot.Progress) error {
		r.Name, p.Card = "before", "one"
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	errNope := errors.New("nope")
	calls := 0
	rec, p, err := db.UpdateProgress(ctx, "slack:U1", "1-1", func(r *coursebot.LearnerRecord, p *coursebot.Progress) error {
		calls++
		r.Name, p.Card = "after", "two"
		return errNope
	})
	if !errors.Is(err, errNope) {
		t.Fatalf("error %v, want errNope", err)
	}
	if rec.Name != "" || p.Card != "" {
		t.Errorf("failed update returned records %+v %+v", rec, p)
	}
	// One call: the error did not fail the batch and cause a solo re-run.
	if calls != 1 {
		t.Errorf("fn ran %d times, want 1", calls)
	}
	got, _ := db.Progress(ctx, "slack:U1", "1-1")
	gotRec, _ := db.Learner(ctx, "slack:U1")
	if got.Card != "one" || gotRec.Name != "before" {
		t.Errorf("after a failed update: %+v %+v", gotRec, got)
	}
}

func TestUpdateProgressCancelled(t *testing.T) {
	t.Parallel()
	db := openTemp(t, Options{})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	called := false
	_, _, err := db.UpdateProgress(ctx, "slack:U1", "1-1", func(*coursebot.LearnerRecord, *coursebot.Progress) error {
		called = true
		return nil
	})
	if !errors.Is(err, context.Canceled) {
		t.Errorf("error %v, want context.Canceled", err)
	}
	if called {
		t.Error("fn ran under a cancelled context")
	}
	if learners, _ := db.Learners(context.Background()); len(learners) != 0 {
		t.Errorf("cancelled update wrote %v", learners)
	}
}

func TestBadKeys(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := openTemp(t, Options{})
	noop := func(*coursebot.LearnerRecord, *coursebot.Progress) error { return nil }
	tests := []struct {
		name string
		call func() error
	}{
		{"empty learner", func() error { _, err := db.Progress(ctx, "", "1-1"); return err }},
		{"empty lesson", func() error { _, err := db.Progress(ctx, "slack:U1", ""); return err }},
		{"NUL in learner", func() error { _, _, err := db.UpdateProgress(ctx, "slack:U1\x001-1", "x", noop); return err }},
		{"NUL in lesson", func() error { _, _, err := db.UpdateProgress(ctx, "slack:U1", "1\x001", noop); return err }},
		{"learner record", func() error { _, err := db.Learner(ctx, ""); return err }},
		{"learner progress", func() error { _, err := db.LearnerProgress(ctx, "a\x00"); return err }},
		{"thread without id", func() error {
			return db.PutThread(ctx, coursebot.Thread{Platform: "slack", Learner: "slack:U1", Lesson: "1-1", Channel: "C1"})
		}},
		{"thread lookup", func() error { _, _, err := db.ThreadAt(ctx, "slack", "", "1"); return err }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := tt.call(); !errors.Is(err, ErrBadKey) {
				t.Errorf("error %v, want ErrBadKey", err)
			}
		})
	}
	if learners, _ := db.Learners(ctx); len(learners) != 0 {
		t.Errorf("bad keys wrote learners %v", learners)
	}
}

// TestUpdateProgressConcurrent runs 64 goroutines at once, twice: each on
// its own learner, and all on the same learner and lesson. No update may be
// lost; run with -race.
func TestUpdateProgressConcurrent(t *testing.T) {
	t.Parallel()
	const n = 64
	ctx := context.Background()
	at := time.Date(2025, 6, 1, 0, 0, 0, 0, time.UTC)

	t.Run("distinct learners", func(t *testing.T) {
		db := openTemp(t, Options{})
		var wg sync.WaitGroup
		errs := make(chan error, n*4)
		for g := range n {
			wg.Go(func() {
				learner := fmt.Sprintf("slack:U%03d", g)
				for step := range 4 {
					_, p, err := db.UpdateProgress(ctx, learner, "1-1", func(r *coursebot.LearnerRecord, p *coursebot.Progress) error {
						r.Name = learner
						p.CardIndex++
						return nil
					})
					if err == nil && p.CardIndex != step+1 {
						err = fmt.Errorf("%s step %d wrote card index %d", learner, step, p.CardIndex)
					}
					if err != nil {
						errs <- err
					}
				}
			})
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Error(err)
		}
		learners, err := db.Learners(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(learners) != n {
			t.Fatalf("%d learners, want %d", len(learners), n)
		}
		for _, l := range learners {
			p, err := db.Progress(ctx, l, "1-1")
			if err != nil {
				t.Fatal(err)
			}
			rec, _ := db.Learner(ctx, l)
			if p.CardIndex != 4 || rec.Name != l {
				t.Errorf("%s: card index %d name %q, want 4 and its key", l, p.CardIndex, rec.Name)
			}
		}
	})

	t.Run("same learner", func(t *testing.T) {
		db := openTemp(t, Options{})
		var (
			wg    sync.WaitGroup
			calls atomic.Int64
		)
		errs := make(chan error, n)
		for g := range n {
			wg.Go(func() {
				q := fmt.Sprintf("q%02d", g)
				_, p, err := db.UpdateProgress(ctx, "slack:U1", "1-1", func(_ *coursebot.LearnerRecord, p *coursebot.Progress) error {
					calls.Add(1)
					if p.Answers == nil {
						p.Answers = map[string]coursebot.Answer{}
					}
					p.Answers[q] = coursebot.Answer{Text: strings.Repeat("a", 200), At: at}
					return nil
				})
				if err == nil {
					if _, ok := p.Answers[q]; !ok {
						err = fmt.Errorf("returned progress lacks %s", q)
					}
				}
				if err != nil {
					errs <- err
				}
			})
		}
		// Some callers fail at the same time: their errors must neither
		// write nor disturb the others.
		for g := range 16 {
			wg.Go(func() {
				_, _, err := db.UpdateProgress(ctx, "slack:U1", "1-1", func(_ *coursebot.LearnerRecord, p *coursebot.Progress) error {
					p.Answers = nil // would wipe everything if written
					return fmt.Errorf("refused %d", g)
				})
				if err == nil || !strings.Contains(err.Error(), "refused") {
					errs <- fmt.Errorf("failing fn returned %v", err)
				}
			})
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Error(err)
		}
		p, err := db.Progress(ctx, "slack:U1", "1-1")
		if err != nil {
			t.Fatal(err)
		}
		if len(p.Answers) != n {
			t.Errorf("%d answers after %d concurrent updates", len(p.Answers), n)
		}
		t.Logf("fn ran %d times for %d updates", calls.Load(), n)
	})
}
