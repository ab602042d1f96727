// Command benchtable reads `go test -bench` output on stdin and prints one
// summary table: benchmark, figure, target, measured, verdict.
//
//	go test -run '^$' -bench . -benchtime=2000x ./... | benchtable
//
// Targets are kept in targets() below, keyed by benchmark name (without the
// -GOMAXPROCS suffix). Benchmarks without a target print with target "-".
// A figure is ns/op ("time/op"), a time reported with b.ReportMetric under
// a unit such as "p99-ns", "p99-ms", "p99-us" or "fill-s" (figures "p99",
// "fill"), or any other custom metric by its unit ("steps/s"). With -count=N the median of
// the runs is shown.
//
// The exit status is 1 when the input shows a failing test or benchmark,
// and, with -strict, when a measured figure misses its target.
package main

import (
	"bufio"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"sort"
	"strconv"
	"strings"
	"text/tabwriter"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("benchtable", flag.ContinueOnError)
	fs.SetOutput(stderr)
	strict := fs.Bool("strict", false, "exit 1 when a figure misses its target")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	in, err := parse(stdin)
	if err != nil {
		_, _ = fmt.Fprintf(stderr, "benchtable: read input: %v\n", err) // stderr: nowhere to report a failed write
		return 1
	}
	for _, f := range in.failures {
		_, _ = fmt.Fprintln(stderr, f) // stderr: nowhere to report a failed write
	}
	rows := summarize(in.results, targets())
	if err := render(stdout, rows); err != nil {
		_, _ = fmt.Fprintf(stderr, "benchtable: %v\n", err) // stderr: nowhere to report a failed write
		return 1
	}
	if len(in.failures) > 0 {
		_, _ = fmt.Fprintf(stderr, "benchtable: %d failure line(s) in the input\n", len(in.failures)) // stderr: nowhere to report a failed write
		return 1
	}
	if *strict {
		for _, r := range rows {
			if r.verdict == verdictMissed {
				return 1
			}
		}
	}
	return 0
}

// target is a speed goal for one figure of one benchmark.
type target struct {
	bench  string  // benchmark name without the -GOMAXPROCS suffix
	figure string  // "time/op", "p99", "steps/s", ...
	max    bool    // true: measured must be < value; false: >= value
	value  float64 // ns for time figures, else the metric's own unit
	text   string  // as shown in the table
}

