// Package insighttest builds a cohort of simulated learners for the tests
// of the cohort figures (package insight), /cohort insights on each
// platform and coursebot report: 30 members walk the built-in lesson
// (4-4), the quiz test course's lesson (2-1) and the tutor test course's
// lesson with key points (1-1) through the real lesson engine and tutor
// (with a deterministic in-process model), on an injected clock, with a
// spread of answers, ticks, ratings, "I'm stuck" presses and reviews.
// Three more learners are not members (invited, left, in another cohort).
//
// Every learner's Plan is kept: tests work out the figures they expect
// from the plans, never from the code under test.
package insighttest

import (
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"testing"
	"testing/fstest"

	"github.com/coursebot/coursebot/course"
	"github.com/coursebot/coursebot/course/builtin"
)

// Root is the module's top directory (this file's ../..).
func Root(t testing.TB) string {
	t.Helper()
	_, file, _, ok := runtime.Caller(0)
	if !ok {
		t.Fatal("insighttest: cannot find its own source")
	}
	return filepath.Join(filepath.Dir(file), "..", "..")
}

// Course is the built-in course with the quiz test course's lesson 2-1
// and the tutor test course's lesson 1-1 beside Lesson 4.4, each loaded
// as written.
func Course(t testing.TB) *course.Course {
	t.Helper()
	c, err := course.LoadFS(files(t), "insighttest")
	if err != nil {
		t.Fatalf("insighttest: load the course: %v", err)
	}
	for _, id := range []string{"1-1", "2-1", "4-4"} {
		if c.Lessons[id] == nil {
			t.Fatalf("insighttest: the course has no lesson %s", id)
		}
	}
	return c
}

// CourseDir writes Course's files into a directory of the test's and
// returns it, for commands that take --course DIR.
func CourseDir(t testing.TB) string {
	t.Helper()
	dir := t.TempDir()
	for name, f := range files(t) {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, f.Data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// files are the three courses' files in one file system.
func files(t testing.TB) fstest.MapFS {
	t.Helper()
	merged := fstest.MapFS{}
	add := func(src fs.FS) {
		err := fs.WalkDir(src, ".", func(p string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() {
				return err
			}
			data, err := fs.ReadFile(src, p)
			if err != nil {
				return err
			}
			merged[p] = &fstest.MapFile{Data: data, Mode: 0o644}
			return nil
		})
		if err != nil {
			t.Fatalf("insighttest: course: %v", err)
		}
	}
	root := Root(t)
	add(builtin.FS())
	add(os.DirFS(filepath.Join(root, "testdata", "quiz", "course")))
	add(os.DirFS(filepath.Join(root, "testdata", "tutor", "course")))
	return merged
}
