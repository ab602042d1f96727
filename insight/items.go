package insight

import (
	"math"
	"sort"
	"strconv"
	"strings"

	"github.com/coursebot/coursebot"
	"github.com/coursebot/coursebot/course"
	"github.com/coursebot/coursebot/lessons"
)

// Quiz item analysis: difficulty (the share right at the first attempt),
// discrimination (item-rest point-biserial correlation) and the wrong
// answers chosen; and review retention.

// Item is the analysis of one quiz question.
type Item struct {
	ID, Prompt string
	Lesson     string
	Card       int // 0-based index of its card
	// Took counts the learners who answered it (a first attempt), Right
	// those right at it, Skipped those who passed it over and have not
	// attempted it since.
	Took, Right, Skipped int
	// Wrong are the wrong first answers, most chosen first.
	Wrong []Choice
	// Discrimination is the item-rest point-biserial correlation: how
	// well being right here goes with doing well on the lesson's other
	// questions (-1 to 1; NaN when it cannot be computed). DiscN counts
	// the learners it rests on: those who answered every question of the
	// lesson.
	Discrimination float64
	DiscN          int
}

// Choice is one wrong answer and how many chose it first.
type Choice struct {
	Answer string // letters ("AB") or the typed text, lowercased
	Label  string // "A) git add data/raw.csv", or the text in quotes
	N      int
}

// Difficulty is the share right at the first attempt (0 to 1), NaN when
// nobody answered.
func (it Item) Difficulty() float64 {
	if it.Took == 0 {
		return math.NaN()
	}
	return float64(it.Right) / float64(it.Took)
}

// MinDiscrimination is the fewest learners a discrimination rests on.
const MinDiscrimination = 10

// quiz is one graded question of a lesson and the index of its card.
type quiz struct {
	q    *course.QuizDef
	card int
}

func qsOf(qs []quiz) []*course.QuizDef {
	out := make([]*course.QuizDef, len(qs))
	for i, q := range qs {
		out[i] = q.q
	}
	return out
}

// scoreQuizzes reads one learner's first attempts at qs: row holds 1 for
// right and 0 for wrong, complete says they answered every question. When
// counted, their attempts, rights, skips and wrong answers are added to
// out and wrong.
func scoreQuizzes(qs []*course.QuizDef, p coursebot.Progress, counted bool, out []Item, wrong []map[string]int) (row []float64, complete bool) {
	row = make([]float64, len(qs))
	complete = true
	for i, q := range qs {
		r, ok := p.Quiz[q.ID]
		if !ok || r.Tries == 0 {
			complete = false
			if ok && r.Skipped && counted {
				out[i].Skipped++
			}
			continue
		}
		if r.Correct {
			row[i] = 1
		}
		if !counted {
			continue
		}
		out[i].Took++
		if r.Correct {
			out[i].Right++
		} else {
			wrong[i][answerKey(q, r.First)]++
		}
	}
	return row, complete
}

// wrongChoices lists the wrong answers given to q, the commonest first.
func wrongChoices(q *course.QuizDef, wrong map[string]int) []Choice {
	var out []Choice
	for a, n := range wrong {
		out = append(out, Choice{Answer: a, Label: answerLabel(q, a), N: n})
	}
	sort.Slice(out, func(a, b int) bool {
		if out[a].N != out[b].N {
			return out[a].N > out[b].N
		}
		return out[a].Answer < out[b].Answer
	})
	return out
}

// quizItems analyses the quizzes of les, in lesson order.
func quizItems(les *course.Lesson, ls []Learner, o Options) []Item {
	var qs []quiz
	for _, c := range les.Cards {
		if q := c.Quiz(); q != nil {
			qs = append(qs, quiz{q, c.Index})
		}
	}
	if len(qs) == 0 {
		return nil
	}
	out := make([]Item, len(qs))
	wrong := make([]map[string]int, len(qs))
	for i, q := range qs {
		out[i] = Item{ID: q.q.ID, Prompt: q.q.Prompt, Lesson: les.ID, Card: q.card, Discrimination: math.NaN()}
		wrong[i] = map[string]int{}
	}
	// scores[learner][item]: 1 right, 0 wrong; rows only for learners who
	// answered every question and count in linked figures.
	var scores [][]float64
	defs := qsOf(qs)
	for _, l := range ls {
		p, ok := l.Progress[les.ID]
		if !ok {
			continue
		}
		row, complete := scoreQuizzes(defs, p, o.Audience.counts(useCounts, l), out, wrong)
		if complete && o.Audience.counts(useLinked, l) {
			scores = append(scores, row)
		}
	}
	for i, q := range qs {
		out[i].Wrong = wrongChoices(q.q, wrong[i])
		out[i].DiscN = len(scores)
		if len(qs) > 1 && len(scores) >= MinDiscrimination {
			out[i].Discrimination = itemRest(scores, i)
		}
	}
	return out
}

