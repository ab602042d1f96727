package course_test

import (
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/coursebot/coursebot/course"
)

func loadDir(t testing.TB, dir string) *course.Course {
	t.Helper()
	c, err := course.LoadDir(filepath.Join("..", "testdata", "quiz", dir))
	if err != nil {
		t.Fatalf("load %s: %v", dir, err)
	}
	return c
}

func TestQuizSyntaxParses(t *testing.T) {
	t.Parallel()
	c := loadDir(t, "course")
	var got []*course.QuizDef
	for _, card := range c.Lessons["2-1"].Cards {
		if q := card.Quiz(); q != nil {
			got = append(got, q)
		}
	}
	if len(got) != 5 {
		t.Fatalf("%d quizzes, want 5", len(got))
	}
	q := got[0]
	if q.Prompt != "Which command starts tracking a data file with DVC?" || len(q.Options) != 3 || strings.Join(q.Correct, "") != "B" ||
		!strings.HasPrefix(q.Explain, "`dvc add` writes") {
		t.Errorf("multiple choice = %+v", q)
	}
	if q := got[1]; len(q.Options) != 0 || strings.Join(q.Accept, ",") != "dvc.yaml,dvc.yml" {
		t.Errorf("short answer = %+v", q)
	}
	if q := got[2]; !q.Multi() || strings.Join(q.Correct, "") != "AC" {
		t.Errorf("choose-all = %+v", q)
	}
	if q := got[3]; q.Explain != "" || strings.Join(q.Correct, "") != "A" {
		t.Errorf("quiz without Explain = %+v", q)
	}
	if q := got[4]; !q.Any || strings.Join(q.Correct, "") != "AB" || q.Multi() {
		t.Errorf("either-of = %+v", q)
	}
}

func TestQuizGradingIsLenient(t *testing.T) {
	t.Parallel()
	short := &course.QuizDef{Accept: []string{"dvc.yaml", "dvc.yml"}}
	for _, s := range []string{"dvc.yaml", "DVC.YAML", "`dvc.yml`", " dvc . yaml ", "dvc.yaml."} {
		if !short.Grade(s) {
			t.Errorf("%q was not accepted", s)
		}
	}
	for _, s := range []string{"", "dvc", "params.yaml"} {
		if short.Grade(s) {
			t.Errorf("%q was accepted", s)
		}
	}
	mc := &course.QuizDef{Options: []course.QuizOption{{Letter: "A", Text: "dvc push"}, {Letter: "B", Text: "dvc pull"}}, Correct: []string{"A"}}
	for in, want := range map[string]string{"a": "A", "(b)": "B", "dvc PUSH": "A", "A and B": "AB", "b, a": "AB"} {
		if got, ok := mc.Letters(in); !ok || got != want {
			t.Errorf("Letters(%q) = %q, %v; want %q", in, got, ok, want)
		}
	}
	if _, ok := mc.Letters("z"); ok {
		t.Error("a letter that is no option was taken")
	}
}

