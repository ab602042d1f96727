package search_test

import (
	"context"
	"testing"

	"github.com/coursebot/coursebot/search"
)

func build(t *testing.T, g search.Glossary, ps ...search.Passage) *search.Index {
	t.Helper()
	for i := range ps {
		if ps[i].Card == 0 {
			ps[i].Card = i + 1
		}
		ps[i].Lesson, ps[i].Command, ps[i].Cards = "1-1", "start-1-1", len(ps)
		if ps[i].Kind == 0 {
			ps[i].Kind = search.Text
		}
	}
	ix, err := search.Build(ps, g)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := ix.Close(); err != nil {
			t.Error(err)
		}
	})
	return ix
}

func first(t *testing.T, ix *search.Index, q string) search.Result {
	t.Helper()
	res, err := ix.Search(context.Background(), q, 3)
	if err != nil {
		t.Fatal(err)
	}
	if len(res) == 0 {
		t.Fatalf("%q: no result", q)
	}
	return res[0]
}

func TestSearch(t *testing.T) {
	t.Parallel()
	ix := build(t, search.Glossary{"dvc": {"data versioning"}},
		search.Passage{CardTitle: "Wrap up", Text: "Come back to the course later and look back at it."},
		search.Passage{CardTitle: "Gaps", Text: "Rollback is manual for now."},
		search.Passage{CardTitle: "Pillars", Text: "Data versioning keeps every dataset you trained on."},
		search.Passage{CardTitle: "Monitoring", Text: "Alerts fire on errors."},
		search.Passage{CardTitle: "Alerts", Text: "Page someone when errors grow."},
	)
	tests := []struct{ q, card string }{
		{"how do I roll back", "Gaps"},    // two words the course writes as one
		{"rolling back", "Wrap up"},       // no joined form in the course: plain words
		{"DVC", "Pillars"},                // a glossary synonym
		{"versioned datasets", "Pillars"}, // stemming
		{"alerts", "Alerts"},              // a title outweighs the same word in the text
	}
	for _, tt := range tests {
		if got := first(t, ix, tt.q).CardTitle; got != tt.card {
			t.Errorf("%q: first card %q, want %q", tt.q, got, tt.card)
		}
	}
	for _, q := range []string{"", "what is the", "zzz"} {
		res, err := ix.Search(context.Background(), q, 3)
		if err != nil || len(res) != 0 {
			t.Errorf("%q: %v, %v; want nothing", q, res, err)
		}
	}
}

// Passages of one card come back as one result, at most MaxPassages of
// them, in the card's order.
func TestSearchGroupsByCard(t *testing.T) {
	t.Parallel()
	var ps []search.Passage
	for _, s := range []string{"drift one", "drift two", "drift three", "drift four", "drift alerts five"} {
		ps = append(ps, search.Passage{Card: 1, CardTitle: "Drift", Text: s})
	}
	ps = append(ps, search.Passage{Card: 2, CardTitle: "Other", Text: "some drift"})
	ix := build(t, nil, ps...)
	res, err := ix.Search(context.Background(), "drift alerts", 3)
	if err != nil {
		t.Fatal(err)
	}
	if len(res) != 2 || res[0].Card != 1 || len(res[0].Passages) != search.MaxPassages {
		t.Fatalf("results = %+v", res)
	}
	last := -1
	for _, p := range res[0].Passages {
		i := -1
		for j, q := range ps {
			if q.Text == p.Text {
				i = j
			}
		}
		if i <= last {
			t.Errorf("passages out of the card's order: %+v", res[0].Passages)
		}
		last = i
	}
	if res[0].Passages[search.MaxPassages-1].Text != "drift alerts five" {
		t.Errorf("the best passage was left out: %+v", res[0].Passages)
	}
}

func TestSearchAfterClose(t *testing.T) {
	t.Parallel()
	ix := build(t, nil, search.Passage{CardTitle: "A", Text: "drift"})
	if err := ix.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := ix.Search(context.Background(), "drift", 3); err == nil {
		t.Error("search after Close: no error")
	}
}
