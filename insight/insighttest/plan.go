package insighttest

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/coursebot/coursebot/course"
)

// Now is when the simulated cohort is looked at: Monday 30 November 2026,
// 09:00 UTC.
var Now = time.Date(2026, 11, 30, 9, 0, 0, 0, time.UTC)

// Members is how many accepted members the cohort has.
const Members = 30

// Memberships of a Plan.
const (
	Accepted = "accepted" // a member of the cohort
	Invited  = "invited"  // invited, not accepted
	Left     = "left"     // joined, then left
	Other    = "other"    // a member of another cohort only
)

// Plan is what one simulated learner does.
type Plan struct {
	Key, Name string
	Index     int
	// Ability (0 to 1) decides right answers; Pace (1 to 3) multiplies
	// the minutes each card takes.
	Ability float64
	Pace    int
	// Membership is Accepted, Invited, Left or Other; Joined when they
	// joined; Figures and Answers what they were told (coursebot.Member).
	Membership       string
	Joined           time.Time
	Figures, Answers bool
	Walks            map[string]*Walk // by lesson id
}

// Walk is one learner's way through one lesson.
type Walk struct {
	Lesson string
	// Arrive is when they reached each card, from the first to Stop (the
	// farthest); Completed when they finished (zero: not finished).
	Arrive    []time.Time
	Stop      int
	Completed time.Time
	// Answers are their answers by question id; a question they passed
	// without one is in Skipped.
	Answers map[string]string
	Skipped map[string]bool
	// Quiz is each quiz's first answer by quiz id (letters, or the typed
	// text); "" = passed over (Skip question).
	Quiz map[string]string
	// Ticks and Ratings are the checklist items ticked and the ratings
	// given, by item id.
	Ticks   map[string]bool
	Ratings map[string]int
	// Stuck is the "I'm stuck" presses by card index.
	Stuck map[int]int
	// Reviews are the spaced-review answers by quiz id, in order.
	Reviews map[string][]Review
}

// Review is one answer in spaced review.
type Review struct {
	At     time.Time
	Answer string // letters
	Right  bool
	Stage  int // 1, 2, 3: the day 1, 3, 7 review
}

// LastMove is when they last moved in the walk: reaching their farthest
// card, or finishing.
func (w *Walk) LastMove() time.Time {
	if !w.Completed.IsZero() {
		return w.Completed
	}
	return w.Arrive[w.Stop]
}

// names of the simulated learners: 30 members, then the three others.
var names = []string{
	"Ada", "Ben", "Chloé", "Dev", "Emeka", "Fatima", "Gus", "Hana", "Ivan", "Jun",
	"Kofi", "Lea", "Mateo", "Nia", "Omar", "Priya", "Quinn", "Rosa", "Sven", "Tara",
	"Uma", "Vik", "Wen", "Xavi", "Yara", "Zoe", "Arlo", "Bea", "Cyrus", "Dina",
	"Eli (invited)", "Flo (left)", "Gil (autumn)",
}

// stop44 is the farthest card (0-based) each member reaches in Lesson 4.4:
// 41 = finished (it has 41 cards), -1 = never started.
var stop44 = []int{
	41, 41, 41, 41, 41, 41, 41, 41, 41, 41, 41, 41, // 0-11 finish
	38, 33, 30, 24, // 12-15: the last two steps
	20, 20, 15, // 16-18: the production checklist review
	9, 9, 9, 8, 8, 7, // 19-24: the capstone exercise
	5, 3, // 25-26: the architecture review
	-1, -1, -1, // 27-29: not started
}

// stalled44 are the members who stopped in Lesson 4.4 more than a week
// before Now.
var stalled44 = map[int]bool{14: true, 19: true, 20: true, 21: true, 22: true, 24: true, 26: true}

// minutesPerCard44 is how long a card of each stage of Lesson 4.4 takes
// at pace 1 (the opening card, then steps 1 to 7).
var minutesPerCard44 = []int{1, 2, 3, 5, 15, 2, 1, 1}

