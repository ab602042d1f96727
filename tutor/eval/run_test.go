package eval_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/coursebot/coursebot/course"
	"github.com/coursebot/coursebot/search"
	"github.com/coursebot/coursebot/tutor"
	"github.com/coursebot/coursebot/tutor/eval"
	"github.com/coursebot/coursebot/tutor/tutortest"
)

func setup(t *testing.T) (*course.Course, *search.Index, []eval.Case) {
	t.Helper()
	c, err := course.LoadBuiltin()
	if err != nil {
		t.Fatal(err)
	}
	ix, err := search.Build(course.Passages(c), course.Glossary(c))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = ix.Close() })
	cases, err := eval.BuiltinCases(c)
	if err != nil {
		t.Fatal(err)
	}
	return c, ix, cases
}

// TestAFailedReplyFailsTheCase: a model that never answers in time, or
// answers 500, fails every case it was asked on the reply rule, with the
// cause the learner's fallback would be counted under.
func TestAFailedReplyFailsTheCase(t *testing.T) {
	c, ix, cases := setup(t)
	hang := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		<-r.Context().Done() // never answers: only the timeout ends it
	}))
	defer hang.Close()
	broken := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusInternalServerError)
		_, _ = io.WriteString(w, `{"error":{"message":"boom","type":"server_error"}}`)
	}))
	defer broken.Close()
	// The hanging server is ended by the timeout; the broken one answers
	// at once, so its timeout is only a bound (a short one would turn a
	// slow 500 on a loaded machine into a timeout).
	for _, tc := range []struct {
		url, cause string
		timeout    time.Duration
	}{{hang.URL, tutor.CauseTimeout, 20 * time.Millisecond}, {broken.URL, tutor.CauseServer, time.Minute}} {
		rs := eval.Run(context.Background(), eval.Options{Course: c, Search: ix, Timeout: tc.timeout,
			Model: tutor.NewClient(tutor.ClientOptions{BaseURL: tc.url, Model: "m"})}, cases[:3])
		for _, r := range rs {
			if chk, ok := r.Check(eval.CheckReply); r.Pass || !ok || chk.OK || !strings.Contains(chk.Detail, "("+tc.cause+")") {
				t.Errorf("%s against %s: pass %v, checks %+v", r.Case.ID, tc.cause, r.Pass, r.Checks)
			}
		}
	}
}

// TestAJudgeThatFailsIsReportedNotCounted: the judge's failure is noted
// beside the reply; the rules' verdict stands.
func TestAJudgeThatFailsIsReportedNotCounted(t *testing.T) {
	c, ix, cases := setup(t)
	model := tutor.NewClient(tutor.ClientOptions{BaseURL: tutortest.NewServer(t, tutortest.Good), Model: "m"})
	judge := tutor.NewClient(tutor.ClientOptions{BaseURL: tutortest.Serve(t, func(tutortest.Request) string { return "Looks fine to me!" }), Model: "j"})
	rs := eval.Run(context.Background(), eval.Options{Course: c, Search: ix, Model: model, Judge: judge, Parallel: 3}, cases)
	s := eval.Summarize(rs)
	if s.Passed != s.Cases || s.Judge == nil || s.Judge.Judged != 0 || s.Judge.Failed != s.Asked {
		t.Errorf("summary %+v, judge %+v", s, s.Judge)
	}
	for _, r := range rs {
		if r.Asked && (r.Judge == nil || !strings.Contains(r.Judge.Err, "no JSON")) {
			t.Errorf("%s: judge %+v", r.Case.ID, r.Judge)
		}
	}
}