// targets are the project's speed goals.
func targets() []target {
	t := []target{
		{bench: "BenchmarkLoadBuiltin", figure: "time/op", max: true, value: 20e6, text: "< 20 ms/op"},
		{bench: "BenchmarkStep", figure: "p99", max: true, value: 5e6, text: "p99 < 5 ms"},
		{bench: "BenchmarkStepParallel64", figure: "steps/s", max: false, value: 5000, text: ">= 5000 steps/s"},
		{bench: "BenchmarkStatus", figure: "time/op", max: true, value: 1e6, text: "< 1 ms/op"},
		{bench: "BenchmarkServeIdleFootprint", figure: "ready", max: true, value: 300e6, text: "start to ready < 300 ms"},
		{bench: "BenchmarkServeIdleFootprint", figure: "rss-MB", max: true, value: 40, text: "idle RSS < 40 MB"},
		{bench: "BenchmarkServeIdleFootprint", figure: "anon-MB", max: true, value: 40, text: "idle private memory < 40 MB"},
		{bench: "BenchmarkSearchEval", figure: "hit@3-%", max: false, value: 90, text: "hit@3 >= 90%"},
		{bench: "BenchmarkSearchEval", figure: "time/op", max: true, value: 10e6, text: "one search < 10 ms"},
		{bench: "BenchmarkSearchBuild", figure: "time/op", max: true, value: 200e6, text: "index built < 200 ms"},
		{bench: "BenchmarkSearchBuild", figure: "heap-MB", max: true, value: 10, text: "index heap < 10 MB"},
		// A model that streams 10 MB: the reply shown is at most 1500
		// characters, so reading stops there (before: 34.6 s, 268 MB, all
		// 10 MB read, for one reply).
		{bench: "BenchmarkStream10MB", figure: "time/op", max: true, value: 50e6, text: "one reply < 50 ms"},
		{bench: "BenchmarkStream10MB", figure: "alloc-MB", max: true, value: 1, text: "allocated < 1 MB a reply"},
		{bench: "BenchmarkStream10MB", figure: "read-KB", max: true, value: 64, text: "read < 64 KB of the 10 MB"},
		{bench: "BenchmarkStartAck", figure: "ack-p99", max: true, value: 50e6, text: "Slack ack p99 < 50 ms"},
		{bench: "BenchmarkStartAck", figure: "ratio", max: false, value: 0.5, text: ">= 0.5 of verify-only"},
		{bench: "BenchmarkSignedInteractions", figure: "p99", max: true, value: 50e6, text: "Discord first response p99 < 50 ms"},
		{bench: "BenchmarkSignedInteractions", figure: "throughput-ratio", max: false, value: 0.5, text: ">= 0.5 of verify+PONG"},
		// As fast as 64 clients get their acks: throughput and the ack.
		{bench: "BenchmarkServeSlackStart", figure: "lessons/s", max: false, value: 1000, text: ">= 1000 lessons delivered/s"},
		{bench: "BenchmarkServeSlackStart", figure: "ack-p99", max: true, value: 50e6, text: "ack p99 < 50 ms"},
		{bench: "BenchmarkServeDiscordStart", figure: "lessons/s", max: false, value: 1000, text: ">= 1000 lessons delivered/s"},
		{bench: "BenchmarkServeDiscordStart", figure: "ack-p99", max: true, value: 50e6, text: "first response p99 < 50 ms"},
		// At a load the bot sustains (500 starts/s): command to first card.
		{bench: "BenchmarkServeSlackStartAt500", figure: "card-p99", max: true, value: 1e9, text: "command to first card p99 < 1 s"},
		{bench: "BenchmarkServeSlackStartAt500", figure: "ack-p99", max: true, value: 50e6, text: "ack p99 < 50 ms"},
		{bench: "BenchmarkServeDiscordStartAt500", figure: "card-p99", max: true, value: 1e9, text: "command to first card p99 < 1 s"},
		{bench: "BenchmarkServeDiscordStartAt500", figure: "ack-p99", max: true, value: 50e6, text: "first response p99 < 50 ms"},
		// What a backup costs learners (docs/operations.md): a 32 MiB
		// database, acknowledgements while a client takes the copy slowly
		// or not at all (before: the first write that grew the file waited
		// until the client went away, 18 s in the benchmark).
		{bench: "BenchmarkSnapshot32MiB", figure: "time/op", max: true, value: 1e9, text: "writers wait < 1 s for a backup"},
		// /cohort insights for 30 members (records, figures, text, PNG)
		// well inside Slack's 3 s acknowledgement; the author's report.
		{bench: "BenchmarkInsights", figure: "time/op", max: true, value: 500e6, text: "< 500 ms/op (Slack acks in 3 s)"},
		{bench: "BenchmarkReport", figure: "time/op", max: true, value: 2e9, text: "< 2 s/op"},
		// /link CODE: the two accounts' histories merged (16 lessons each,
		// in a file of 500 learners), far inside the platforms' 3 s.
		{bench: "BenchmarkLinkMerge", figure: "time/op", max: true, value: 50e6, text: "< 50 ms a link (acks in 3 s)"},
		// A capstone check of a 5,000-file repository against the fake
		// API: the bot's cost, and no more calls than the check needs
		// (the repository, its tree, its latest run).
		{bench: "BenchmarkCapstoneCheck", figure: "time/op", max: true, value: 100e6, text: "< 100 ms a check"},
		{bench: "BenchmarkCapstoneCheck", figure: "calls/check", max: true, value: 3.0001, text: "<= 3 GitHub calls a check"},
	}
	for _, client := range []string{"reads-20KB/s", "stopped-reading"} {
		name := "BenchmarkAckDuringBackup/client=" + client
		t = append(t,
			target{bench: name, figure: "max", max: true, value: 1e9, text: "slowest ack < 1 s"},
			target{bench: name, figure: "acks-over-3s", max: true, value: 1, text: "0 acks over 3 s"},
			target{bench: name, figure: "unacked", max: true, value: 1, text: "0 unacknowledged"})
	}
	// Against the platforms' limits as they are (the fakes enforce them,
	// time-compressed): each compared with the least the limits allow.
	t = append(t,
		target{bench: "BenchmarkPaceKickoffSlack", figure: "vs-min", max: true, value: 1.2, text: "max to first card <= 1.2x min"},
		target{bench: "BenchmarkPaceKickoffSlack", figure: "calls/start", max: true, value: 2.0001, text: "<= 2 calls per start"},
		target{bench: "BenchmarkPaceKickoffSlack", figure: "429-%", max: true, value: 1.0001, text: "429s <= 1% of calls"},
		target{bench: "BenchmarkPaceKickoffSlack", figure: "failures", max: true, value: 1, text: "0 learners without a card"},
		target{bench: "BenchmarkPaceKickoffDiscord", figure: "vs-min", max: true, value: 1.2, text: "max to first card <= 1.2x min"},
		target{bench: "BenchmarkPaceKickoffDiscord", figure: "429-%", max: true, value: 1.0001, text: "429s <= 1% of calls"},
		target{bench: "BenchmarkPaceKickoffDiscord", figure: "failures", max: true, value: 1, text: "0 learners without a card"},
		target{bench: "BenchmarkPaceTutorBurst", figure: "updates/min", max: true, value: 54, text: "chat.update <= 50/min (+burst 3)"},
		target{bench: "BenchmarkPaceTutorBurst", figure: "429-%", max: true, value: 1.0001, text: "429s <= 1% of calls"},
		target{bench: "BenchmarkPaceTutorBurst", figure: "failures", max: true, value: 1, text: "0 replies lost or cut"},
		target{bench: "BenchmarkPaceFanOut", figure: "vs-min", max: true, value: 1.2, text: "done within 1.2x min"},
		target{bench: "BenchmarkPaceFanOut", figure: "lost", max: true, value: 1, text: "0 lost"},
		target{bench: "BenchmarkPaceFanOut", figure: "doubled", max: true, value: 1, text: "0 doubled"},
		target{bench: "BenchmarkPaceFanOut", figure: "failures", max: true, value: 1, text: "0 members not reached"},
		target{bench: "BenchmarkPaceFanOut", figure: "429-%", max: true, value: 1.0001, text: "429s <= 1% of calls"},
		target{bench: "BenchmarkPaceFastClicker", figure: "failures", max: true, value: 1, text: "every press answered"},
		target{bench: "BenchmarkPaceFastClicker", figure: "tier3/min", max: true, value: 51, text: "Tier 3 calls <= 50/min"},
		target{bench: "BenchmarkPaceFastClicker", figure: "429-%", max: true, value: 1.0001, text: "429s <= 1% of calls"},
	)
	for _, kind := range []string{"reminder", "nudge"} {
		for _, killed := range []string{"false", "true"} {
			name := "BenchmarkFanOut/" + kind + "/killed=" + killed
			t = append(t,
				target{bench: name, figure: "%-of-limit", max: false, value: 90, text: ">= 90% of the allowed rate"},
				target{bench: name, figure: "lost", max: true, value: 1, text: "0 lost"},
				target{bench: name, figure: "duplicated", max: true, value: 1, text: "0 duplicated"})
		}
	}
	return t
}

