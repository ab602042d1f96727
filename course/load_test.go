package course_test

import (
	"bytes"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/coursebot/coursebot/course"
	coursefs "github.com/coursebot/coursebot/course/builtin"
)

var update = flag.Bool("update", false, "rewrite golden files")

func builtin(t testing.TB) *course.Course {
	t.Helper()
	c, err := course.LoadBuiltin()
	if err != nil {
		t.Fatalf("load built-in course: %v", err)
	}
	return c
}

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("read golden (run go test -update to create it): %v", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from what was produced; run go test ./course -run %s -update and review the diff\n--- got ---\n%s", path, t.Name(), got)
	}
}

func TestOutlineOfSeedLessonGolden(t *testing.T) {
	t.Parallel()
	c := builtin(t)
	var buf bytes.Buffer
	if err := course.WriteOutline(&buf, c.Lessons["4-4"]); err != nil {
		t.Fatal(err)
	}
	golden(t, "outline-4-4.golden", buf.Bytes())
}

func TestCatalogueListsAllSixteenLessons(t *testing.T) {
	t.Parallel()
	c := builtin(t)
	if len(c.Catalogue) != 16 {
		t.Fatalf("catalogue has %d lessons, want 16", len(c.Catalogue))
	}
	for _, e := range c.Catalogue {
		if e.Installed != (e.ID == "4-4") {
			t.Errorf("lesson %s installed=%v", e.ID, e.Installed)
		}
	}
	if first, last := c.Catalogue[0], c.Catalogue[15]; first.ID != "1-1" || first.Title != "Welcome & Setup" || last.ID != "4-4" || last.Title != "Capstone" {
		t.Errorf("catalogue ends are %+v and %+v", first, last)
	}
	var names []string
	for _, cmd := range c.Commands() {
		names = append(names, cmd.Name)
	}
	got := strings.Join(names, " ")
	if !strings.HasPrefix(got, "start-1-1 start-1-2") || !strings.HasSuffix(got, "start-4-4 status help-mlops") {
		t.Errorf("commands = %s", got)
	}
}

