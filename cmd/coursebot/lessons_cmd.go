package main

import (
	"errors"
	"fmt"
	"io"
	"sort"

	"github.com/coursebot/coursebot/course"
)

// runLessons is `coursebot lessons check|outline`, for course authors.
func runLessons(args []string, stdout io.Writer) error {
	if len(args) == 0 {
		return usagef("lessons: want check or outline")
	}
	switch args[0] {
	case "check":
		return runLessonsCheck(args[1:], stdout)
	case "outline":
		return runLessonsOutline(args[1:], stdout)
	}
	return usagef("lessons: unknown subcommand %q (want check or outline)", args[0])
}

// runLessonsCheck is `coursebot lessons check DIR`: every problem as
// file:line: what, then the warnings and a line of totals.
func runLessonsCheck(args []string, stdout io.Writer) error {
	fs := flags("lessons check")
	if err := parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return usagef("lessons check: want one course directory")
	}
	c, err := course.LoadDir(fs.Arg(0))
	var ce *course.CourseError
	if errors.As(err, &ce) {
		for _, p := range ce.Problems {
			if _, err := fmt.Fprintln(stdout, p.String()); err != nil {
				return err
			}
		}
		return fmt.Errorf("%s: %d problem(s)", fs.Arg(0), len(ce.Problems))
	}
	if err != nil {
		return err
	}
	ids := make([]string, 0, len(c.Lessons))
	for id := range c.Lessons {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	cards := 0
	for _, id := range ids {
		cards += len(c.Lessons[id].Cards)
	}
	warnings := course.Warnings(c)
	for _, w := range warnings {
		if _, err := fmt.Fprintln(stdout, w.String()); err != nil {
			return err
		}
	}
	note := ""
	if len(warnings) > 0 {
		note = fmt.Sprintf(", %d warning(s)", len(warnings))
	}
	_, err = fmt.Fprintf(stdout, "%s: ok: %d lesson(s) with material (%v), %d in the catalogue, %d cards%s\n", fs.Arg(0), len(ids), ids, len(c.Catalogue), cards, note)
	return err
}

// runLessonsOutline is `coursebot lessons outline [--course DIR] ID`.
func runLessonsOutline(args []string, stdout io.Writer) error {
	fs := flags("lessons outline")
	dir := fs.String("course", "", "course directory (default: the built-in course)")
	if err := parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return usagef("lessons outline: want one lesson id, e.g. 4-4")
	}
	c, err := loadCourse(*dir)
	if err != nil {
		return err
	}
	les, ok := c.Lessons[fs.Arg(0)]
	if !ok {
		return fmt.Errorf("lessons outline: lesson %q has no material in this course", fs.Arg(0))
	}
	return course.WriteOutline(stdout, les)
}
