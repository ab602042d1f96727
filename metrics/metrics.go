// Package metrics is a small Prometheus exposition library: counters,
// gauges and histograms with labels, registered on a Registry that writes
// the text format (version 0.0.4) for /metrics.
//
// It is written here rather than taken from prometheus/client_golang to keep
// the binary and its idle memory small and to need no registry globals: a
// Registry is created by cmd/ and its metrics are passed to whoever counts.
// Every method is safe for concurrent use; a nil *Counter, *Histogram or
// vector does nothing, so a component can be run without metrics.
package metrics

import (
	"bufio"
	"fmt"
	"io"
	"math"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Registry holds metric families in registration order.
type Registry struct {
	mu       sync.Mutex
	families []family
	names    map[string]bool
}

// NewRegistry returns an empty registry.
func NewRegistry() *Registry { return &Registry{names: map[string]bool{}} }

type family interface {
	write(w *bufio.Writer)
}

var nameRE = regexp.MustCompile(`^[a-zA-Z_:][a-zA-Z0-9_:]*$`)
var labelRE = regexp.MustCompile(`^[a-zA-Z_][a-zA-Z0-9_]*$`)

func (r *Registry) add(name string, labels []string, f family) {
	if !nameRE.MatchString(name) {
		panic(fmt.Sprintf("metrics: invalid metric name %q", name))
	}
	for _, l := range labels {
		if !labelRE.MatchString(l) || strings.HasPrefix(l, "__") || l == "le" {
			panic(fmt.Sprintf("metrics: invalid label name %q on %s", l, name))
		}
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.names[name] {
		panic(fmt.Sprintf("metrics: %s registered twice", name))
	}
	r.names[name] = true
	r.families = append(r.families, f)
}

// WriteText writes every metric in the Prometheus text format.
func (r *Registry) WriteText(w io.Writer) error {
	r.mu.Lock()
	fams := slices.Clone(r.families)
	r.mu.Unlock()
	bw := bufio.NewWriter(w)
	for _, f := range fams {
		f.write(bw)
	}
	return bw.Flush()
}

// Handler serves WriteText.
func (r *Registry) Handler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
		_ = r.WriteText(w)
	})
}

// ---- vectors --------------------------------------------------------------

// vec keeps one child per label-value combination, created on first use.
type vec[T any] struct {
	name, help, kind string
	labels           []string
	newChild         func() *T
	mu               sync.RWMutex
	children         map[string]*T
	order            []string // label keys, in creation order
}

func (v *vec[T]) with(values []string) *T {
	if len(values) != len(v.labels) {
		panic(fmt.Sprintf("metrics: %s wants %d label values, got %d", v.name, len(v.labels), len(values)))
	}
	key := strings.Join(values, "\xff")
	v.mu.RLock()
	c := v.children[key]
	v.mu.RUnlock()
	if c != nil {
		return c
	}
	v.mu.Lock()
	defer v.mu.Unlock()
	if c = v.children[key]; c == nil {
		c = v.newChild()
		v.children[key] = c
		v.order = append(v.order, key)
	}
	return c
}

// each calls f for every child in sorted label order, under the read lock.
func (v *vec[T]) each(f func(labels string, c *T)) {
	v.mu.RLock()
	keys := slices.Clone(v.order)
	kids := make([]*T, len(keys))
	for i, k := range keys {
		kids[i] = v.children[k]
	}
	v.mu.RUnlock()
	idx := make([]int, len(keys))
	for i := range idx {
		idx[i] = i
	}
	slices.SortFunc(idx, func(a, b int) int { return strings.Compare(keys[a], keys[b]) })
	for _, i := range idx {
		f(v.labelText(keys[i]), kids[i])
	}
}

func (v *vec[T]) labelText(key string) string {
	if len(v.labels) == 0 {
		return ""
	}
	values := strings.Split(key, "\xff")
	var b strings.Builder
	for i, l := range v.labels {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(l)
		b.WriteString(`="`)
		b.WriteString(escapeLabel(values[i]))
		b.WriteByte('"')
	}
	return b.String()
}

func (v *vec[T]) header(w *bufio.Writer) {
	fmt.Fprintf(w, "# HELP %s %s\n# TYPE %s %s\n", v.name, escapeHelp(v.help), v.name, v.kind)
}

