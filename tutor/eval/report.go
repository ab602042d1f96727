package eval

import (
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"slices"
	"sort"
	"strings"
	"text/tabwriter"
	"time"
)

// Header says what was measured.
type Header struct {
	Model   string `json:"model"`
	BaseURL string `json:"base_url"`
	Cases   string `json:"cases"` // where the cases came from
	Judge   string `json:"judge,omitempty"`
}

// Tally is how many of the cases a check (or a group) applied to passed.
type Tally struct {
	Name   string `json:"name"`
	Passed int    `json:"passed"`
	Of     int    `json:"of"`
}

// Summary is a run's figures.
type Summary struct {
	Cases   int     `json:"cases"`
	Passed  int     `json:"passed"`
	ByCheck []Tally `json:"by_check"`
	ByGroup []Tally `json:"by_group"`
	// Asked is how many cases reached the model; the latencies are over
	// those that got a reply.
	Asked         int           `json:"asked"`
	FirstTokenP50 time.Duration `json:"first_token_p50_ns"`
	TotalP50      time.Duration `json:"total_p50_ns"`
	TotalP95      time.Duration `json:"total_p95_ns"`
	TokensIn      int           `json:"tokens_in"`
	TokensOut     int           `json:"tokens_out"`
	Judge         *JudgeSummary `json:"judge,omitempty"`
}

// JudgeSummary is the judge's view over every reply it judged.
type JudgeSummary struct {
	Judged    int     `json:"judged"`
	Failed    int     `json:"failed"` // no judgement (error, no JSON)
	GivesAway int     `json:"gives_away"`
	Kind      float64 `json:"kind_mean"`
	OnCourse  float64 `json:"on_course_mean"`
}

// Summarize counts a run.
func Summarize(results []Result) Summary {
	s := Summary{Cases: len(results)}
	checks := map[string]*Tally{}
	groups := map[string]*Tally{}
	var firsts, totals []time.Duration
	var js JudgeSummary
	for _, r := range results {
		if r.Pass {
			s.Passed++
		}
		g := r.Case.Group
		if g == "" {
			g = r.Case.Kind
		}
		count(groups, g, r.Pass)
		for _, c := range r.Checks {
			count(checks, c.Name, c.OK)
		}
		if r.Asked {
			s.Asked++
			s.TokensIn += r.TokensIn
			s.TokensOut += r.TokensOut
			if c, ok := r.Check(CheckReply); ok && c.OK {
				firsts, totals = append(firsts, r.FirstToken), append(totals, r.Total)
			}
		}
		if r.Judge != nil {
			js.add(*r.Judge)
		}
	}
	for _, name := range CheckNames() {
		if t := checks[name]; t != nil {
			s.ByCheck = append(s.ByCheck, *t)
		}
	}
	for _, name := range slices.Sorted(maps.Keys(groups)) {
		s.ByGroup = append(s.ByGroup, *groups[name])
	}
	s.FirstTokenP50 = percentile(firsts, 50)
	s.TotalP50, s.TotalP95 = percentile(totals, 50), percentile(totals, 95)
	if js.Judged+js.Failed > 0 {
		if js.Judged > 0 {
			js.Kind /= float64(js.Judged)
			js.OnCourse /= float64(js.Judged)
		}
		s.Judge = &js
	}
	return s
}

// count adds one to the tally of name in m, and to its passes when ok.
func count(m map[string]*Tally, name string, ok bool) {
	if m[name] == nil {
		m[name] = &Tally{Name: name}
	}
	m[name].Of++
	if ok {
		m[name].Passed++
	}
}

// add counts one judgement (the means are sums until Summarize divides).
func (js *JudgeSummary) add(j Judgement) {
	if j.Err != "" {
		js.Failed++
		return
	}
	js.Judged++
	if j.GivesAway {
		js.GivesAway++
	}
	js.Kind += float64(j.Kind)
	js.OnCourse += float64(j.OnCourse)
}

func percentile(ds []time.Duration, p int) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := append([]time.Duration(nil), ds...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	return s[(len(s)-1)*p/100]
}

func pct(n, of int) string {
	if of == 0 {
		return "-"
	}
	return fmt.Sprintf("%.0f%%", 100*float64(n)/float64(of))
}