// Plans returns every simulated learner's plan for course (Course), their
// keys on platform.
func Plans(loaded *course.Course, platform string) []*Plan {
	var out []*Plan
	for i, name := range names {
		p := &Plan{Key: fmt.Sprintf("%s:u%02d", platform, i), Name: name, Index: i, Pace: 1 + i%3,
			Ability: float64((i*7)%Members) / float64(Members-1), Membership: Accepted,
			Joined: time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC), Figures: true, Answers: true, Walks: map[string]*Walk{}}
		switch i {
		case 26, 27:
			p.Figures = false // joined before the figures were named in the consent
		case 5, 6:
			p.Answers = false // joined while answers were private
		case 29:
			p.Joined = Now.Add(-2 * 24 * time.Hour) // joined two days ago
		case 30:
			p.Membership, p.Ability = Invited, 0
		case 31:
			p.Membership, p.Ability = Left, 0
		case 32:
			p.Membership, p.Ability = Other, 0.9
		}
		if i < Members {
			plan44(loaded.Lessons["4-4"], p)
		}
		plan21(loaded.Lessons["2-1"], p)
		plan11(loaded.Lessons["1-1"], p)
		out = append(out, p)
	}
	return out
}

// walkTo makes a walk of les reaching card stop (len(les.Cards) =
// finished) from start, each card taking minutes(card) at the plan's pace.
func walkTo(les *course.Lesson, p *Plan, start time.Time, stop int, minutes func(c *course.Card) int) *Walk {
	w := &Walk{Lesson: les.ID, Answers: map[string]string{}, Skipped: map[string]bool{}, Quiz: map[string]string{},
		Ticks: map[string]bool{}, Ratings: map[string]int{}, Stuck: map[int]int{}, Reviews: map[string][]Review{}}
	at := start
	last := min(stop, len(les.Cards)-1)
	for i := 0; i <= last; i++ {
		w.Arrive = append(w.Arrive, at)
		at = at.Add(time.Duration(minutes(les.Cards[i])*p.Pace) * time.Minute)
	}
	w.Stop = last
	if stop >= len(les.Cards) {
		w.Completed = at
	}
	return w
}

func plan44(les *course.Lesson, p *Plan) {
	i := p.Index
	stop := stop44[i]
	if stop < 0 {
		return
	}
	var start time.Time
	switch {
	case stalled44[i]:
		start = time.Date(2026, 11, 3, 10, 0, 0, 0, time.UTC).Add(time.Duration(i) * 6 * time.Hour)
	case stop >= len(les.Cards):
		start = time.Date(2026, 11, 12, 10, 0, 0, 0, time.UTC).Add(time.Duration(i) * 36 * time.Hour)
	default:
		start = time.Date(2026, 11, 24, 10, 0, 0, 0, time.UTC).Add(time.Duration(i-12) * 7 * time.Hour)
	}
	w := walkTo(les, p, start, stop, func(c *course.Card) int { return minutesPerCard44[c.Step+1] })
	p.Walks[les.ID] = w
	for _, c := range les.Cards[:w.Stop+1] {
		if q := c.Question(); q != nil {
			answer44(les, p, w, c, q)
		}
		for _, b := range c.Blocks {
			mark44(p, w, b)
		}
		stuck44(p, w, c)
	}
}

// answer44 is a member's answer to the question on card c: every fourth
// passes it without an answer (Skip question); on the card they stopped
// at, nobody skips.
func answer44(les *course.Lesson, p *Plan, w *Walk, c *course.Card, q *course.QuestionDef) {
	passed := c.Index < w.Stop || !w.Completed.IsZero()
	switch {
	case (p.Index+questionIndex(les, q.ID))%4 != 3:
		w.Answers[q.ID] = fmt.Sprintf("%s's answer to %q: it depends on the data, the model and how it is served.", p.Name, q.Prompt)
	case passed:
		w.Skipped[q.ID] = true
	}
}

// mark44 is a member's ticks of a checklist and ratings of a rating block:
// the further down a list, the fewer tick it, and the stronger learners
// tick more.
func mark44(p *Plan, w *Walk, b course.Block) {
	switch b.Kind {
	case course.Checklist:
		n := int(float64(len(b.Items))*(0.25+0.7*p.Ability)) + p.Index%3
		for j, it := range b.Items {
			if j < n {
				w.Ticks[it.ID] = true
			}
		}
	case course.Rating:
		for j, it := range b.Items {
			w.Ratings[it.ID] = rating(p, j, it.Group)
		}
	}
}

