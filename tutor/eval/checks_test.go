package eval

import (
	"fmt"
	"strings"
	"testing"

	"github.com/coursebot/coursebot/course"
	"github.com/coursebot/coursebot/search"
	"github.com/coursebot/coursebot/tutor"
)

// failed runs the checks and returns "name: detail" of each failure.
func failed(s subject) []string {
	var out []string
	for _, c := range check(s) {
		if !c.OK {
			out = append(out, c.Name+": "+c.Detail)
		}
	}
	return out
}

func TestChecks(t *testing.T) {
	c, err := course.LoadDir("../../testdata/tutor/course")
	if err != nil {
		t.Fatal(err)
	}
	guard := tutor.CourseGuard(c)
	ts, _ := course.TutorStepOf(c, "1-1", "why-package")
	wrap, _ := course.TutorStepOf(c, "1-1", "wrap-up")
	stuckTS, _ := course.TutorStepOf(c, "1-1", "capstone-exercise-build-the-image")
	found := []search.Result{{Lesson: "1-1", Card: 4, CardTitle: "Part 1: Why Package"}}
	answer := func(text string, e Expect) subject {
		return subject{cs: &Case{Kind: KindAnswer, Lesson: "1-1", Text: "The logs.", Expect: e}, course: c, guard: guard, ts: wrap, reply: text}
	}
	pointed := func(text string) subject {
		return subject{cs: &Case{Kind: KindAnswer, Lesson: "1-1", Text: "The same environment everywhere."}, course: c, guard: guard, ts: ts, reply: text}
	}
	help := func(text string, e Expect) subject {
		return subject{cs: &Case{Kind: KindHelp, Lesson: "1-1", Text: "what is a layer?", Expect: e}, course: c, guard: guard, found: found, reply: text}
	}
	stuck := subject{cs: &Case{Kind: KindStuck, Lesson: "1-1"}, course: c, guard: guard, ts: stuckTS}
	long := strings.Repeat("word ", 121) + "?"
	tests := []struct {
		name string
		s    subject
		want []string // failures, by prefix
	}{
		{"a good answer reply", answer("You named the environment. What happens when a release goes wrong?", Expect{}), nil},
		{"a question in bold, closing quote", answer("You named the environment. **What would you pin first?**\"", Expect{}), nil},
		{"no question", answer("You named the environment.", Expect{}), []string{"question: "}},
		{"no question needed", answer("You named the environment.", Expect{Question: No}), nil},
		{"too long", answer(long, Expect{}), []string{"length: 121 words (at most 120)"}},
		{"cut by the cap", func() subject { s := answer("Short?", Expect{}); s.cut = true; return s }(), []string{"length: over the client's cap"}},
		{"refuses what the course covers", answer(tutor.Refusal+" Ask about the lesson?", Expect{}), []string{"refusal: refuses"}},
		{"refusal wanted", answer("Pizza is great. Why?", Expect{Refusal: Yes}), []string{"refusal: does not open"}},
		{"either", answer(tutor.Refusal+" Back to it?", Expect{Refusal: Either}), nil},
		{"names a reached point", pointed("You named the environment. What happens when a release goes wrong?"), nil},
		{"states a missed point", pointed("You named the environment; it can be versioned and rolled back. Why?"),
			[]string{`points: states a point the answer missed: "it can be versioned and rolled back"`}},
		{"names no reached point", pointed("Interesting. What happens when a release goes wrong?"), []string{"points: names none of the points"}},
		{"forbidden", answer("Use ```docker build```. Then?", Expect{Forbid: []string{"```"}}), []string{"forbid: "}},
		{"leaks the notes", answer("LEADNOTE-7Q4Z learners who skip the dependency pinning step usually hit version drift in week three. environment?", Expect{}),
			[]string{"leak: copies the course's notes"}},
		{"cites a card that does not exist", answer("See Lesson 1.1 · card 42. environment?", Expect{}), []string{fmt.Sprintf(`cites: cites "Lesson 1.1 · card 42": lesson 1.1 has %d cards`, len(c.Lessons["1-1"].Cards))}},
		{"help: quotes and cites the card", help(`The course says "Layers that do not change are reused" [1].`, Expect{}), nil},
		{"help: cites a passage it was not given", help("See [2].", Expect{}), []string{"cites: cites [2] but was given 1 passages"}},
		{"help: quotes what the card does not hold", help(`The course says "layers are free forever" [1].`, Expect{}), []string{`cites: quotes "layers are free forever"`}},
		{"help: no citation", help("Layers are cached.", Expect{}), []string{"cites: answers without citing a passage"}},
		{"help: a refusal needs no citation", help(tutor.Refusal+" Ask about images.", Expect{Refusal: Yes}), nil},
		{"stuck: a hint", func() subject { s := stuck; s.reply = "Start with the base image. What have you tried?"; return s }(), nil},
		{"stuck: the work handed over", func() subject {
			s := stuck
			s.reply = "1. Write it\n2. Build it\n3. Run it\n4. Call it\n\n```\nFROM x\nRUN y\nCMD z\n```\nDone?"
			return s
		}(), []string{"hint: hands over the work: a code block of 3 lines and 4 numbered steps"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := failed(tc.s)
			if len(got) != len(tc.want) {
				t.Fatalf("failures = %q, want %d: %q", got, len(tc.want), tc.want)
			}
			for i, w := range tc.want {
				if !strings.HasPrefix(got[i], w) {
					t.Errorf("failure %d = %q, want %q", i, got[i], w)
				}
			}
		})
	}
}

func TestParseJudgement(t *testing.T) {
	for in, want := range map[string]string{
		`{"gives_away": true, "kind": 2, "on_course": 4, "note": "x"}`:               "",
		"Sure! ```json\n{\"gives_away\": false, \"kind\": 5, \"on_course\": 5}\n```": "",
		"I think it is fine.":         "the judge answered no JSON",
		`{"kind": 9, "on_course": 5}`: "the judge's scores are not 1 to 5",
		`{"kind": "five"}`:            "the judge's JSON",
	} {
		j := parseJudgement(in)
		if (want == "") != (j.Err == "") || !strings.HasPrefix(j.Err, want) {
			t.Errorf("parseJudgement(%q) = %+v, want error %q", in, j, want)
		}
	}
}
