package metrics

import (
	"bufio"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
)

func TestExposition(t *testing.T) {
	r := NewRegistry()
	calls := r.Counter("api_calls_total", "API calls by method.\nSecond line.", "method", "status")
	lat := r.Histogram("latency_seconds", "Latency.", []float64{0.1, 1}, "route")
	plain := r.Counter("plain_total", "No labels.")
	r.GaugeFunc("up", "Always 1.", func() float64 { return 1 })

	calls.With("chat.postMessage", "200").Add(3)
	calls.With(`we"ird\`+"\n", "500").Inc()
	lat.With("/x").Observe(0.05)
	lat.With("/x").Observe(0.1) // on the bound: counts in le="0.1"
	lat.With("/x").Observe(7)
	plain.With().Inc()

	var b strings.Builder
	if err := r.WriteText(&b); err != nil {
		t.Fatal(err)
	}
	want := `# HELP api_calls_total API calls by method.\nSecond line.
# TYPE api_calls_total counter
api_calls_total{method="chat.postMessage",status="200"} 3
api_calls_total{method="we\"ird\\\n",status="500"} 1
# HELP latency_seconds Latency.
# TYPE latency_seconds histogram
latency_seconds_bucket{route="/x",le="0.1"} 2
latency_seconds_bucket{route="/x",le="1"} 2
latency_seconds_bucket{route="/x",le="+Inf"} 3
latency_seconds_sum{route="/x"} 7.15
latency_seconds_count{route="/x"} 3
# HELP plain_total No labels.
# TYPE plain_total counter
plain_total 1
# HELP up Always 1.
# TYPE up gauge
up 1
`
	if got := b.String(); got != want {
		t.Errorf("exposition:\n%s\nwant:\n%s", got, want)
	}
}

func TestHandlerContentType(t *testing.T) {
	r := NewRegistry()
	r.Counter("x_total", "x").With().Inc()
	rec := httptest.NewRecorder()
	r.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	if ct := rec.Header().Get("Content-Type"); !strings.HasPrefix(ct, "text/plain; version=0.0.4") {
		t.Errorf("Content-Type %q", ct)
	}
	if !strings.Contains(rec.Body.String(), "x_total 1\n") {
		t.Errorf("body %q", rec.Body.String())
	}
}

func TestNilMetricsDoNothing(t *testing.T) {
	var cv *CounterVec
	var hv *HistogramVec
	cv.With("a").Inc()
	hv.With("a").Observe(1)
	if cv.With("a").Value() != 0 || hv.With("a").Count() != 0 {
		t.Error("nil metrics counted")
	}
}

func TestRegistrationMistakesPanic(t *testing.T) {
	for name, f := range map[string]func(r *Registry){
		"bad name":    func(r *Registry) { r.Counter("bad-name", "") },
		"bad label":   func(r *Registry) { r.Counter("ok_total", "", "bad-label") },
		"le label":    func(r *Registry) { r.Histogram("h", "", LatencyBuckets, "le") },
		"twice":       func(r *Registry) { r.Counter("a_total", ""); r.Counter("a_total", "") },
		"unsorted":    func(r *Registry) { r.Histogram("h", "", []float64{2, 1}) },
		"wrong arity": func(r *Registry) { r.Counter("b_total", "", "x").With("1", "2") },
	} {
		t.Run(name, func(t *testing.T) {
			defer func() {
				if recover() == nil {
					t.Error("no panic")
				}
			}()
			f(NewRegistry())
		})
	}
}

// TestConcurrent counts from many goroutines while scraping; run with -race.
func TestConcurrent(t *testing.T) {
	r := NewRegistry()
	c := r.Counter("c_total", "", "k")
	h := r.Histogram("h_seconds", "", LatencyBuckets, "k")
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 1000 {
				k := string(rune('a' + (g+i)%3))
				c.With(k).Inc()
				h.With(k).Observe(float64(i) / 1000)
			}
		}()
	}
	for range 5 {
		var b strings.Builder
		if err := r.WriteText(&b); err != nil {
			t.Fatal(err)
		}
		checkHistogramsConsistent(t, b.String())
	}
	wg.Wait()
	total := c.With("a").Value() + c.With("b").Value() + c.With("c").Value()
	hc := h.With("a").Count() + h.With("b").Count() + h.With("c").Count()
	if total != 8000 || hc != 8000 {
		t.Errorf("counted %d and observed %d, want 8000 each", total, hc)
	}
}

// checkHistogramsConsistent checks that buckets never decrease and _count
// equals the +Inf bucket.
func checkHistogramsConsistent(t *testing.T, text string) {
	t.Helper()
	var last uint64
	var inf string
	sc := bufio.NewScanner(strings.NewReader(text))
	for sc.Scan() {
		line := sc.Text()
		if !strings.HasPrefix(line, "h_seconds_") {
			continue
		}
		_, v, _ := strings.Cut(line, " ")
		switch {
		case strings.HasPrefix(line, "h_seconds_bucket"):
			var n uint64
			for _, ch := range v {
				n = n*10 + uint64(ch-'0')
			}
			if strings.Contains(line, `le="0.001"`) {
				last = 0
			}
			if n < last {
				t.Errorf("bucket decreased: %s", line)
			}
			last = n
			if strings.Contains(line, "+Inf") {
				inf = v
			}
		case strings.HasPrefix(line, "h_seconds_count"):
			if v != inf {
				t.Errorf("_count %s != +Inf bucket %s", v, inf)
			}
		}
	}
}
