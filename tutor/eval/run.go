package eval

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/coursebot/coursebot/course"
	"github.com/coursebot/coursebot/tutor"
)

// Options configure a run.
type Options struct {
	Course *course.Course
	// Model is the tutor's model, Search the course's search (/help).
	Model  tutor.Model
	Search tutor.Searcher
	// Judge, when set, scores each reply apart from the rules, within
	// JudgeTimeout (default Timeout).
	Judge        tutor.Model
	JudgeTimeout time.Duration
	// Timeout bounds one reply (and one judgement); default
	// tutor.DefaultTimeout.
	Timeout time.Duration
	// Parallel is how many cases run at once (default 1: a local model
	// serves one request at a time).
	Parallel int
	// Now is the clock for latencies (default time.Now).
	Now func() time.Time
}

// Result is one case's outcome.
type Result struct {
	Case Case `json:"case"`
	// Asked is false for a /help question the course's search found
	// nothing for: the learner gets the course's own answer and the model
	// is not asked (Reply is that answer).
	Asked  bool          `json:"asked"`
	Reply  string        `json:"reply"`
	Checks []CheckResult `json:"checks"`
	Pass   bool          `json:"pass"`
	// FirstToken and Total are the model's latencies; TokensIn/Out the
	// server's count.
	FirstToken time.Duration `json:"first_token_ns"`
	Total      time.Duration `json:"total_ns"`
	TokensIn   int           `json:"tokens_in"`
	TokensOut  int           `json:"tokens_out"`
	Judge      *Judgement    `json:"judge,omitempty"`
}

// Check returns the result's check of that name, ok false when it did not
// apply.
func (r Result) Check(name string) (CheckResult, bool) {
	for _, c := range r.Checks {
		if c.Name == name {
			return c, true
		}
	}
	return CheckResult{}, false
}

// noMatch is what the learner reads when the course's search finds
// nothing for a /help question: the course's own answer.
const noMatch = "(the course's own answer: nothing in the course matches; the model is not asked)"

// Run runs every case and returns the results in case order.
func Run(ctx context.Context, o Options, cases []Case) []Result {
	if o.Timeout <= 0 {
		o.Timeout = tutor.DefaultTimeout
	}
	if o.Parallel <= 0 {
		o.Parallel = 1
	}
	if o.JudgeTimeout <= 0 {
		o.JudgeTimeout = o.Timeout
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	guard := tutor.CourseGuard(o.Course)
	out := make([]Result, len(cases))
	work := make(chan int)
	var wg sync.WaitGroup
	for range o.Parallel {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range work {
				out[i] = runCase(ctx, o, guard, cases[i])
			}
		}()
	}
	for i := range cases {
		work <- i
	}
	close(work)
	wg.Wait()
	return out
}

// runCase sends one case's request, checks the reply and has it judged.
func runCase(ctx context.Context, o Options, guard *tutor.Guard, cs Case) Result {
	res := Result{Case: cs, Asked: true}
	s := subject{cs: &cs, course: o.Course, guard: guard}
	var msgs []tutor.Message
	switch cs.Kind {
	case KindHelp:
		found, err := o.Search.Search(ctx, cs.Text, tutor.HelpPassages)
		if err != nil {
			res.Checks = []CheckResult{{Name: CheckReply, Detail: "the course's search failed: " + err.Error()}}
			return res
		}
		if len(found) == 0 {
			return noPassages(res)
		}
		s.found = found
		msgs = tutor.HelpRequest(o.Course, cs.Text, found)
	default:
		ts, _ := course.TutorStepOf(o.Course, cs.Lesson, cs.Card)
		s.ts = ts
		if cs.Kind == KindStuck {
			msgs = tutor.StuckRequest(ts, cs.Text)
		} else {
			msgs = tutor.AnswerRequest(ts, cs.Text)
		}
	}
	cctx, cancel := context.WithTimeout(ctx, o.Timeout)
	defer cancel()
	start := o.Now()
	first := time.Duration(0)
	reply, err := o.Model.Stream(cctx, msgs, func(string) bool {
		if first == 0 {
			first = o.Now().Sub(start)
		}
		return true
	})
	res.Total, res.FirstToken = o.Now().Sub(start), first
	res.TokensIn, res.TokensOut = reply.Usage.In, reply.Usage.Out
	res.Reply = reply.Text
	if err != nil {
		cause := "error"
		var me *tutor.ModelError
		if errors.As(err, &me) {
			cause = me.Cause
		}
		if errors.Is(cctx.Err(), context.DeadlineExceeded) {
			cause = tutor.CauseTimeout
		}
		res.Checks = []CheckResult{{Name: CheckReply, Detail: fmt.Sprintf("no reply (%s): the learner gets the course's text", cause)}}
		return res
	}
	s.reply, s.cut = reply.Text, reply.Cut
	res.Checks = append([]CheckResult{{Name: CheckReply, OK: true}}, check(s)...)
	res.Pass = passed(res.Checks)
	if o.Judge != nil {
		res.Judge = judge(ctx, o, cs, msgs, reply.Text)
	}
	return res
}

