package main

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/coursebot/coursebot/insight/insighttest"
	"github.com/coursebot/coursebot/store"
)

// TestReportCommand: coursebot report writes the author's report of the
// simulated cohort's database as one HTML file that loads nothing: every
// learner the bot knows, or one cohort's accepted members; a cohort that
// does not exist and a missing --html get a sentence and write nothing.
func TestReportCommand(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "coursebot.db")
	db, err := store.Open(path, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	insighttest.Build(t, db, "slack", "slack:ULEAD")
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	course := insighttest.CourseDir(t)
	outDir := t.TempDir()
	html := filepath.Join(outDir, "report.html")
	for _, tc := range []struct {
		args  []string
		said  string
		scope string
	}{
		{nil, "31 learners, 3 lessons, 6 charts", "Every learner the bot knows · 31 learners"},
		{[]string{"--cohort", "spring"}, "30 learners, 3 lessons, 6 charts", "Cohort spring, its accepted members · 30 learners"},
	} {
		args := append([]string{"report", "--db", path, "--course", course, "--html", html, "--as-of", insighttest.Now.Format(time.RFC3339)}, tc.args...)
		out, errs, code := runCmd(t, "", args...)
		if code != exitOK || !strings.Contains(out, "wrote "+html+": "+tc.said) {
			t.Fatalf("%v: exit %d %q %q", tc.args, code, out, errs)
		}
		data, err := os.ReadFile(html)
		if err != nil {
			t.Fatal(err)
		}
		page := string(data)
		if !strings.Contains(page, tc.scope) || strings.Count(page, `<figure class="chart"`) != 6 || strings.Count(page, "<svg") != 6 {
			t.Errorf("%v: the report lacks %q or its 6 charts", tc.args, tc.scope)
		}
		// Nothing is fetched when it is opened: no script, stylesheet,
		// image, font or frame from anywhere (the SVG namespaces are
		// names, not fetches).
		for _, re := range []string{`<script`, `<link`, `<img`, `<iframe`, `@import`, `url\(`, `src=`, `href="(https?:)?//`} {
			if m := regexp.MustCompile(re).FindString(page); m != "" {
				t.Errorf("%v: the report would load something: %q", tc.args, m)
			}
		}
	}
	if out, errs, code := runCmd(t, "", "report", "--db", path, "--course", course, "--cohort", "nope", "--html", filepath.Join(outDir, "x.html")); code != exitError || !strings.Contains(errs, `no cohort "nope"`) {
		t.Errorf("unknown cohort: exit %d %q %q", code, out, errs)
	}
	if _, errs, code := runCmd(t, "", "report", "--db", path); code != exitUsage || !strings.Contains(errs, "--html FILE") {
		t.Errorf("no --html: exit %d %q", code, errs)
	}
	entries, err := os.ReadDir(outDir)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 1 || entries[0].Name() != "report.html" {
		var names []string
		for _, e := range entries {
			names = append(names, e.Name())
		}
		t.Errorf("files left beside the report: %v", names)
	}
}
