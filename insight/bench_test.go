package insight_test

import (
	"context"
	"io"
	"testing"
	"time"

	"github.com/coursebot/coursebot/insight"
	"github.com/coursebot/coursebot/insight/insighttest"
)

// BenchmarkInsights is what /cohort insights does for the simulated
// cohort of 30: read the members' records from bbolt, work out the
// figures, write the sections and draw the PNG. It must leave Slack's 3 s
// acknowledgement far behind (target in cmd/benchtable).
func BenchmarkInsights(b *testing.B) {
	db, c := cohort(b)
	ctx := context.Background()
	for b.Loop() {
		ls, err := insight.Cohort(ctx, db, db, c.Name, true)
		if err != nil {
			b.Fatal(err)
		}
		f := insight.Compute(c.Course, ls, insight.Options{Audience: insight.Lead, Now: insighttest.Now})
		_ = insight.Sections(f, time.UTC, true, "cohort", c.Name)
		if _, _, err := insight.Picture(f); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkReport is coursebot report on the same records: every learner,
// the figures and the HTML with its six SVG charts.
func BenchmarkReport(b *testing.B) {
	db, c := cohort(b)
	ctx := context.Background()
	for b.Loop() {
		ls, err := insight.Everyone(ctx, db, db, true)
		if err != nil {
			b.Fatal(err)
		}
		f := insight.Compute(c.Course, ls, insight.Options{Audience: insight.Author, Now: insighttest.Now})
		if _, err := insight.Report(io.Discard, f, insight.ReportOptions{Scope: "Every learner the bot knows"}); err != nil {
			b.Fatal(err)
		}
	}
}