func TestCourseProblemsNameFileAndLine(t *testing.T) {
	t.Parallel()
	const goodModule = "# M\n\n## Part 1: Intro\n\nHello.\n"
	tests := []struct {
		name  string
		files map[string]string
		want  []string
	}{
		{"module missing", map[string]string{
			".claude/commands/start-1-1.md": "# Lesson 1.1: A\n\nRead the lesson content from `lesson-modules/nope.md` and guide.\n\n## Lesson Flow\n\n### 1. Intro (5 min)\nHi.\n",
		}, []string{`.claude/commands/start-1-1.md:3: lesson module "lesson-modules/nope.md" not found`}},
		{"broken step heading", map[string]string{
			"commands/start-1-1.md": "# Lesson 1.1: A\n\n## Lesson Flow\n\n### 1. Intro\nHi.\n\n### Second step (5 min)\nMore.\n",
		}, []string{`commands/start-1-1.md:8: step heading "Second step (5 min)" should read "### N. Title" with an optional "(M min)"`}},
		{"empty script", map[string]string{"commands/start-1-1.md": "  \n"},
			[]string{"commands/start-1-1.md:1: empty file"}},
		{"empty module", map[string]string{
			"commands/start-1-1.md": "# Lesson 1.1: A\n\nRead the lesson content from `m.md`.\n\n## Lesson Flow\n\n### 1. Intro\nHi.\n",
			"m.md":                  "\n",
		}, []string{"m.md:1: empty file"}},
		{"ask without quotes", map[string]string{
			"commands/start-1-1.md": "# Lesson 1.1: A\n\n## Lesson Flow\n\n### 1. Intro\nAsk: what is it?\n",
		}, []string{`commands/start-1-1.md:6: question should read Ask: "..." with the question in double quotes`}},
		{"steps out of order", map[string]string{
			"commands/start-1-1.md": "# Lesson 1.1: A\n\n## Lesson Flow\n\n### 1. One\nA.\n\n### 3. Three\nB.\n",
		}, []string{"commands/start-1-1.md:8: step 3 follows step 1; steps are numbered 1, 2, 3, ..."}},
		{"no steps", map[string]string{"commands/start-1-1.md": "# Lesson 1.1: A\n\nJust text.\n"},
			[]string{`commands/start-1-1.md:1: no steps: expected "## Lesson Flow" with "### 1. Title (M min)" headings`}},
		{"no scripts", map[string]string{"README.md": "hi"},
			[]string{"no tutor scripts"}},
		{"manifest unknown key", map[string]string{
			"commands/start-1-1.md": "# Lesson 1.1: A\n\nRead the lesson content from `m.md`.\n\n## Lesson Flow\n\n### 1. Intro\nHi.\n",
			"m.md":                  goodModule,
			"coursebot.yaml":        "lessons:\n  \"1-1\":\n    atach: {}\n",
		}, []string{`coursebot.yaml:3: lesson "1-1": unknown key "atach" (known keys: attach, revisit, repository)`}},
		{"manifest problems at their lines", map[string]string{
			"commands/start-1-1.md": "# Lesson 1.1: A\n\nRead the lesson content from `m.md`.\n\n## Lesson Flow\n\n### 1. Intro\nHi.\n",
			"m.md":                  goodModule,
			"coursebot.yaml": "lessons:\n  \"1-1\":\n    attach:\n      \"Part 1: Intro\": 1\n      \"Part 2\": two\n    revisit:\n      \"An item\": 3\n" +
				"commands:\n  status: [a]\n  hlep: x\n  status: y\ncolour: red\n",
		}, []string{
			`coursebot.yaml:5: attach "Part 2" is not a step number (0 = the opening card)`,
			`coursebot.yaml:7: revisit "An item" is not a list of lesson ids (for example ["1-1", "2-3"])`,
			`coursebot.yaml:9: commands: status is not a command name`,
			`coursebot.yaml:10: commands: unknown key "hlep" (known keys: status, help)`,
			`coursebot.yaml:11: commands: key "status" given twice`,
			`coursebot.yaml:12: the manifest: unknown key "colour" (known keys: lessons, commands)`,
		}},
		{"manifest syntax", map[string]string{
			"commands/start-1-1.md": "# Lesson 1.1: A\n\n## Lesson Flow\n\n### 1. Intro\nHi.\n",
			"coursebot.yaml":        "lessons:\n  a: b\n    c: d\n",
		}, []string{"coursebot.yaml:3: mapping values are not allowed in this context"}},
		{"manifest pins to a missing step", map[string]string{
			"commands/start-1-1.md": "# Lesson 1.1: A\n\nRead the lesson content from `m.md`.\n\n## Lesson Flow\n\n### 1. Intro\nHi.\n",
			"m.md":                  goodModule,
			"coursebot.yaml":        "lessons:\n  \"1-1\":\n    attach:\n      \"Part 1: Intro\": 4\n",
		}, []string{`coursebot.yaml:2: attach "Part 1: Intro": step 4 does not exist (the script has 1 steps)`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			for name, body := range tt.files {
				p := filepath.Join(dir, name)
				if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			_, err := course.LoadDir(dir)
			var ce *course.CourseError
			if !errors.As(err, &ce) {
				t.Fatalf("LoadDir = %v, want a *CourseError", err)
			}
			got := ce.Error()
			for _, w := range tt.want {
				if !strings.Contains(got, w) {
					t.Errorf("problems:\n%s\nwant one containing %q", got, w)
				}
			}
		})
	}
}

// The second lesson has another shape: scripts under commands/, module
// sections without "Part" headings, no durations, a manifest pin.
func TestSecondLessonOfAnotherShape(t *testing.T) {
	t.Parallel()
	c, err := course.LoadDir(filepath.Join("testdata", "course2"))
	if err != nil {
		t.Fatal(err)
	}
	les := c.Lessons["1-2"]
	if les == nil {
		t.Fatalf("lesson 1-2 not loaded; have %v", c.Lessons)
	}
	var buf bytes.Buffer
	if err := course.WriteOutline(&buf, les); err != nil {
		t.Fatal(err)
	}
	golden(t, "outline-course2.golden", buf.Bytes())
	// No Commands Reference: status and help still exist.
	var names []string
	for _, cmd := range c.Commands() {
		names = append(names, cmd.Name)
	}
	if got := strings.Join(names, " "); got != "start-1-2 status help" {
		t.Errorf("commands = %q", got)
	}
}

// Ids of questions and items do not move when the author inserts text.
func TestIDsSurviveCourseEdits(t *testing.T) {
	t.Parallel()
	ids := func(c *course.Course) map[string]string {
		out := map[string]string{}
		for _, card := range c.Lessons["4-4"].Cards {
			for _, b := range card.Blocks {
				if b.Question != nil {
					out[b.Question.Prompt] = b.Question.ID
				}
				for _, it := range b.Items {
					out[it.Group+"/"+it.Text] = it.ID
				}
			}
		}
		return out
	}
	before := ids(builtin(t))
	dir := t.TempDir()
	if err := os.CopyFS(dir, coursefs.FS()); err != nil {
		t.Fatal(err)
	}
	script := filepath.Join(dir, ".claude", "commands", "start-4-4.md")
	src, _ := os.ReadFile(script)
	edited := strings.Replace(string(src), "### 2. Socratic Question\n", "### 2. Socratic Question\nA new paragraph the author added.\n\n", 1)
	edited = strings.Replace(edited, "**Code Quality**\n", "**Code Quality**\n- [ ] A brand new item\n", 1)
	if edited == string(src) {
		t.Fatal("edit did not apply")
	}
	if err := os.WriteFile(script, []byte(edited), 0o644); err != nil {
		t.Fatal(err)
	}
	c, err := course.LoadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	after := ids(c)
	for k, v := range before {
		if after[k] != v {
			t.Errorf("id of %q changed from %s to %s", k, v, after[k])
		}
	}
	if len(after) != len(before)+1 {
		t.Errorf("after the edit %d ids, want %d", len(after), len(before)+1)
	}
}

// TestOutlinesOfTheTestCourses: the outline of every test course (quizzes
// in their several spellings, key points, a module under lesson-modules/)
// is kept as a golden file, so a change to the parsers that changes what a
// learner gets shows here line by line.
func TestOutlinesOfTheTestCourses(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ dir, lesson, golden string }{
		{"../testdata/quiz/course", "2-1", "outline-quiz-2-1.golden"},
		{"../testdata/quiz/holdout", "3-1", "outline-holdout-3-1.golden"},
		{"../testdata/tutor/course", "1-1", "outline-tutor-1-1.golden"},
	} {
		t.Run(tc.golden, func(t *testing.T) {
			c, err := course.LoadDir(tc.dir)
			if err != nil {
				t.Fatal(err)
			}
			var buf bytes.Buffer
			if err := course.WriteOutline(&buf, c.Lessons[tc.lesson]); err != nil {
				t.Fatal(err)
			}
			golden(t, tc.golden, buf.Bytes())
		})
	}
}
