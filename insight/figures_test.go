package insight_test

import (
	"bytes"
	"context"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/coursebot/coursebot/bot"
	"github.com/coursebot/coursebot/course"
	"github.com/coursebot/coursebot/insight"
	"github.com/coursebot/coursebot/insight/insighttest"
)

// The figures of the simulated cohort, each checked against what the
// plans say the learners did (never against the code under test).

// counted are the plans a figure rests on: members (accepted), and of
// them those who agreed to count (Figures) or share answers (Answers).
func counted(c *insighttest.Cohort, who func(*insighttest.Plan) bool) []*insighttest.Plan {
	var out []*insighttest.Plan
	for _, p := range c.Plans {
		if who(p) {
			out = append(out, p)
		}
	}
	return out
}

func member(p *insighttest.Plan) bool  { return p.Membership == insighttest.Accepted }
func figures(p *insighttest.Plan) bool { return member(p) && p.Figures }
func answers(p *insighttest.Plan) bool { return member(p) && p.Answers }

// stage is the funnel stage of a card: 0 the opening, else its step.
func stage(les *course.Lesson, i int) int { return les.Cards[i].Step + 1 }

func lessonOf(t *testing.T, f insight.Figures, id string) insight.LessonFigures {
	t.Helper()
	for _, lf := range f.Lessons {
		if lf.ID == id {
			return lf
		}
	}
	t.Fatalf("no figures for lesson %s", id)
	return insight.LessonFigures{}
}

func TestFunnelAndTimes(t *testing.T) {
	t.Parallel()
	f, c := leadFigures(t)
	if f.Learners != insighttest.Members {
		t.Errorf("%d learners counted, want the %d members (not the invited, the one who left or the other cohort's)", f.Learners, insighttest.Members)
	}
	if want := len(counted(c, figures)); f.WithFigures != want {
		t.Errorf("%d agreed to the figures, want %d", f.WithFigures, want)
	}
	for _, id := range []string{"1-1", "2-1", "4-4"} {
		les := c.Course.Lessons[id]
		lf := lessonOf(t, f, id)
		stages := len(les.Steps) + 2
		reached := make([]int, stages)
		started, done := 0, 0
		spans := make([][]time.Duration, stages-1)
		for _, p := range counted(c, member) {
			w := p.Walks[id]
			if w == nil {
				continue
			}
			started++
			for s := 0; s <= stage(les, w.Stop); s++ {
				reached[s]++
			}
			if !w.Completed.IsZero() {
				done++
				reached[stages-1]++
			}
			if !p.Figures {
				continue
			}
			first := make([]time.Time, stages)
			for i, at := range w.Arrive {
				if s := stage(les, i); first[s].IsZero() {
					first[s] = at
				}
			}
			first[stages-1] = w.Completed
			for s := 0; s < stages-1; s++ {
				if !first[s].IsZero() && !first[s+1].IsZero() {
					spans[s] = append(spans[s], first[s+1].Sub(first[s]))
				}
			}
		}
		if lf.Started != started || lf.Completed != done {
			t.Errorf("%s: started %d, completed %d; want %d, %d", id, lf.Started, lf.Completed, started, done)
		}
		if len(lf.Funnel) != stages {
			t.Fatalf("%s: %d funnel stages, want %d", id, len(lf.Funnel), stages)
		}
		for s, st := range lf.Funnel {
			if st.Reached != reached[s] {
				t.Errorf("%s: %q reached by %d, want %d", id, st.Label, st.Reached, reached[s])
			}
		}
		for s, st := range lf.Times {
			d := spans[s]
			sort.Slice(d, func(i, j int) bool { return d[i] < d[j] })
			var want time.Duration
			switch {
			case len(d) == 0:
			case len(d)%2 == 1:
				want = d[len(d)/2]
			default:
				want = (d[len(d)/2-1] + d[len(d)/2]) / 2
			}
			if st.N != len(d) || st.Median != want {
				t.Errorf("%s: %q median %v over %d, want %v over %d", id, st.Label, st.Median, st.N, want, len(d))
			}
		}
	}
	if got := lessonOf(t, f, "4-4").Funnel; got[0].Reached != 27 || got[len(got)-1].Reached != 12 {
		t.Errorf("4.4 funnel %+v: the fixture has 27 starting it and 12 finishing", got)
	}
}

