package search_test

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"runtime"
	"strings"
	"testing"

	"github.com/coursebot/coursebot/course"
	"github.com/coursebot/coursebot/search"
)

// question is one line of testdata/eval.txt.
type question struct {
	text   string
	expect []string // pieces of the passages that answer it
	line   int
}

func readEval(t testing.TB) []question {
	t.Helper()
	f, err := os.Open("testdata/eval.txt")
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		if err := f.Close(); err != nil {
			t.Error(err)
		}
	}()
	var qs []question
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		l := strings.TrimSpace(sc.Text())
		if l == "" || strings.HasPrefix(l, "#") {
			continue
		}
		q, exp, ok := strings.Cut(l, "=>")
		if !ok {
			t.Fatalf("testdata/eval.txt:%d: want \"question => passage\"", n)
		}
		var e []string
		for _, s := range strings.Split(exp, "||") {
			if s = strings.TrimSpace(s); s != "" {
				e = append(e, s)
			}
		}
		qs = append(qs, question{text: strings.TrimSpace(q), expect: e, line: n})
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return qs
}

func norm(s string) string { return strings.ToLower(strings.Join(strings.Fields(s), " ")) }

// answers reports whether p is one of q's expected passages.
func (q question) answers(p search.Passage) bool {
	for _, e := range q.expect {
		if strings.Contains(norm(p.Lead+" "+p.Text), norm(e)) {
			return true
		}
	}
	return false
}

// rank is the 1-based rank of the first result holding one of q's
// expected passages, 0 if none.
func (q question) rank(res []search.Result) int {
	for i, r := range res {
		for _, p := range r.Passages {
			if q.answers(p) {
				return i + 1
			}
		}
	}
	return 0
}

func builtinIndex(t testing.TB) (*search.Index, []search.Passage) {
	t.Helper()
	c, err := course.LoadBuiltin()
	if err != nil {
		t.Fatal(err)
	}
	ps := course.Passages(c)
	ix, err := search.Build(ps, course.Glossary(c))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := ix.Close(); err != nil {
			t.Error(err)
		}
	})
	return ix, ps
}

type score struct{ n, at1, at3 int }

func (s score) String() string {
	return fmt.Sprintf("hit@1 %d/%d (%.0f%%), hit@3 %d/%d (%.0f%%)", s.at1, s.n, pct(s.at1, s.n), s.at3, s.n, pct(s.at3, s.n))
}

func pct(a, b int) float64 { return 100 * float64(a) / float64(b) }

func evaluate(t testing.TB, ix *search.Index, qs []question, verbose bool) score {
	var s score
	for _, q := range qs {
		hits, err := ix.Search(context.Background(), q.text, 3)
		if err != nil {
			t.Fatal(err)
		}
		r := q.rank(hits)
		s.n++
		if r == 1 {
			s.at1++
		}
		if r >= 1 && r <= 3 {
			s.at3++
		}
		if verbose && r != 1 {
			t.Logf("eval.txt:%d %q: rank %d", q.line, q.text, r)
			for i, h := range hits {
				t.Logf("   %d. %.2f card %d %q", i+1, h.Score, h.Card, h.CardTitle)
				for _, p := range h.Passages {
					t.Logf("        %q: %.70q", p.Heading, p.Lead+" "+p.Text)
				}
			}
		}
	}
	return s
}

// The evaluation set stays valid: every expected passage is in the course.
func TestEvalSetNamesRealPassages(t *testing.T) {
	t.Parallel()
	_, ps := builtinIndex(t)
	qs := readEval(t)
	if len(qs) < 20 {
		t.Fatalf("eval set has %d questions, want at least 20", len(qs))
	}
	for _, q := range qs {
		found := false
		for _, p := range ps {
			if q.answers(p) {
				found = true
				break
			}
		}
		if !found {
			t.Errorf("testdata/eval.txt:%d: no passage of the course contains any of %q", q.line, q.expect)
		}
	}
}

// The search meets its target on the evaluation set: hit@3 >= 90%.
func TestEvalHitAt3(t *testing.T) {
	t.Parallel()
	ix, _ := builtinIndex(t)
	s := evaluate(t, ix, readEval(t), testing.Verbose())
	t.Log(s)
	if pct(s.at3, s.n) < 90 {
		t.Errorf("%v: want hit@3 >= 90%%", s)
	}
}

// BenchmarkSearchEval reports hit@1 and hit@3 (percent) on the evaluation
// set and the time of one query.
func BenchmarkSearchEval(b *testing.B) {
	ix, _ := builtinIndex(b)
	qs := readEval(b)
	s := evaluate(b, ix, qs, false)
	i := 0
	for b.Loop() {
		if _, err := ix.Search(context.Background(), qs[i%len(qs)].text, 3); err != nil {
			b.Fatal(err)
		}
		i++
	}
	b.ReportMetric(pct(s.at1, s.n), "hit@1-%")
	b.ReportMetric(pct(s.at3, s.n), "hit@3-%")
}

// BenchmarkSearchBuild is the cost of building the index of the built-in
// course: time per build, memory allocated per build (alloc-MB) and the
// heap one built index keeps (heap-MB). The engine builds it on the first
// /help-mlops, not at start.
func BenchmarkSearchBuild(b *testing.B) {
	c, err := course.LoadBuiltin()
	if err != nil {
		b.Fatal(err)
	}
	ps, g := course.Passages(c), course.Glossary(c)
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	kept, err := search.Build(ps, g)
	if err != nil {
		b.Fatal(err)
	}
	runtime.GC()
	runtime.ReadMemStats(&after)
	heap := float64(after.HeapAlloc) - float64(before.HeapAlloc)
	if err := kept.Close(); err != nil {
		b.Fatal(err)
	}
	runtime.ReadMemStats(&before)
	n := 0
	for b.Loop() {
		ix, err := search.Build(ps, g)
		if err != nil {
			b.Fatal(err)
		}
		if err := ix.Close(); err != nil {
			b.Error(err)
		}
		n++
	}
	runtime.ReadMemStats(&after)
	b.ReportMetric(float64(len(ps)), "passages")
	b.ReportMetric(heap/(1<<20), "heap-MB")
	b.ReportMetric(float64(after.TotalAlloc-before.TotalAlloc)/float64(max(n, 1))/(1<<20), "alloc-MB")
}
