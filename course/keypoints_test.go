package course_test

import (
	"strings"
	"testing"

	"github.com/coursebot/coursebot/course"
)

const keyPointsCourse = "../testdata/tutor/course"

func whyPackage(t *testing.T) (*course.Course, *course.QuestionDef) {
	t.Helper()
	c, err := course.LoadDir(keyPointsCourse)
	if err != nil {
		t.Fatal(err)
	}
	for _, cd := range c.Lessons["1-1"].Cards {
		if q := cd.Question(); q != nil && len(q.Points) > 0 {
			return c, q
		}
	}
	t.Fatal("no question with key points")
	return nil, nil
}

func TestKeyPointsAreReadAndKeptOffTheCards(t *testing.T) {
	c, q := whyPackage(t)
	want := []struct {
		text, terms string
	}{
		{"the same environment everywhere", "environment|dependencies|pinned"},
		{"it runs the same on a laptop and in production", "laptop|production|server"},
		{"it can be versioned and rolled back", "version|tag|roll back|rollback"},
	}
	if len(q.Points) != len(want) {
		t.Fatalf("points = %+v", q.Points)
	}
	for i, w := range want {
		p := q.Points[i]
		if p.Text != w.text || strings.Join(p.Terms, "|") != w.terms || !p.Listed || p.Line != 14+i {
			t.Errorf("point %d = %+v, want %q %q at line %d", i+1, p, w.text, w.terms, 14+i)
		}
	}
	if q.FollowUp != "A container image pins the model together with everything it needs to run." {
		t.Errorf("the follow-up after the key points: %q", q.FollowUp)
	}
	les := c.Lessons["1-1"]
	for _, v := range course.VisibleText(les) {
		if strings.Contains(v, "Key points") || strings.Contains(v, "rolled back") {
			t.Errorf("a card shows the key points: %q", v)
		}
	}
	if notes := course.LeadNotesText(les); !strings.Contains(notes, "Key points for \"Why would you put a trained model inside a container image?\":\n- the same environment everywhere") {
		t.Errorf("leads do not see the key points:\n%s", notes)
	}
}

func TestKeyPointsReachedByTheAnswersWords(t *testing.T) {
	_, q := whyPackage(t)
	implicit := &course.QuestionDef{Points: []course.KeyPoint{
		{Text: "the same environment everywhere", Terms: []string{"environment", "everywhere"}},
	}}
	cases := []struct {
		q      *course.QuestionDef
		answer string
		want   string // one letter a point: y touched, n not
	}{
		{q, "It keeps the environment and the dependencies the same everywhere.", "ynn"},
		{q, "So it runs on my laptop like in production, and we can roll back to an older tag.", "nyy"},
		{q, "We rolled back twice last month.", "nny"},
		{q, "Versioning! Pinned deps, prod servers.", "yyy"},
		{q, "Because containers are cool.", "nnn"},
		{q, "", "nnn"},
		{implicit, "The environment is the same.", "y"},
		{implicit, "Environments everywhere.", "y"},
		{implicit, "Everything is the same.", "n"},
	}
	for _, tc := range cases {
		var got strings.Builder
		for _, ok := range tc.q.Reached(tc.answer) {
			if ok {
				got.WriteByte('y')
			} else {
				got.WriteByte('n')
			}
		}
		if got.String() != tc.want {
			t.Errorf("Reached(%q) = %s, want %s", tc.answer, got.String(), tc.want)
		}
	}
	if got := course.AnswerFollowUp(q, "Same environment, and a tag to roll back to."); got != q.FollowUp+"\n\nYour answer touches 2 of the 3 key points the author lists for this question." {
		t.Errorf("follow-up = %q", got)
	}
	if got := course.AnswerFollowUp(q, "Containers are cool."); got != q.FollowUp {
		t.Errorf("no point touched: %q", got)
	}
}

func TestKeyPointsProblems(t *testing.T) {
	_, err := course.LoadDir("../testdata/tutor/badpoints")
	if err == nil {
		t.Fatal("a course with bad key points loaded")
	}
	f := ".claude/commands/start-1-1.md:"
	for _, want := range []string{
		f + `6: "Key points:" belongs right under an Ask: "..." question (or its follow-up)`,
		f + `12: "Key points:" should be followed by a list`,
		f + `20: key point "builds repeat (repeat, , same)": an empty word in its list`,
		f + `21: key point "(pinned)": no text`,
		f + `22: key point "the and of": only small words`,
		f + `27: 11 key points for one question; at most 10`,
		f + `29: a second "Key points:" for the question "Name the layers of an image."`,
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("problems lack %q:\n%v", want, err)
		}
	}
}

// TestCardByTitle: a case file or a tool names a card by its title; a
// card merged into another is found in the card that took it in.
func TestCardByTitle(t *testing.T) {
	c, err := course.LoadBuiltin()
	if err != nil {
		t.Fatal(err)
	}
	les := c.Lessons["4-4"]
	for title, want := range map[string]string{
		"Part 3: The MLOps Maturity Model":      "Part 3: The MLOps Maturity Model",
		"part 3:  the mlops  maturity model":    "Part 3: The MLOps Maturity Model",
		"Level 0: No MLOps (Manual Everything)": "Part 3: The MLOps Maturity Model", // merged into it
		"No Such Card":                          "",
	} {
		got := ""
		if cd := les.CardByTitle(title); cd != nil {
			got = cd.Title
		}
		if got != want {
			t.Errorf("CardByTitle(%q) = %q, want %q", title, got, want)
		}
	}
}