// WriteTable prints the run as a table, one row a case, then the
// failures with what went wrong, then the totals and the judge's figures.
func WriteTable(w io.Writer, h Header, results []Result) error {
	ew := &errWriter{w: w}
	printf := func(format string, args ...any) { _, _ = fmt.Fprintf(ew, format, args...) } // ew keeps the first error
	printf("Tutor eval: %d cases from %s, model %s at %s\n\n", len(results), h.Cases, h.Model, h.BaseURL)
	tw := tabwriter.NewWriter(ew, 0, 0, 1, ' ', 0)
	names := CheckNames()
	_, _ = fmt.Fprintf(tw, "case\tkind\tgroup\t%s\tresult\n", strings.Join(names, "\t"))
	for _, r := range results {
		_, _ = fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", r.Case.ID, r.Case.Kind, r.Case.Group, strings.Join(checkCells(r, names), "\t"), verdict(r))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	var failed []string
	for _, r := range results {
		for _, c := range r.Checks {
			if !c.OK {
				failed = append(failed, fmt.Sprintf("  %s (line %d) %s: %s", r.Case.ID, r.Case.Line, c.Name, c.Detail))
			}
		}
	}
	if len(failed) > 0 {
		printf("\nFailures:\n%s\n", strings.Join(failed, "\n"))
	}
	s := Summarize(results)
	printf("\nRules: %d of %d cases pass (%s)\n", s.Passed, s.Cases, pct(s.Passed, s.Cases))
	var parts []string
	for _, t := range s.ByCheck {
		parts = append(parts, fmt.Sprintf("%s %d/%d", t.Name, t.Passed, t.Of))
	}
	printf("  by check: %s\n", strings.Join(parts, "  "))
	parts = parts[:0]
	for _, t := range s.ByGroup {
		parts = append(parts, fmt.Sprintf("%s %d/%d", t.Name, t.Passed, t.Of))
	}
	printf("  by group: %s\n", strings.Join(parts, "  "))
	printf("Model: %d requests; first token p50 %s; whole reply p50 %s, p95 %s; tokens in %d, out %d\n",
		s.Asked, round(s.FirstTokenP50), round(s.TotalP50), round(s.TotalP95), s.TokensIn, s.TokensOut)
	if s.Judge != nil {
		writeJudge(printf, h, *s.Judge, results)
	}
	return ew.err
}

// checkCells is a case's row of check results: ok, FAIL, or - where the
// check did not apply.
func checkCells(r Result, names []string) []string {
	cells := make([]string, len(names))
	for i, n := range names {
		cells[i] = "-"
		if c, ok := r.Check(n); ok {
			cells[i] = "ok"
			if !c.OK {
				cells[i] = "FAIL"
			}
		}
	}
	return cells
}

func verdict(r Result) string {
	if r.Pass {
		return "pass"
	}
	return "FAIL"
}

// writeJudge prints the judge's figures and the replies it found giving
// the answer away.
func writeJudge(printf func(string, ...any), h Header, j JudgeSummary, results []Result) {
	printf("Judge (%s; apart from the rules): %d replies judged", h.Judge, j.Judged)
	if j.Failed > 0 {
		printf(", %d without a judgement", j.Failed)
	}
	if j.Judged > 0 {
		printf("; gives the answer away %d (%s); kind %.1f/5; on course %.1f/5", j.GivesAway, pct(j.GivesAway, j.Judged), j.Kind, j.OnCourse)
	}
	printf("\n")
	var away []string
	for _, r := range results {
		if r.Judge != nil && r.Judge.GivesAway {
			away = append(away, fmt.Sprintf("  %s: %s", r.Case.ID, r.Judge.Note))
		}
	}
	if len(away) > 0 {
		printf("  gives away:\n%s\n", strings.Join(away, "\n"))
	}
}

func round(d time.Duration) string {
	switch {
	case d >= time.Second:
		return d.Round(100 * time.Millisecond).String()
	case d >= time.Millisecond:
		return d.Round(time.Millisecond).String()
	}
	return d.Round(time.Microsecond).String()
}

// Report is the JSON form of a run.
type Report struct {
	Header  Header   `json:"header"`
	Summary Summary  `json:"summary"`
	Results []Result `json:"results"`
}

// WriteJSON prints the run as one JSON object, replies included.
func WriteJSON(w io.Writer, h Header, results []Result) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(Report{Header: h, Summary: Summarize(results), Results: results})
}

// errWriter keeps the first write error.
type errWriter struct {
	w   io.Writer
	err error
}

func (e *errWriter) Write(p []byte) (int, error) {
	if e.err != nil {
		return 0, e.err
	}
	n, err := e.w.Write(p)
	e.err = err
	return n, err
}