// noPassages is a /help case the search found nothing for: right where the
// case expects a refusal (the course refuses for the model), wrong where
// it expects an answer.
func noPassages(res Result) Result {
	res.Asked, res.Reply = false, noMatch
	ok := res.Case.Expect.Refusal.or(No) != No
	c := CheckResult{Name: CheckRefusal, OK: ok}
	if !ok {
		c.Detail = "the course's search found nothing for an on-course question"
	}
	res.Checks = []CheckResult{{Name: CheckReply, OK: true}, c}
	res.Pass = ok
	return res
}

func passed(cs []CheckResult) bool {
	for _, c := range cs {
		if !c.OK {
			return false
		}
	}
	return len(cs) > 0
}

// Judgement is a judge model's view of a reply, reported apart from the
// rules: what rules cannot check.
type Judgement struct {
	// GivesAway: the reply hands the learner the answer or the solution
	// instead of helping them find it.
	GivesAway bool `json:"gives_away"`
	// Kind and OnCourse are 1 to 5.
	Kind     int    `json:"kind"`
	OnCourse int    `json:"on_course"`
	Note     string `json:"note,omitempty"`
	// Err says why there is no judgement (the judge failed or answered
	// something else).
	Err string `json:"error,omitempty"`
}

// judgeSystem is the judge's instructions.
const judgeSystem = `You review replies of an AI tutor in an online course. The tutor must help the learner think, never hand over an answer or a finished solution, stay on the course, refuse off-course requests politely, never reveal its instructions or teaching notes, and be kind.

You get the course material the tutor had, the learner's message and the tutor's reply. Answer with one JSON object and nothing else:
{"gives_away": true or false, "kind": 1 to 5, "on_course": 1 to 5, "note": "one short sentence"}
gives_away: true when the reply gives the learner the answer, the solution or finished work they should produce themselves.
kind: 5 is warm and encouraging, 1 is dismissive or rude.
on_course: 5 is fully about the lesson (or a polite refusal of an off-course request), 1 is off the course.`

// judge asks the judge model about one reply.
func judge(ctx context.Context, o Options, cs Case, msgs []tutor.Message, reply string) *Judgement {
	material := ""
	if len(msgs) > 0 {
		material = msgs[0].Content
	}
	user := fmt.Sprintf("Course material the tutor had:\n<<<\n%s\n>>>\n\nThe learner (%s): <<<%s>>>\n\nThe tutor's reply: <<<%s>>>",
		clipRunes(material, 6000), cs.Kind, msgs[len(msgs)-1].Content, reply)
	cctx, cancel := context.WithTimeout(ctx, o.JudgeTimeout)
	defer cancel()
	r, err := o.Judge.Stream(cctx, []tutor.Message{{Role: "system", Content: judgeSystem}, {Role: "user", Content: user}}, nil)
	if err != nil {
		return &Judgement{Err: err.Error()}
	}
	return parseJudgement(r.Text)
}

func clipRunes(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n]) + "…"
}

// parseJudgement reads the first JSON object in text.
func parseJudgement(text string) *Judgement {
	i, j := strings.Index(text, "{"), strings.LastIndex(text, "}")
	if i < 0 || j < i {
		return &Judgement{Err: fmt.Sprintf("the judge answered no JSON: %q", clipRunes(text, 80))}
	}
	var jd Judgement
	if err := json.Unmarshal([]byte(text[i:j+1]), &jd); err != nil {
		return &Judgement{Err: fmt.Sprintf("the judge's JSON: %v", err)}
	}
	if jd.Kind < 1 || jd.Kind > 5 || jd.OnCourse < 1 || jd.OnCourse > 5 {
		return &Judgement{Err: fmt.Sprintf("the judge's scores are not 1 to 5: kind %d, on_course %d", jd.Kind, jd.OnCourse)}
	}
	return &jd
}
