package main

import (
	"context"
	"fmt"
	"io"
	"os"

	"github.com/coursebot/coursebot/course"
	"github.com/coursebot/coursebot/search"
	"github.com/coursebot/coursebot/tutor"
	"github.com/coursebot/coursebot/tutor/eval"
)

// runTutorEval is `coursebot tutor eval`: the case set against the
// configured endpoint, a table (or JSON) of every case's checks and the
// totals; exit status 1 when fewer cases pass the rules than --min-pass.
func runTutorEval(ctx context.Context, args []string, stdout io.Writer, env func(string) string) (err error) {
	fs := flags("tutor eval")
	set := settingsFlags(fs, true)
	casesFile := fs.String("cases", "", "case file (default: the cases kept for the built-in course)")
	asJSON := fs.Bool("json", false, "print the results as JSON, the replies included")
	parallel := fs.Int("parallel", 1, "cases run at once (a local model serves one at a time)")
	minPass := fs.Float64("min-pass", 100, "exit 1 when fewer than this percentage of the cases pass the rules")
	timeout := fs.Duration("timeout", 0, "longest wait for one reply (default tutor.timeout)")
	if err := parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 || *parallel < 1 || *minPass < 0 || *minPass > 100 || *timeout < 0 {
		return usagef("tutor eval: want [--config FILE] [--cases FILE] [--json] [--parallel N >= 1] [--min-pass 0..100] [--timeout D]")
	}
	cfg, err := set.load(env)
	if err != nil {
		return err
	}
	loaded, err := loadCourse(cfg.Course.Dir)
	if err != nil {
		return err
	}
	var cases []eval.Case
	source := *casesFile
	switch {
	case *casesFile != "":
		src, rerr := os.ReadFile(*casesFile)
		if rerr != nil {
			return fmt.Errorf("tutor eval: %w", rerr)
		}
		cases, err = eval.Parse(*casesFile, src, loaded)
	case cfg.Course.Dir == "":
		source = "the built-in course's cases"
		cases, err = eval.BuiltinCases(loaded)
	default:
		return fmt.Errorf("tutor eval: the kept cases are for the built-in course; give yours with --cases FILE (docs/tutor.md, \"Evaluating a model\")")
	}
	if err != nil {
		return err
	}
	ix, err := search.Build(course.Passages(loaded), course.Glossary(loaded))
	if err != nil {
		return fmt.Errorf("tutor eval: build the course search: %w", err)
	}
	defer closeInto(&err, ix, "the course search")
	o := eval.Options{Course: loaded, Model: tutorClient(cfg), Search: ix, Timeout: cfg.Tutor.Timeout, Parallel: *parallel}
	if *timeout > 0 {
		o.Timeout = *timeout
	}
	h := eval.Header{Model: cfg.Tutor.Model, BaseURL: cfg.Tutor.BaseURL, Cases: source}
	if j := cfg.Tutor.Judge; j.BaseURL != "" {
		o.Judge = tutor.NewClient(tutor.ClientOptions{BaseURL: j.BaseURL, Model: j.Model, APIKey: cfg.Secrets.JudgeAPIKey.Reveal(),
			MaxTokens: 300, TokenParam: cfg.Tutor.TokenParam})
		o.JudgeTimeout = j.Timeout
		h.Judge = j.Model + " at " + j.BaseURL
	}
	results := eval.Run(ctx, o, cases)
	if *asJSON {
		err = eval.WriteJSON(stdout, h, results)
	} else {
		err = eval.WriteTable(stdout, h, results)
	}
	if err != nil {
		return fmt.Errorf("tutor eval: write the results: %w", err)
	}
	s := eval.Summarize(results)
	if got := 100 * float64(s.Passed) / float64(max(s.Cases, 1)); got < *minPass {
		return fmt.Errorf("tutor eval: %d of %d cases pass the rules (%.1f%%), under --min-pass %g%%", s.Passed, s.Cases, got, *minPass)
	}
	return nil
}