// answerKey is how a first answer is grouped: a multiple choice's letters
// as recorded, a short answer lowercased with its spaces collapsed.
func answerKey(q *course.QuizDef, first string) string {
	if len(q.Options) > 0 {
		return first
	}
	return strings.Join(strings.Fields(strings.ToLower(first)), " ")
}

// answerLabel names an answer: its options' letters and texts, or the
// typed text in quotes.
func answerLabel(q *course.QuizDef, key string) string {
	if len(q.Options) == 0 {
		return "“" + key + "”"
	}
	var parts []string
	for _, r := range key {
		for _, o := range q.Options {
			if o.Letter == string(r) {
				parts = append(parts, o.Letter+") "+o.Text)
			}
		}
	}
	if len(parts) == 0 {
		return key
	}
	return strings.Join(parts, " + ")
}

// itemRest is the Pearson correlation of item i's scores with the sum of
// the other items' (the corrected point-biserial): NaN when either does
// not vary.
func itemRest(scores [][]float64, i int) float64 {
	n := float64(len(scores))
	var sx, sy, sxx, syy, sxy float64
	for _, row := range scores {
		x := row[i]
		y := 0.0
		for j, v := range row {
			if j != i {
				y += v
			}
		}
		sx, sy, sxx, syy, sxy = sx+x, sy+y, sxx+x*x, syy+y*y, sxy+x*y
	}
	vx, vy := sxx-sx*sx/n, syy-sy*sy/n
	if vx <= 0 || vy <= 0 {
		return math.NaN()
	}
	return (sxy - sx*sy/n) / math.Sqrt(vx*vy)
}

// Retention is the spaced-review answers at one stage.
type Retention struct {
	Stage     int    // 1, 2, 3
	Label     string // "1st day"
	Right, Of int    // answers right, answers given
	Learners  int    // learners who answered at this stage
}

// stageLabel names a review stage by its day (lessons.ReviewStages).
func stageLabel(stage int) string {
	if stage >= 1 && stage <= len(lessons.ReviewStages) {
		d := int(lessons.ReviewStages[stage-1].Hours() / 24)
		return ordinal(d) + " day"
	}
	return "stage " + strconv.Itoa(stage)
}

func ordinal(n int) string {
	suffix := "th"
	switch {
	case n%100 >= 11 && n%100 <= 13:
	case n%10 == 1:
		suffix = "st"
	case n%10 == 2:
		suffix = "nd"
	case n%10 == 3:
		suffix = "rd"
	}
	return strconv.Itoa(n) + suffix
}

// countReviews adds one learner's review answers to out and who, by stage.
func countReviews(out []Retention, who []map[string]bool, learner string, rs []coursebot.ReviewAnswer) {
	for _, a := range rs {
		if a.Stage < 1 || a.Stage > len(out) {
			continue
		}
		out[a.Stage-1].Of++
		if a.Right {
			out[a.Stage-1].Right++
		}
		who[a.Stage-1][learner] = true
	}
}

// retention counts the review answers to the quizzes of the shown
// lessons by stage.
func retention(shown []*course.Lesson, ls []Learner, o Options) []Retention {
	out := make([]Retention, len(lessons.ReviewStages))
	who := make([]map[string]bool, len(out))
	for i := range out {
		out[i] = Retention{Stage: i + 1, Label: stageLabel(i + 1)}
		who[i] = map[string]bool{}
	}
	for _, les := range shown {
		for _, l := range ls {
			p, ok := l.Progress[les.ID]
			if !ok || !o.Audience.counts(useCounts, l) {
				continue
			}
			for _, c := range les.Cards {
				q := c.Quiz()
				if q == nil {
					continue
				}
				countReviews(out, who, l.Key, p.Quiz[q.ID].Reviews)
			}
		}
	}
	for i := range out {
		out[i].Learners = len(who[i])
	}
	return out
}
