package lessons_test

import (
	"errors"
	"io/fs"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/coursebot/coursebot/bot"
	"github.com/coursebot/coursebot/course"
	coursefs "github.com/coursebot/coursebot/course/builtin"
	"github.com/coursebot/coursebot/lessons"
)

const (
	fuzzScript = ".claude/commands/start-4-4.md"
	fuzzModule = "lesson-modules/4-production/4-4-capstone.md"
)

// FuzzLoadFS loads a course made of an arbitrary tutor script, lesson
// module and manifest. The loader must never panic; it either reports
// problems, each at a file of the course and a line within it, or returns
// a course whose every lesson has cards with distinct keys that render with
// valid button actions. `make test` runs the seeds (the built-in course and
// a few broken ones); go test -fuzz FuzzLoadFS ./lessons explores.
func FuzzLoadFS(f *testing.F) {
	script, err := fs.ReadFile(coursefs.FS(), fuzzScript)
	if err != nil {
		f.Fatal(err)
	}
	module, err := fs.ReadFile(coursefs.FS(), fuzzModule)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(string(script), string(module), "")
	f.Add(string(script), "", "")
	f.Add("# Lesson 4.4: T\n\n## Lesson Flow\n\n### 1. One (5 min)\n\nAsk: \"why?\"\n", "## Part\n", "")
	f.Add("### 2. Two\n### 1. One\n", "| 1 | 2 | 3 | 4 | 5 | x\n", "lessons:\n  4-4:\n    revisit: [9-9]\n")
	f.Add(string(script), string(module), "commands: [\n")
	f.Add("\x00\xff# Lesson", "```\nunclosed fence", "lessons: 7")
	f.Fuzz(func(t *testing.T, script, module, manifest string) {
		files := map[string]string{fuzzScript: script, fuzzModule: module}
		fsys := fstest.MapFS{
			fuzzScript: {Data: []byte(script)},
			fuzzModule: {Data: []byte(module)},
		}
		if manifest != "" {
			fsys[course.ManifestFile] = &fstest.MapFile{Data: []byte(manifest)}
			files[course.ManifestFile] = manifest
		}
		c, err := course.LoadFS(fsys, "fuzz")
		if err != nil {
			var ce *course.CourseError
			if !errors.As(err, &ce) || len(ce.Problems) == 0 {
				t.Fatalf("error is not a CourseError with problems: %v", err)
			}
			for _, p := range ce.Problems {
				src, known := files[p.File]
				switch {
				case p.Msg == "" || p.Line < 0:
					t.Errorf("problem without a message or with a negative line: %+v", p)
				case known && p.Line > strings.Count(src, "\n")+1:
					t.Errorf("problem past the end of %s (%d lines): %+v", p.File, strings.Count(src, "\n")+1, p)
				}
			}
			return
		}
		for id, les := range c.Lessons {
			if len(les.Cards) == 0 {
				t.Fatalf("lesson %s loaded with no cards", id)
			}
			seen := map[string]bool{}
			for _, card := range les.Cards {
				if seen[card.Key] {
					t.Errorf("lesson %s: card key %q twice", id, card.Key)
				}
				seen[card.Key] = true
			}
			replies, err := lessons.PreviewReplies(c, id)
			if err != nil {
				t.Fatalf("preview %s: %v", id, err)
			}
			for _, r := range replies {
				for _, b := range r.Buttons {
					if _, err := bot.ParseAction(b.Action); err != nil || len(b.Action) > bot.MaxActionLen {
						t.Errorf("button %q has action %q: %v", b.Label, b.Action, err)
					}
				}
			}
		}
	})
}