func TestStalledAndLeave(t *testing.T) {
	t.Parallel()
	f, c := leadFigures(t)
	type key struct {
		name, lesson string
		card         int
	}
	want := map[key]bool{}
	leave := map[string]map[int]int{}
	for _, p := range counted(c, member) {
		for id, w := range p.Walks {
			if w.Completed.IsZero() && insighttest.Now.Sub(w.LastMove()) >= 7*24*time.Hour {
				want[key{p.Name, id, w.Stop + 1}] = true
				if leave[id] == nil {
					leave[id] = map[int]int{}
				}
				leave[id][w.Stop]++
			}
		}
	}
	got := map[key]bool{}
	for i, s := range f.Stalled {
		got[key{s.Name, s.Lesson, s.Card}] = true
		if i > 0 && s.For > f.Stalled[i-1].For {
			t.Errorf("stalled not longest first: %v after %v", s.For, f.Stalled[i-1].For)
		}
	}
	if len(got) != len(want) || len(want) == 0 {
		t.Errorf("stalled %v, want %v", got, want)
	}
	for k := range want {
		if !got[k] {
			t.Errorf("%v is not listed as stalled", k)
		}
	}
	for _, lf := range f.Lessons {
		n := 0
		for _, cc := range lf.Leave {
			if cc.Learners != leave[lf.ID][cc.Index] {
				t.Errorf("%s card %d: %d left there, want %d", lf.ID, cc.Index+1, cc.Learners, leave[lf.ID][cc.Index])
			}
			n++
		}
		if n != len(leave[lf.ID]) {
			t.Errorf("%s: %d cards where learners leave, want %d", lf.ID, n, len(leave[lf.ID]))
		}
	}
	var notStarted []string
	for _, p := range counted(c, member) {
		if len(p.Walks) == 0 && insighttest.Now.Sub(p.Joined) >= 7*24*time.Hour {
			notStarted = append(notStarted, p.Key[len("slack:"):])
		}
	}
	if len(f.NotStarted) != len(notStarted) || len(notStarted) != 1 || f.NotStarted[0] != notStarted[0] {
		t.Errorf("not started %v, want %v (the member who joined two days ago is not listed)", f.NotStarted, notStarted)
	}
}

func TestQuizItems(t *testing.T) {
	t.Parallel()
	f, c := leadFigures(t)
	les := c.Course.Lessons["2-1"]
	lf := lessonOf(t, f, "2-1")
	var qs []*course.QuizDef
	for _, card := range les.Cards {
		if q := card.Quiz(); q != nil {
			qs = append(qs, q)
		}
	}
	if len(lf.Quizzes) != len(qs) {
		t.Fatalf("%d quiz items, want %d", len(lf.Quizzes), len(qs))
	}
	// The lesson's scores of those who answered every question: for the
	// item-rest correlation, worked out here with means.
	var rows [][]float64
	for _, p := range counted(c, figures) {
		w := p.Walks["2-1"]
		if w == nil {
			continue
		}
		row := make([]float64, len(qs))
		complete := true
		for i, q := range qs {
			a, ok := w.Quiz[q.ID]
			if !ok || a == "" {
				complete = false
				continue
			}
			if q.Grade(a) {
				row[i] = 1
			}
		}
		if complete {
			rows = append(rows, row)
		}
	}
	for i, q := range qs {
		it := lf.Quizzes[i]
		took, right, skipped := 0, 0, 0
		wrong := map[string]int{}
		for _, p := range counted(c, figures) {
			w := p.Walks["2-1"]
			if w == nil {
				continue
			}
			a, ok := w.Quiz[q.ID]
			switch {
			case !ok:
			case a == "":
				skipped++
			case q.Grade(a):
				took++
				right++
			default:
				took++
				wrong[a]++
			}
		}
		if it.ID != q.ID || it.Took != took || it.Right != right || it.Skipped != skipped {
			t.Errorf("%q: took %d right %d skipped %d; want %d %d %d", q.Prompt, it.Took, it.Right, it.Skipped, took, right, skipped)
		}
		got := map[string]int{}
		for j, ch := range it.Wrong {
			got[ch.Answer] = ch.N
			if j > 0 && ch.N > it.Wrong[j-1].N {
				t.Errorf("%q: wrong answers not most chosen first: %+v", q.Prompt, it.Wrong)
			}
		}
		if len(got) != len(wrong) {
			t.Errorf("%q: wrong answers %v, want %v", q.Prompt, got, wrong)
		}
		for a, n := range wrong {
			if got[a] != n {
				t.Errorf("%q: %q chosen by %d, want %d", q.Prompt, a, got[a], n)
			}
		}
		want := pearsonRest(rows, i)
		if it.DiscN != len(rows) || math.Abs(it.Discrimination-want) > 1e-9 {
			t.Errorf("%q: discrimination %.4f over %d, want %.4f over %d", q.Prompt, it.Discrimination, it.DiscN, want, len(rows))
		}
		if it.Discrimination < -1 || it.Discrimination > 1 {
			t.Errorf("%q: discrimination %v out of [-1, 1]", q.Prompt, it.Discrimination)
		}
	}
	// The hardest first: the choose-all question, with the usual wrong
	// answer (only A ticked) most chosen.
	first := lf.Quizzes[2]
	if first.Wrong[0].Label != "A) the .dvc pointer files" {
		t.Errorf("most chosen wrong on the choose-all question: %+v", first.Wrong)
	}
}