func (t target) met(v float64) bool {
	if t.max {
		return v < t.value
	}
	return v >= t.value
}

// result is one benchmark's figures, every run kept.
type result struct {
	pkg, name string
	figures   []string             // in order of first appearance
	values    map[string][]float64 // figure -> one value per run
	isTime    map[string]bool      // figure measured in ns
}

type input struct {
	results  []*result
	failures []string
}

// parse reads go test -bench output.
func parse(r io.Reader) (input, error) {
	var in input
	byKey := map[string]*result{}
	pkg := ""
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		trimmed := strings.TrimSpace(line)
		switch {
		case strings.HasPrefix(line, "pkg: "):
			pkg = strings.TrimPrefix(line, "pkg: ")
			continue
		case strings.HasPrefix(trimmed, "--- FAIL"), strings.HasPrefix(line, "FAIL"), strings.HasPrefix(line, "panic:"):
			in.failures = append(in.failures, line)
			continue
		case !strings.HasPrefix(line, "Benchmark"):
			continue
		}
		f := strings.Fields(line)
		if len(f) < 4 || len(f)%2 != 0 {
			continue // a name line before the benchmark's own log output
		}
		if _, err := strconv.ParseInt(f[1], 10, 64); err != nil {
			continue
		}
		name := stripProcs(f[0])
		key := pkg + "\x00" + name
		res := byKey[key]
		if res == nil {
			res = &result{pkg: pkg, name: name, values: map[string][]float64{}, isTime: map[string]bool{}}
			byKey[key] = res
			in.results = append(in.results, res)
		}
		for i := 2; i+1 < len(f); i += 2 {
			v, err := strconv.ParseFloat(f[i], 64)
			if err != nil {
				continue
			}
			figure, scale, isTime, keep := figureOf(f[i+1])
			if !keep {
				continue
			}
			if _, seen := res.values[figure]; !seen {
				res.figures = append(res.figures, figure)
			}
			res.values[figure] = append(res.values[figure], v*scale)
			res.isTime[figure] = isTime
		}
	}
	return in, sc.Err()
}

// stripProcs drops the -GOMAXPROCS suffix go test adds to names.
func stripProcs(name string) string {
	i := strings.LastIndexByte(name, '-')
	if i < 0 || !isDigits(name[i+1:]) {
		return name
	}
	return name[:i]
}

