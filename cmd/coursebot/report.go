package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/coursebot/coursebot/insight"
)

// coursebot report: the author's report, one self-contained HTML file
// (package insight; docs/insights.md).

func runReport(ctx context.Context, args []string, stdout io.Writer, env func(string) string) (err error) {
	fs := flags("report")
	set := settingsFlags(fs, true)
	cohort := fs.String("cohort", "", "only this cohort's accepted members (default: every learner the bot knows)")
	out := fs.String("html", "", "the HTML file to write")
	asOf := fs.String("as-of", "", "the figures as the records were at this time (RFC 3339, e.g. 2026-11-30T09:00:00Z; default now)")
	if err := parse(fs, args); err != nil {
		return err
	}
	now := time.Now()
	if *asOf != "" {
		t, err := time.Parse(time.RFC3339, *asOf)
		if err != nil {
			return usagef("report: --as-of %q is not a time like 2026-11-30T09:00:00Z", *asOf)
		}
		now = t
	}
	if *out == "" || fs.NArg() > 0 {
		return usagef("report: want --html FILE: coursebot report [--config FILE] [--db FILE] [--course DIR] [--cohort NAME] [--as-of TIME] --html FILE")
	}
	cfg, err := set.load(env)
	if err != nil {
		return err
	}
	c, err := loadCourse(cfg.Course.Dir)
	if err != nil {
		return err
	}
	loc, err := time.LoadLocation(cfg.Cohorts.DefaultTimezone)
	if err != nil {
		return fmt.Errorf("report: cohorts.default_timezone: %w", err)
	}
	db, err := openStore(cfg)
	if err != nil {
		return err
	}
	defer closeInto(&err, db, "the database")
	var ls []insight.Learner
	scope := "Every learner the bot knows"
	if *cohort != "" {
		co, ok, err := db.Cohort(ctx, *cohort)
		if err != nil {
			return fmt.Errorf("report: %w", err)
		}
		if !ok {
			return fmt.Errorf("report: there is no cohort %q", *cohort)
		}
		if l, err := time.LoadLocation(co.Timezone); err == nil {
			loc = l
		}
		scope = "Cohort " + co.Name + ", its accepted members"
		ls, err = insight.Cohort(ctx, db, db, co.Name, cfg.Course.ShareAnswersWithLeads)
		if err != nil {
			return fmt.Errorf("report: %w", err)
		}
	} else if ls, err = insight.Everyone(ctx, db, db, cfg.Course.ShareAnswersWithLeads); err != nil {
		return fmt.Errorf("report: %w", err)
	}
	f := insight.Compute(c, ls, insight.Options{Audience: insight.Author, Now: now})
	charts, err := writeReport(*out, f, insight.ReportOptions{Scope: scope, Loc: loc})
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(stdout, "wrote %s: %d learners, %d lessons, %d charts\n", *out, f.Learners, len(f.Lessons), charts)
	return err
}

// writeReport writes the report to path through a temporary file beside
// it, so the file is the whole report or what it was before.
func writeReport(path string, f insight.Figures, o insight.ReportOptions) (charts int, err error) {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
	if err != nil {
		return 0, fmt.Errorf("report: %w", err)
	}
	defer func() {
		if err != nil {
			_ = os.Remove(tmp.Name())
		}
	}()
	if charts, err = insight.Report(tmp, f, o); err != nil {
		_ = tmp.Close()
		return 0, err
	}
	if err := tmp.Chmod(0o644); err != nil {
		_ = tmp.Close()
		return 0, fmt.Errorf("report: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return 0, fmt.Errorf("report: %w", err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return 0, fmt.Errorf("report: %w", err)
	}
	return charts, nil
}