var labelEscaper = strings.NewReplacer(`\`, `\\`, "\n", `\n`, `"`, `\"`)
var helpEscaper = strings.NewReplacer(`\`, `\\`, "\n", `\n`)

func escapeLabel(s string) string { return labelEscaper.Replace(s) }
func escapeHelp(s string) string  { return helpEscaper.Replace(s) }

func braces(labels string) string {
	if labels == "" {
		return ""
	}
	return "{" + labels + "}"
}

func formatFloat(f float64) string {
	switch {
	case math.IsInf(f, 1):
		return "+Inf"
	case math.IsInf(f, -1):
		return "-Inf"
	case math.IsNaN(f):
		return "NaN"
	}
	return strconv.FormatFloat(f, 'g', -1, 64)
}

// ---- counters -------------------------------------------------------------

// Counter is a monotonically increasing count.
type Counter struct{ n atomic.Uint64 }

// Inc adds one.
func (c *Counter) Inc() {
	if c != nil {
		c.n.Add(1)
	}
}

// Add adds n.
func (c *Counter) Add(n uint64) {
	if c != nil {
		c.n.Add(n)
	}
}

// Value is the count so far.
func (c *Counter) Value() uint64 {
	if c == nil {
		return 0
	}
	return c.n.Load()
}

// CounterVec is a counter family with labels.
type CounterVec struct{ v *vec[Counter] }

// Counter registers a counter family; name should end in _total.
func (r *Registry) Counter(name, help string, labels ...string) *CounterVec {
	cv := &CounterVec{v: &vec[Counter]{name: name, help: help, kind: "counter", labels: labels,
		newChild: func() *Counter { return new(Counter) }, children: map[string]*Counter{}}}
	r.add(name, labels, cv)
	return cv
}

// With returns the counter for the label values, in the order registered.
func (cv *CounterVec) With(values ...string) *Counter {
	if cv == nil {
		return nil
	}
	return cv.v.with(values)
}

func (cv *CounterVec) write(w *bufio.Writer) {
	cv.v.header(w)
	cv.v.each(func(labels string, c *Counter) {
		fmt.Fprintf(w, "%s%s %d\n", cv.v.name, braces(labels), c.Value())
	})
}

// ---- gauges ---------------------------------------------------------------

type gaugeFunc struct {
	name, help string
	f          func() float64
}

// GaugeFunc registers a gauge whose value is f() at scrape time.
func (r *Registry) GaugeFunc(name, help string, f func() float64) {
	r.add(name, nil, &gaugeFunc{name: name, help: help, f: f})
}

func (g *gaugeFunc) write(w *bufio.Writer) {
	fmt.Fprintf(w, "# HELP %s %s\n# TYPE %s gauge\n%s %s\n", g.name, escapeHelp(g.help), g.name, g.name, formatFloat(g.f()))
}

// ---- histograms -----------------------------------------------------------

// LatencyBuckets are upper bounds in seconds from 1 ms to 10 s.
var LatencyBuckets = []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10}

// Histogram counts observations into cumulative buckets.
type Histogram struct {
	bounds []float64
	counts []atomic.Uint64 // one per bound, plus +Inf
	count  atomic.Uint64
	sum    atomic.Uint64 // float64 bits
}

func newHistogram(bounds []float64) *Histogram {
	return &Histogram{bounds: bounds, counts: make([]atomic.Uint64, len(bounds)+1)}
}

// Observe records v.
func (h *Histogram) Observe(v float64) {
	if h == nil {
		return
	}
	i, _ := slices.BinarySearch(h.bounds, v) // first bound >= v
	h.counts[i].Add(1)
	for {
		old := h.sum.Load()
		if h.sum.CompareAndSwap(old, math.Float64bits(math.Float64frombits(old)+v)) {
			break
		}
	}
	h.count.Add(1)
}

// Since observes the seconds elapsed since start.
func (h *Histogram) Since(start time.Time) { h.Observe(time.Since(start).Seconds()) }

// Count is the number of observations.
func (h *Histogram) Count() uint64 {
	if h == nil {
		return 0
	}
	return h.count.Load()
}

// HistogramVec is a histogram family with labels.
type HistogramVec struct{ v *vec[Histogram] }

// Histogram registers a histogram family with the given bucket upper
// bounds (sorted ascending; +Inf is implicit).
func (r *Registry) Histogram(name, help string, buckets []float64, labels ...string) *HistogramVec {
	if !slices.IsSorted(buckets) || len(buckets) == 0 {
		panic(fmt.Sprintf("metrics: %s: buckets must be sorted and non-empty", name))
	}
	b := slices.Clone(buckets)
	hv := &HistogramVec{v: &vec[Histogram]{name: name, help: help, kind: "histogram", labels: labels,
		newChild: func() *Histogram { return newHistogram(b) }, children: map[string]*Histogram{}}}
	r.add(name, labels, hv)
	return hv
}

// With returns the histogram for the label values.
func (hv *HistogramVec) With(values ...string) *Histogram {
	if hv == nil {
		return nil
	}
	return hv.v.with(values)
}

func (hv *HistogramVec) write(w *bufio.Writer) {
	hv.v.header(w)
	name := hv.v.name
	hv.v.each(func(labels string, h *Histogram) {
		sep := ""
		if labels != "" {
			sep = ","
		}
		// _count is the +Inf bucket as read, so the two always agree
		// even while observations land during the scrape.
		var cum uint64
		for i, b := range h.bounds {
			cum += h.counts[i].Load()
			fmt.Fprintf(w, "%s_bucket{%s%sle=\"%s\"} %d\n", name, labels, sep, formatFloat(b), cum)
		}
		cum += h.counts[len(h.bounds)].Load()
		fmt.Fprintf(w, "%s_bucket{%s%sle=\"+Inf\"} %d\n", name, labels, sep, cum)
		fmt.Fprintf(w, "%s_sum%s %s\n", name, braces(labels), formatFloat(math.Float64frombits(h.sum.Load())))
		fmt.Fprintf(w, "%s_count%s %d\n", name, braces(labels), cum)
	})
}