func isDigits(s string) bool {
	if s == "" {
		return false
	}
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

// timeUnit is the factor from a time unit to ns.
func timeUnit(u string) (float64, bool) {
	switch u {
	case "ns":
		return 1, true
	case "us", "µs":
		return 1e3, true
	case "ms":
		return 1e6, true
	case "s":
		return 1e9, true
	}
	return 0, false
}

// isPercentile matches "p99", "p50", "p99.9".
func isPercentile(s string) bool {
	if len(s) < 2 || s[0] != 'p' {
		return false
	}
	_, err := strconv.ParseFloat(s[1:], 64)
	return err == nil && s[1] >= '0' && s[1] <= '9'
}

// timeMetric reads custom time units: "<figure>-<unit>" or
// "<figure>_<unit>" ("p99-ms", "pong-p99-ms", "fill-s") and "<unit>/pNN"
// ("ms/p99"), with unit one of ns, us, µs, ms, s.
func timeMetric(unit string) (figure string, scale float64, ok bool) {
	if i := strings.LastIndexAny(unit, "-_"); i > 0 {
		if s, ok := timeUnit(unit[i+1:]); ok {
			return unit[:i], s, true
		}
	}
	if u, fig, found := strings.Cut(unit, "/"); found {
		if s, ok := timeUnit(u); ok && isPercentile(fig) {
			return fig, s, true
		}
	}
	return "", 0, false
}

// figureOf maps a go test unit to a figure, the factor to its base unit,
// whether it is a time in ns, and whether the table shows it at all.
func figureOf(unit string) (figure string, scale float64, isTime, keep bool) {
	switch unit {
	case "ns/op":
		return "time/op", 1, true, true
	case "B/op", "allocs/op", "MB/s":
		return unit, 1, false, false
	}
	if fig, scale, ok := timeMetric(unit); ok {
		return fig, scale, true, true
	}
	return unit, 1, false, true
}

type verdict string

const (
	verdictNone   verdict = ""
	verdictOK     verdict = "ok"
	verdictMissed verdict = "MISSED"
)

type row struct {
	bench, figure, target, measured string
	verdict                         verdict
}

// summarize makes one row per figure measured, with its target if any,
// and a row for each target whose benchmark did not run.
func summarize(results []*result, ts []target) []row {
	var rows []row
	ran := map[string]bool{}
	for _, res := range results {
		for _, fig := range res.figures {
			v := median(res.values[fig])
			r := row{bench: res.name, figure: fig, target: "-", measured: format(v, res.isTime[fig], fig)}
			for _, t := range ts {
				if t.bench == res.name && t.figure == fig {
					ran[t.bench+"\x00"+t.figure] = true
					r.target = t.text
					r.verdict = verdictMissed
					if t.met(v) {
						r.verdict = verdictOK
					}
				}
			}
			rows = append(rows, r)
		}
	}
	for _, t := range ts {
		if !ran[t.bench+"\x00"+t.figure] {
			rows = append(rows, row{bench: t.bench, figure: t.figure, target: t.text, measured: "not run"})
		}
	}
	return rows
}

func median(vs []float64) float64 {
	s := append([]float64(nil), vs...)
	sort.Float64s(s)
	n := len(s)
	if n%2 == 1 {
		return s[n/2]
	}
	return (s[n/2-1] + s[n/2]) / 2
}

// format shows a time in ns with a readable unit, and other figures with
// three significant digits (whole numbers from 1000 up).
func format(v float64, isTime bool, figure string) string {
	if isTime {
		switch a := math.Abs(v); {
		case a >= 1e9:
			return sig(v/1e9) + " s"
		case a >= 1e6:
			return sig(v/1e6) + " ms"
		case a >= 1e3:
			return sig(v/1e3) + " µs"
		default:
			return sig(v) + " ns"
		}
	}
	return sig(v) + " " + figure
}

func sig(v float64) string {
	if math.Abs(v) >= 1000 {
		return strconv.FormatFloat(math.Round(v), 'f', -1, 64)
	}
	return strconv.FormatFloat(v, 'g', 3, 64)
}

func render(w io.Writer, rows []row) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	if _, err := fmt.Fprintln(tw, "benchmark\tfigure\ttarget\tmeasured\tverdict"); err != nil {
		return err
	}
	for _, r := range rows {
		v := string(r.verdict)
		if v == "" {
			v = "-"
		}
		if _, err := fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", r.bench, r.figure, r.target, r.measured, v); err != nil {
			return err
		}
	}
	return tw.Flush()
}