// pearsonRest is the correlation of column i with the sum of the others.
func pearsonRest(rows [][]float64, i int) float64 {
	n := float64(len(rows))
	var mx, my float64
	ys := make([]float64, len(rows))
	for r, row := range rows {
		for j, v := range row {
			if j != i {
				ys[r] += v
			}
		}
		mx += row[i] / n
		my += ys[r] / n
	}
	var cov, vx, vy float64
	for r, row := range rows {
		dx, dy := row[i]-mx, ys[r]-my
		cov, vx, vy = cov+dx*dy, vx+dx*dx, vy+dy*dy
	}
	return cov / math.Sqrt(vx*vy)
}

func TestStuckChecklistRatings(t *testing.T) {
	t.Parallel()
	f, c := leadFigures(t)
	for _, id := range []string{"1-1", "4-4"} {
		les := c.Course.Lessons[id]
		lf := lessonOf(t, f, id)
		presses, who := map[int]int{}, map[int]int{}
		ticks, of := map[string]int{}, map[string]int{}
		sum, n := map[string]int{}, map[string]int{}
		for _, p := range counted(c, figures) {
			w := p.Walks[id]
			if w == nil {
				continue
			}
			for card, k := range w.Stuck {
				presses[card] += k
				who[card]++
			}
			for _, card := range les.Cards {
				for _, b := range card.Blocks {
					for _, it := range b.Items {
						if b.Kind == course.Checklist && card.Index <= w.Stop {
							of[it.ID]++
							if w.Ticks[it.ID] {
								ticks[it.ID]++
							}
						}
						if r := w.Ratings[it.ID]; b.Kind == course.Rating && r > 0 {
							sum[it.ID] += r
							n[it.ID]++
						}
					}
				}
			}
		}
		if len(lf.Stuck) != len(presses) {
			t.Errorf("%s: stuck on %d cards, want %d", id, len(lf.Stuck), len(presses))
		}
		for i, cc := range lf.Stuck {
			if cc.Presses != presses[cc.Index] || cc.Learners != who[cc.Index] {
				t.Errorf("%s card %d: %d presses by %d, want %d by %d", id, cc.Index+1, cc.Presses, cc.Learners, presses[cc.Index], who[cc.Index])
			}
			if i > 0 && cc.Presses > lf.Stuck[i-1].Presses {
				t.Errorf("%s: stuck cards not most presses first", id)
			}
		}
		for i, it := range lf.Checklist {
			if it.Ticked != ticks[it.ID] || it.Of != of[it.ID] {
				t.Errorf("%s %q: ticked %d of %d, want %d of %d", id, it.Text, it.Ticked, it.Of, ticks[it.ID], of[it.ID])
			}
			// Least ticked first; a count under 3 sorts as none, so an
			// item's place does not tell it.
			eff := func(n int) int {
				if n < insight.MinCount {
					return 0
				}
				return n
			}
			if prev := lf.Checklist[max(0, i-1)]; it.Of > 0 && prev.Of > 0 && eff(it.Ticked)*prev.Of < eff(prev.Ticked)*it.Of {
				t.Errorf("%s: checklist not least ticked first at %q", id, it.Text)
			}
		}
		for _, r := range lf.Ratings {
			want := float64(sum[r.ID]) / float64(n[r.ID])
			if r.N != n[r.ID] || math.Abs(r.Mean-want) > 1e-9 {
				t.Errorf("%s %q: mean %.3f of %d, want %.3f of %d", id, r.Text, r.Mean, r.N, want, n[r.ID])
			}
		}
	}
	if lf := lessonOf(t, f, "4-4"); len(lf.Stuck) == 0 || len(lf.Checklist) != 32+15+20 || len(lf.Ratings) != 16 {
		t.Errorf("4.4: %d stuck cards, %d checklist items, %d ratings; the fixture presses, and the lesson has 67 items and 16 ratings", len(lf.Stuck), len(lf.Checklist), len(lf.Ratings))
	}
}

