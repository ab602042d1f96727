package main

import (
	"bytes"
	"flag"
	"os"
	"regexp"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite golden files")

func TestGolden(t *testing.T) {
	in, err := os.ReadFile("testdata/bench.txt")
	if err != nil {
		t.Fatal(err)
	}
	var out, errOut bytes.Buffer
	if code := run(nil, bytes.NewReader(in), &out, &errOut); code != 0 {
		t.Fatalf("exit %d, stderr %q", code, errOut.String())
	}
	if errOut.Len() != 0 {
		t.Errorf("stderr: %q", errOut.String())
	}
	const golden = "testdata/bench.golden"
	if *update {
		if err := os.WriteFile(golden, out.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(out.Bytes(), want) {
		t.Errorf("output differs from %s (run with -update to accept):\n%s\nwant:\n%s", golden, out.Bytes(), want)
	}
}

func TestStrictFailsOnMissedTarget(t *testing.T) {
	in, err := os.ReadFile("testdata/bench.txt")
	if err != nil {
		t.Fatal(err)
	}
	var out, errOut bytes.Buffer
	if code := run([]string{"-strict"}, bytes.NewReader(in), &out, &errOut); code != 1 {
		t.Errorf("-strict with missed targets: exit %d, want 1", code)
	}
	met := "BenchmarkStatus-2 \t 2000\t 523456 ns/op\n"
	out.Reset()
	if code := run([]string{"-strict"}, strings.NewReader(met), &out, &errOut); code != 0 {
		t.Errorf("-strict with every measured target met: exit %d, want 0\n%s", code, out.String())
	}
	if !strings.Contains(out.String(), "523 µs") || !strings.Contains(out.String(), "ok") ||
		!regexp.MustCompile(`BenchmarkLoadBuiltin +time/op +< 20 ms/op +not run`).MatchString(out.String()) {
		t.Errorf("table:\n%s", out.String())
	}
}

func TestFailuresAreReported(t *testing.T) {
	in := strings.Join([]string{
		"pkg: github.com/coursebot/coursebot/lessons",
		"BenchmarkStep-2   \t 2000\t 412345 ns/op",
		"--- FAIL: BenchmarkStatus-2",
		"    status_test.go:40: store closed",
		"FAIL",
		"FAIL\tgithub.com/coursebot/coursebot/lessons\t1.2s",
	}, "\n")
	var out, errOut bytes.Buffer
	if code := run(nil, strings.NewReader(in), &out, &errOut); code != 1 {
		t.Errorf("exit %d, want 1", code)
	}
	for _, want := range []string{"--- FAIL: BenchmarkStatus-2", "FAIL\tgithub.com/coursebot/coursebot/lessons", "3 failure line(s)"} {
		if !strings.Contains(errOut.String(), want) {
			t.Errorf("stderr lacks %q:\n%s", want, errOut.String())
		}
	}
	if !strings.Contains(out.String(), "BenchmarkStep") {
		t.Errorf("the table is still printed:\n%s", out.String())
	}
}

func TestFigureOf(t *testing.T) {
	tests := []struct {
		unit   string
		figure string
		scale  float64
		isTime bool
		keep   bool
	}{
		{"ns/op", "time/op", 1, true, true},
		{"p99-ns", "p99", 1, true, true},
		{"p99-ms", "p99", 1e6, true, true},
		{"p99_us", "p99", 1e3, true, true},
		{"p99.9-µs", "p99.9", 1e3, true, true},
		{"ms/p50", "p50", 1e6, true, true},
		{"pong-p99-ms", "pong-p99", 1e6, true, true},
		{"p99-ms-x", "p99-ms-x", 1, false, true},
		{"fill-s", "fill", 1e9, true, true},
		{"ms/op2", "ms/op2", 1, false, true},
		{"kv-MB", "kv-MB", 1, false, true},
		{"steps/s", "steps/s", 1, false, true},
		{"B/op", "B/op", 1, false, false},
		{"allocs/op", "allocs/op", 1, false, false},
		{"pages-ms", "pages", 1e6, true, true},
	}
	for _, tt := range tests {
		fig, scale, isTime, keep := figureOf(tt.unit)
		if fig != tt.figure || scale != tt.scale || isTime != tt.isTime || keep != tt.keep {
			t.Errorf("figureOf(%q) = %q, %v, %v, %v; want %q, %v, %v, %v",
				tt.unit, fig, scale, isTime, keep, tt.figure, tt.scale, tt.isTime, tt.keep)
		}
	}
}

func TestStripProcs(t *testing.T) {
	for in, want := range map[string]string{
		"BenchmarkStep-2":           "BenchmarkStep",
		"BenchmarkStepParallel64":   "BenchmarkStepParallel64",
		"BenchmarkStepParallel64-8": "BenchmarkStepParallel64",
		"BenchmarkRender/slack-16":  "BenchmarkRender/slack",
		"BenchmarkLesson/4-4-2":     "BenchmarkLesson/4-4",
		"BenchmarkX-":               "BenchmarkX-",
	} {
		if got := stripProcs(in); got != want {
			t.Errorf("stripProcs(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestFormat(t *testing.T) {
	tests := []struct {
		v      float64
		isTime bool
		fig    string
		want   string
	}{
		{55.5, true, "time/op", "55.5 ns"},
		{12345, true, "time/op", "12.3 µs"},
		{8223456, true, "time/op", "8.22 ms"},
		{2.5e9, true, "time/op", "2.5 s"},
		{4210, false, "steps/s", "4210 steps/s"},
		{12.345, false, "steps/s", "12.3 steps/s"},
	}
	for _, tt := range tests {
		if got := format(tt.v, tt.isTime, tt.fig); got != tt.want {
			t.Errorf("format(%v) = %q, want %q", tt.v, got, tt.want)
		}
	}
}
