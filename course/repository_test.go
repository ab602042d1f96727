package course_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/coursebot/coursebot/course"
)

// repoScript is a lesson with a repository checklist in a code block and a
// Markdown one, for the capstone check's rules.
const repoScript = "# Lesson 1.1: A\n\n## Lesson Flow\n\n### 1. Capstone (5 min)\nBuild it.\n\n" +
	"```\n[ ] project/\n    [ ] src/\n        [ ] train.py\n[ ] README.md (setup)\n```\n\n" +
	"**Components**\n- [ ] CI runs on push\n- [ ] Data versioned\n- [ ] Data versioned\n"

func loadRepoCourse(t *testing.T, manifest string) (*course.Course, error) {
	t.Helper()
	dir := t.TempDir()
	for name, body := range map[string]string{"commands/start-1-1.md": repoScript, "coursebot.yaml": manifest} {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return course.LoadDir(dir)
}

func TestRepoRulesFromTheManifest(t *testing.T) {
	t.Parallel()
	c, err := loadRepoCourse(t, "lessons:\n  \"1-1\":\n    repository:\n"+
		"      \"CI runs on push\": {ci: passed}\n"+
		"      \"README.md (SETUP)\": README.md\n"+
		"      \"project/src/train.py\": [src/train.py, project/src/train.py]\n"+
		"      \"project/src/\": [\"src/\", \"*.py\"]\n")
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, r := range c.RepoRules("1-1") {
		if r.Item == "" || r.Line == 0 {
			t.Errorf("rule %+v has no item or line", r)
		}
		got = append(got, r.Text+" <- "+r.Describe())
	}
	want := []string{ // in the checklist's order, not the manifest's
		"project/src/ <- src/ or *.py",
		"project/src/train.py <- src/train.py or project/src/train.py",
		"README.md (setup) <- README.md",
		"CI runs on push <- the latest CI run on the default branch passed",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("rules:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if ids := c.RepoLessons(); len(ids) != 1 || ids[0] != "1-1" {
		t.Errorf("RepoLessons = %v, want [1-1]", ids)
	}
}

func TestRepoRuleProblemsAtTheirLines(t *testing.T) {
	t.Parallel()
	_, err := loadRepoCourse(t, "lessons:\n  \"1-1\":\n    repository:\n"+
		"      \"No such item\": x.py\n"+ // 4
		"      \"Data versioned\": \"*.dvc\"\n"+ // 5
		"      \"README.md (setup)\": /etc/passwd\n"+ // 6
		"      \"project/\": [src/, \"../up\"]\n"+ // 7
		"      \"project/src/\": {ci: failed}\n"+ // 8
		"      \"CI runs on push\": {cd: passed}\n"+ // 9
		"      \"project/src/train.py\": []\n"+ // 10
		"      \"project/src/train.py \": \"[\"\n") // 11
	var ce *course.CourseError
	if !errors.As(err, &ce) {
		t.Fatalf("LoadDir = %v, want a *CourseError", err)
	}
	for _, w := range []string{
		`coursebot.yaml:4: repository "No such item": lesson 1-1 has no checklist item that reads so`,
		`coursebot.yaml:5: repository "Data versioned": 2 checklist items of lesson 1-1 read so; the rule must name one`,
		`coursebot.yaml:6: repository "README.md (setup)": path "/etc/passwd" must be relative to the repository's top`,
		`coursebot.yaml:7: repository "project/": path "../up" has an empty, . or .. element`,
		`coursebot.yaml:8: repository "project/src/": ci: want passed`,
		`coursebot.yaml:9: repository "CI runs on push": unknown key "cd" (known keys: ci)`,
		`coursebot.yaml:10: repository "project/src/train.py": no paths`,
		`coursebot.yaml:11: repository "project/src/train.py ": path "[" is not a valid pattern`,
	} {
		if !strings.Contains(ce.Error(), w) {
			t.Errorf("problems:\n%s\nwant one containing %q", ce.Error(), w)
		}
	}
}

// The built-in course's manifest maps Part 7's Requirements Checklist: every
// rule names an item of that checklist.
func TestBuiltinRepoRules(t *testing.T) {
	t.Parallel()
	c, err := course.LoadBuiltin()
	if err != nil {
		t.Fatal(err)
	}
	rules := c.RepoRules("4-4")
	if len(rules) != 22 {
		t.Fatalf("%d rules, want 22 (19 lines of the Repository Structure, 3 MLOps Components)", len(rules))
	}
	var ci int
	for _, r := range rules {
		if r.CI {
			ci++
			if r.Text != "CI pipeline runs on push" {
				t.Errorf("CI rule on %q", r.Text)
			}
		}
	}
	if ci != 1 {
		t.Errorf("%d CI rules, want 1", ci)
	}
}