// stuck44 is the capstone exercise: the weaker learners press I'm stuck.
func stuck44(p *Plan, w *Walk, c *course.Card) {
	if ts := c.Step + 1; ts != 4 || p.Ability >= 0.5 {
		return
	}
	i := p.Index
	switch c.Index {
	case 9:
		w.Stuck[c.Index] = 1 + i%2
	case 8:
		if i%3 == 0 {
			w.Stuck[c.Index] = 1
		}
	}
}

// rating is a member's self-assessment of item j in group: the stronger
// rate themselves higher, and deployment lowest.
func rating(p *Plan, j int, group string) int {
	r := 1 + int(p.Ability*3.5) + (p.Index+j)%2
	if strings.Contains(group, "DEPLOY") {
		r -= 2
	}
	if j%5 == 2 {
		r-- // some items are harder to rate oneself high on
	}
	return max(1, min(5, r))
}

// questionIndex is a question's place among the lesson's questions.
func questionIndex(les *course.Lesson, id string) int {
	n := 0
	for _, c := range les.Cards {
		if q := c.Question(); q != nil {
			if q.ID == id {
				return n
			}
			n++
		}
	}
	return -1
}

// Quiz difficulty in Lesson 2.1: a member answers quiz k right first time
// when their ability is above quizBar[k] (and not on the slips below).
var quizBar = []float64{0.15, 0.45, 0.7, 0.3, 0.05}

// quizWrong is each quiz's wrong first answer: the usual one, and the one
// chosen by every third learner who misses.
var quizWrong = [][2]string{{"A", "C"}, {"params.yaml", "dvc.lock"}, {"A", "ABC"}, {"B", "B"}, {"C", "C"}}

func plan21(les *course.Lesson, p *Plan) {
	i := p.Index
	stop := len(les.Cards) // finished
	switch i {
	case 25:
		stop = 4
	case 26:
		stop = 7
	case 27:
		stop = 1
	case 28, 29:
		return // never started
	}
	start := time.Date(2026, 11, 2, 10, 0, 0, 0, time.UTC).Add(time.Duration(i) * 11 * time.Hour)
	if i >= 20 && i < Members {
		start = time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC).Add(time.Duration(i-20) * 15 * time.Hour)
	}
	if i >= Members {
		start = time.Date(2026, 11, 16, 10, 0, 0, 0, time.UTC).Add(time.Duration(i-Members) * 5 * time.Hour)
	}
	w := walkTo(les, p, start, stop, func(*course.Card) int { return 2 })
	p.Walks[les.ID] = w
	k := 0
	for _, c := range les.Cards[:w.Stop+1] {
		q := c.Quiz()
		if q == nil {
			continue
		}
		w.Quiz[q.ID] = quizAnswer21(p, q, k)
		// Spaced review of the missed single-choice questions, for those
		// who finished.
		if a := w.Quiz[q.ID]; a != "" && !q.Grade(a) && len(q.Options) > 0 && !q.Multi() && stop >= len(les.Cards) {
			if rs := reviews21(p, q, k, a, w.Arrive[c.Index]); len(rs) > 0 {
				w.Reviews[q.ID] = rs
			}
		}
		k++
	}
}

// quizAnswer21 is a member's first answer to quiz k of Lesson 2.1: right
// when their ability is above the quiz's bar (but for a slip on the easy
// last one), else one of its usual wrong answers; member 13 passes quiz 2
// over ("").
func quizAnswer21(p *Plan, q *course.QuizDef, k int) string {
	i := p.Index
	right := p.Ability > quizBar[k] && (k != 4 || i%6 != 1)
	switch {
	case i == 13 && k == 2:
		return "" // passed over
	case right:
		if len(q.Options) == 0 {
			return q.Accept[i%len(q.Accept)]
		}
		if q.Any {
			return q.Correct[i%len(q.Correct)]
		}
		return strings.Join(q.Correct, "")
	case i%3 == 2:
		return quizWrong[k][1]
	}
	return quizWrong[k][0]
}

