package store

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/coursebot/coursebot"
)

func TestCompactTo(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := openTemp(t, Options{})
	long := strings.Repeat("an answer of some length ", 40)
	for i := range 600 {
		_, _, err := db.UpdateProgress(ctx, fmt.Sprintf("slack:U%d", i), "4-4", func(r *coursebot.LearnerRecord, p *coursebot.Progress) error {
			p.Card = "c"
			p.Answers = map[string]coursebot.Answer{"q": {Text: long}}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	for i := range 550 { // most learners ask to be forgotten
		if _, err := db.ForgetLearner(ctx, fmt.Sprintf("slack:U%d", i)); err != nil {
			t.Fatal(err)
		}
	}
	before, _ := db.Size()
	out := filepath.Join(t.TempDir(), "compact.db")
	after, err := db.CompactTo(out)
	if err != nil {
		t.Fatal(err)
	}
	if after >= before/2 {
		t.Errorf("compacted %d bytes to %d; want well under half", before, after)
	}
	if _, err := db.CompactTo(out); err == nil {
		t.Error("compacting over an existing file should fail")
	}
	c, err := Open(out, Options{})
	if err != nil {
		t.Fatalf("open the compacted copy: %v", err)
	}
	defer func() {
		if err := c.Close(); err != nil {
			t.Error(err)
		}
	}()
	learners, err := c.Learners(ctx)
	if err != nil || len(learners) != 50 {
		t.Fatalf("compacted copy has %d learners (%v), want 50", len(learners), err)
	}
	p, err := c.Progress(ctx, "slack:U599", "4-4")
	if err != nil || p.Answers["q"].Text != long {
		t.Errorf("compacted copy lost an answer: %v", err)
	}
	t.Logf("%d bytes -> %d bytes", before, after)
}