func TestQuizProblemsNameFileAndLine(t *testing.T) {
	t.Parallel()
	script := func(body string) map[string]string {
		return map[string]string{"commands/start-1-1.md": "# Lesson 1.1: A\n\n## Lesson Flow\n\n### 1. Intro\n" + body}
	}
	tests := []struct {
		name string
		body string
		want string
	}{
		{"no answer", "Quiz: \"Why?\"\nA) one\nB) two\n", `commands/start-1-1.md:6: quiz "Why?" has no answer`},
		{"letter not an option", "Quiz: \"Why?\"\nA) one\nB) two\nAnswer: D\n", `commands/start-1-1.md:9: quiz answer "D" is not one of the options A, B`},
		{"duplicate option", "Quiz: \"Why?\"\nA) one\nB) one\nAnswer: A\n", `commands/start-1-1.md:8: quiz options A and B say the same thing`},
		{"repeated letter", "Quiz: \"Why?\"\nA) one\nA) two\nAnswer: A\n", `commands/start-1-1.md:8: quiz option A appears twice`},
		{"letters out of order", "Quiz: \"Why?\"\nA) one\nC) two\nAnswer: A\n", `commands/start-1-1.md:8: quiz option C should be B`},
		{"one option", "Quiz: \"Why?\"\nA) one\nAnswer: A\n", `commands/start-1-1.md:6: quiz has one option`},
		{"no question", "Quiz:\nAnswer: yes\n", `commands/start-1-1.md:6: quiz has no question`},
		{"empty answer", "Quiz: \"Why?\"\nAnswer:\n", `commands/start-1-1.md:7: quiz "Why?" has no answer`},
		{"two answers", "Quiz: \"Why?\"\nAnswer: a\nAnswer: b\n", `commands/start-1-1.md:8: quiz has a second "Answer:" line`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fsys := fstest.MapFS{}
			for name, body := range script(tt.body) {
				fsys[name] = &fstest.MapFile{Data: []byte(body)}
			}
			_, err := course.LoadFS(fsys, "test")
			var ce *course.CourseError
			if !errors.As(err, &ce) {
				t.Fatalf("err = %v, want a CourseError", err)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("problems:\n%v\nwant a line containing %q", err, tt.want)
			}
		})
	}
}

// TestQuizOtherSpellings: forms authors reach for besides the documented
// one load as the same quiz.
func TestQuizOtherSpellings(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, body string
		options    int
		correct    string
		accept     string
		explain    string
	}{
		{"bold labels", "**Quiz:** Which one?\n\n- A) one\n- B) two\n\n**Answer:** B\n\n**Explain:** Because two.\n", 2, "B", "", "Because two."},
		{"bold label, colon outside", "**Quiz**: Which one?\nA) one\nB) two\n**Answer**: B\n", 2, "B", "", ""},
		{"numbered options", "Quiz: Which one?\n\n1. one\n2. two\n3. three\n\nAnswer: 2\n", 3, "B", "", ""},
		{"task list, ticked is right", "Quiz: Which ones?\n\n- [x] one\n- [ ] two\n- [x] three\n\nExplain: One and three.\n", 3, "AC", "", "One and three."},
		{"correct answer alias", "Quiz: Which one?\nA) one\nB) two\nCorrect answer: A\n", 2, "A", "", ""},
		{"bold short answer", "Quiz: Which file?\nAnswer: **dvc.yaml** | `dvc.yml`\n", 0, "", "dvc.yaml,`dvc.yml`", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src := "# Lesson 1.1: A\n\n## Lesson Flow\n\n### 1. Intro\nHello.\n\n" + tt.body
			c, err := course.LoadFS(fstest.MapFS{"commands/start-1-1.md": {Data: []byte(src)}}, "test")
			if err != nil {
				t.Fatal(err)
			}
			var q *course.QuizDef
			for _, card := range c.Lessons["1-1"].Cards {
				if card.Quiz() != nil {
					q = card.Quiz()
				}
			}
			if q == nil {
				t.Fatal("no quiz")
			}
			if len(q.Options) != tt.options || strings.Join(q.Correct, "") != tt.correct || strings.Join(q.Accept, ",") != tt.accept || q.Explain != tt.explain {
				t.Errorf("quiz = %+v", q)
			}
		})
	}
}

func TestChecklistAfterAQuizStaysAChecklist(t *testing.T) {
	t.Parallel()
	src := "# Lesson 1.1: A\n\n## Lesson Flow\n\n### 1. Intro\nQuiz: Which one?\nA) one\nB) two\nAnswer: A\n\n- [ ] tick me\n- [ ] and me\n"
	c, err := course.LoadFS(fstest.MapFS{"commands/start-1-1.md": {Data: []byte(src)}}, "test")
	if err != nil {
		t.Fatal(err)
	}
	items := 0
	for _, card := range c.Lessons["1-1"].Cards {
		for _, b := range card.Blocks {
			if b.Kind == course.Checklist {
				items += len(b.Items)
			}
		}
	}
	if items != 2 {
		t.Errorf("%d checklist items after the quiz, want 2", items)
	}
}