func TestAnswersAndKeyPoints(t *testing.T) {
	t.Parallel()
	f, c := leadFigures(t)
	les := c.Course.Lessons["1-1"]
	lf := lessonOf(t, f, "1-1")
	for _, q := range lf.Questions {
		var qd *course.QuestionDef
		for _, card := range les.Cards {
			if d := card.Question(); d != nil && d.ID == q.ID {
				qd = d
			}
		}
		reached, answered, skipped := 0, 0, 0
		points := make([]int, len(qd.Points))
		for _, p := range counted(c, answers) {
			w := p.Walks["1-1"]
			if w == nil || w.Stop < q.Card {
				continue
			}
			reached++
			if a, ok := w.Answers[q.ID]; ok {
				answered++
				if hit, ok := insighttest.PointsReached(a); ok && len(qd.Points) > 0 {
					for i, h := range hit {
						if h {
							points[i]++
						}
					}
				}
			} else if w.Skipped[q.ID] {
				skipped++
			}
		}
		if q.Reached != reached || q.Answered != answered || q.Skipped != skipped {
			t.Errorf("%q: reached %d answered %d skipped %d; want %d %d %d", q.Prompt, q.Reached, q.Answered, q.Skipped, reached, answered, skipped)
		}
		for i, pt := range q.Points {
			if pt.Reached != points[i] {
				t.Errorf("%q: key point %q reached by %d answers, want %d", q.Prompt, pt.Text, pt.Reached, points[i])
			}
		}
		if len(qd.Points) > 0 && q.PointAnswers != answered {
			t.Errorf("%q: points looked for in %d answers, want %d", q.Prompt, q.PointAnswers, answered)
		}
	}
	if q := lf.Questions[0]; len(q.Points) != 3 || q.Points[0].Reached == 0 {
		t.Errorf("1.1's first question: %+v; the fixture's answers reach its three key points", q)
	}
}

func TestRetention(t *testing.T) {
	t.Parallel()
	f, c := leadFigures(t)
	right, of := [4]int{}, [4]int{}
	for _, p := range counted(c, figures) {
		if w := p.Walks["2-1"]; w != nil {
			for _, rs := range w.Reviews {
				for _, r := range rs {
					of[r.Stage]++
					if r.Right {
						right[r.Stage]++
					}
				}
			}
		}
	}
	if len(f.Retention) != 3 {
		t.Fatalf("retention %+v: want the 1st, 3rd and 7th day", f.Retention)
	}
	for i, r := range f.Retention {
		if r.Right != right[i+1] || r.Of != of[i+1] {
			t.Errorf("%s: %d of %d right, want %d of %d", r.Label, r.Right, r.Of, right[i+1], of[i+1])
		}
	}
	if f.Retention[0].Label != "1st day" || f.Retention[2].Label != "7th day" || of[3] == 0 {
		t.Errorf("retention %+v: the fixture reviews on the 1st, 3rd and 7th day", f.Retention)
	}
}