// reviews21 is a member's spaced review of quiz k, first answered wrong
// (a) on reaching its card at anchor: on the first day, then (when right)
// the third and the seventh, as far as Now.
func reviews21(p *Plan, q *course.QuizDef, k int, a string, anchor time.Time) []Review {
	i := p.Index
	var out []Review
	for s, after := range []time.Duration{25 * time.Hour, 73 * time.Hour, 169 * time.Hour} {
		at := anchor.Add(after)
		if at.After(Now) {
			break
		}
		ok := [3]bool{(i+k)%3 != 0, (i+k)%4 != 0, i%5 != 0}[s]
		ans := q.Correct[0]
		if !ok {
			ans = a
		}
		out = append(out, Review{At: at, Answer: ans, Right: ok, Stage: s + 1})
		if !ok {
			break
		}
	}
	return out
}

// Key point answers in Lesson 1.1's "Why would you put a trained model
// inside a container image?", by which of its three points they reach.
var pointAnswers = []struct {
	text   string
	points [3]bool
}{
	{"It keeps the same environment and dependencies wherever it runs, on a laptop or in production.", [3]bool{true, true, false}},
	{"Because the environment is pinned with the model.", [3]bool{true, false, false}},
	{"So you can tag a version of the image and roll back when a release goes wrong.", [3]bool{false, false, true}},
	{"The dependencies are pinned, it runs the same on a server as on my laptop, and a tagged version can be rolled back.", [3]bool{true, true, true}},
}

func plan11(les *course.Lesson, p *Plan) {
	i := p.Index
	if i >= 20 && i < Members {
		return
	}
	stop := len(les.Cards)
	switch i {
	case 16, 17:
		stop = 5
	case 18, 19:
		stop = 6
	}
	start := time.Date(2026, 11, 20, 14, 0, 0, 0, time.UTC).Add(time.Duration(i) * 9 * time.Hour)
	if i >= Members {
		start = time.Date(2026, 11, 25, 14, 0, 0, 0, time.UTC)
	}
	w := walkTo(les, p, start, stop, func(c *course.Card) int { return 3 + c.Step })
	p.Walks[les.ID] = w
	for _, c := range les.Cards[:w.Stop+1] {
		if q := c.Question(); q != nil {
			switch {
			case len(q.Points) > 0 && i%7 != 6:
				w.Answers[q.ID] = pointAnswers[i%len(pointAnswers)].text
			case len(q.Points) == 0 && i%2 == 0:
				w.Answers[q.ID] = "I would check the port mapping and the logs, learner " + strconv.Itoa(i) + "."
			case c.Index < w.Stop || !w.Completed.IsZero():
				w.Skipped[q.ID] = true
			}
		}
		if ts := c.Step + 1; ts == 3 && p.Ability < 0.6 && c.Index == 5 {
			w.Stuck[c.Index] = 1 + i%2
		}
	}
}

// PointsReached is which of Lesson 1.1's key points an answer reaches, as
// the plans wrote them.
func PointsReached(answer string) ([3]bool, bool) {
	for _, a := range pointAnswers {
		if a.text == answer {
			return a.points, true
		}
	}
	return [3]bool{}, false
}

// Headlines are lines /cohort insights shows for the cohort, worked out
// from the plans: each lesson's "Title: N started, M finished" and the
// hardest quiz question's "Prompt: P% (R of T) right first time" among
// the members who agreed to count.
func (c *Cohort) Headlines() []string {
	var out []string
	for _, e := range c.Course.Catalogue {
		les := c.Course.Lessons[e.ID]
		if les == nil {
			continue
		}
		started, done := 0, 0
		for _, p := range c.Members() {
			if w := p.Walks[e.ID]; w != nil {
				started++
				if !w.Completed.IsZero() {
					done++
				}
			}
		}
		if started > 0 {
			out = append(out, fmt.Sprintf("%s: %d started, %d finished", les.Title, started, done))
		}
	}
	best, line := 2.0, ""
	for _, card := range c.Course.Lessons["2-1"].Cards {
		q := card.Quiz()
		if q == nil {
			continue
		}
		took, right := 0, 0
		for _, p := range c.Members() {
			if a := p.Walks["2-1"]; p.Figures && a != nil && a.Quiz[q.ID] != "" {
				took++
				if q.Grade(a.Quiz[q.ID]) {
					right++
				}
			}
		}
		if share := float64(right) / float64(took); share < best {
			best = share
			line = fmt.Sprintf("%s: %d%% (%d of %d) right first time", q.Prompt, (200*right+took)/(2*took), right, took)
		}
	}
	return append(out, line)
}
