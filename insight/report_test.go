package insight_test

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/coursebot/coursebot/insight"
	"github.com/coursebot/coursebot/insight/insighttest"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

var (
	figureRE = regexp.MustCompile(`(?s)<figure class="chart" id="([^"]+)" data-bars="(\d+)" data-fill="(#[0-9A-F]{6})">\s*(<svg .*?</svg>)`)
	svgRE    = regexp.MustCompile(`(?s)<svg .*?</svg>`)
)

// TestReportGolden pins the author's report of the simulated cohort: its
// HTML with each chart's SVG checked here (an SVG element with one bar,
// in the chart's colour, per row of its data) and then written as one
// line, so the golden file reads as the report's structure and figures.
func TestReportGolden(t *testing.T) {
	t.Parallel()
	db, c := cohort(t)
	ls, err := insight.Everyone(context.Background(), db, db, true)
	if err != nil {
		t.Fatal(err)
	}
	f := insight.Compute(c.Course, ls, insight.Options{Audience: insight.Author, Now: insighttest.Now})
	var b bytes.Buffer
	charts, err := insight.Report(&b, f, insight.ReportOptions{Scope: "Every learner the bot knows", Loc: time.UTC})
	if err != nil {
		t.Fatal(err)
	}
	page := b.String()
	figs := figureRE.FindAllStringSubmatch(page, -1)
	if len(figs) != charts || strings.Count(page, "<svg") != charts || charts != 6 {
		t.Fatalf("%d charts drawn, %d figures with an SVG, %d SVGs; want 6", charts, len(figs), strings.Count(page, "<svg"))
	}
	for _, m := range figs {
		bars, _ := strconv.Atoi(m[2])
		if got := strings.Count(m[4], `style="fill:`+m[3]+`"`); got != bars || bars == 0 {
			t.Errorf("chart %s: %d bars in %s, want %d", m[1], got, m[3], bars)
		}
	}
	for _, s := range []string{"<script", "<link", "<img", "@import", "url("} {
		if strings.Contains(page, s) {
			t.Errorf("the report would load something: %q", s)
		}
	}
	outline := svgRE.ReplaceAllStringFunc(page, func(svg string) string {
		return fmt.Sprintf("<svg><!-- %d paths, %d texts --></svg>", strings.Count(svg, "<path"), strings.Count(svg, "<text"))
	})
	golden(t, "report.golden.html", []byte(outline))
}

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the golden file (go test -update to accept):\n%s", name, firstDiff(string(got), string(want)))
	}
}

// firstDiff shows the first line where got and want part.
func firstDiff(got, want string) string {
	g, w := strings.Split(got, "\n"), strings.Split(want, "\n")
	for i := 0; i < len(g) || i < len(w); i++ {
		var a, b string
		if i < len(g) {
			a = g[i]
		}
		if i < len(w) {
			b = w[i]
		}
		if a != b {
			return fmt.Sprintf("line %d:\ngot:  %s\nwant: %s", i+1, a, b)
		}
	}
	return "same lines, different bytes"
}