// TestAuthorCountsEveryone: the author's figures count every learner in
// the counts (the invited, the one who left, the other cohort's), and
// only those who agreed in the linked figures; the tutor's fallbacks are
// all the model's failures.
func TestAuthorCountsEveryone(t *testing.T) {
	t.Parallel()
	db, c := cohort(t)
	ls, err := insight.Everyone(context.Background(), db, db, true)
	if err != nil {
		t.Fatal(err)
	}
	f := insight.Compute(c.Course, ls, insight.Options{Audience: insight.Author, Now: insighttest.Now})
	known := 0 // a learner who never wrote to the bot has no record
	for _, p := range c.Plans {
		if len(p.Walks) > 0 {
			known++
		}
	}
	if f.Learners != known {
		t.Errorf("%d learners, want all %d the bot knows", f.Learners, known)
	}
	if len(f.Stalled) != 0 || len(f.NotStarted) != 0 {
		t.Errorf("the author's figures name learners: %v %v", f.Stalled, f.NotStarted)
	}
	lf := lessonOf(t, f, "2-1")
	took := 0
	for _, p := range c.Plans {
		if w := p.Walks["2-1"]; w != nil && w.Quiz[lf.Quizzes[0].ID] != "" {
			took++
		}
	}
	if lf.Quizzes[0].Took != took {
		t.Errorf("first quiz taken by %d, want every learner's %d", lf.Quizzes[0].Took, took)
	}
	// Linked figures: only those who agreed (the other cohort's member
	// did, in autumn; the invited and the one who left did not).
	agreed := 0
	for _, p := range c.Plans {
		if w := p.Walks["2-1"]; w != nil && (figures(p) || p.Membership == insighttest.Other) && len(w.Quiz) == 5 && !hasSkip(w) {
			agreed++
		}
	}
	if lf.Quizzes[0].DiscN != agreed {
		t.Errorf("discrimination over %d, want the %d who agreed and answered all", lf.Quizzes[0].DiscN, agreed)
	}
	if f.Tutor.Fallbacks != c.Fallbacks || f.Tutor.Fallbacks == 0 {
		t.Errorf("%d fallbacks, the model failed %d times", f.Tutor.Fallbacks, c.Fallbacks)
	}
	if len(f.Tutor.Causes) != 1 || f.Tutor.Causes[0].Cause != "server_error" {
		t.Errorf("fallback causes %+v", f.Tutor.Causes)
	}
}

func hasSkip(w *insighttest.Walk) bool {
	for _, a := range w.Quiz {
		if a == "" {
			return true
		}
	}
	return false
}

// TestSectionsAndPicture: what a lead reads carries the figures the plans
// make (each lesson's started and finished, the hardest question), and
// the picture is a PNG whose alt text says the funnel in words. With
// $COURSEBOT_INSIGHT_PICTURES set, the picture is kept there.
func TestSectionsAndPicture(t *testing.T) {
	t.Parallel()
	f, c := leadFigures(t)
	var all []string
	for _, s := range insight.Sections(f, time.UTC, true, "cohort", c.Name) {
		all = append(all, s.Heading, s.Text, s.Table)
	}
	text := strings.Join(all, "\n")
	for _, h := range c.Headlines() {
		if !strings.Contains(text, h) {
			t.Errorf("the sections lack %q:\n%s", h, text)
		}
	}
	data, alt, err := insight.Picture(f)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := png.Decode(bytes.NewReader(data)); err != nil {
		t.Fatalf("not a PNG: %v", err)
	}
	for _, w := range []string{"Lesson 4.4: 27 started; step 1 27", "12 finished.", "Hardest quiz questions, right at the first attempt: 2.1 Which of these does git track in a DVC project? 32% (8 of 25), most chosen wrong A) the .dvc pointer files"} {
		if !strings.Contains(alt, w) {
			t.Errorf("alt text lacks %q:\n%s", w, alt)
		}
	}
	if n := utf8.RuneCountInString(alt); n > bot.MaxAlt {
		t.Errorf("alt text is %d characters, over %d", n, bot.MaxAlt)
	}
	if dir := os.Getenv("COURSEBOT_INSIGHT_PICTURES"); dir != "" {
		if err := os.WriteFile(filepath.Join(dir, "insights-spring.png"), data, 0o644); err != nil {
			t.Error(err)
		}
	}
}
