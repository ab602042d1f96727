package insight

import (
	_ "embed"
	"fmt"
	"html/template"
	"image/color"
	"io"
	"math"
	"strings"
	"time"
)

// The author's report: one self-contained HTML file (coursebot report).
// Its charts are inline SVG drawn by chart.go, its style inline CSS; it
// has no script and loads nothing when it is opened. It names no learner.

//go:embed report.html.tmpl
var reportTemplate string

var reportPage = template.Must(template.New("report").Parse(reportTemplate))

// ReportOptions describe the report.
type ReportOptions struct {
	// Scope says whose records it rests on ("every learner the bot
	// knows", "cohort spring").
	Scope string
	// Loc is the time zone its times are written in (default UTC).
	Loc *time.Location
}

// figure is one chart of the report.
type figure struct {
	ID      string
	Caption string
	SVG     template.HTML // drawn by chart.go: its text escaped by vgsvg
	Bars    int
	Color   string // the bars' fill, as the SVG writes it
}

// table is one table of the report, its cells already written.
type table struct {
	Head []string
	Rows [][]string
	// Num marks the columns of numbers (right-aligned).
	Num []bool
}

// reportLesson is one lesson's part of the report.
type reportLesson struct {
	ID, Title, Started, Completed string
	Empty                         bool // nobody started it
	Funnel, Leave, Difficulty     *figure
	Steps, Stops, Items, Stuck    table
	Checklist, Ratings, Answers   table
}

type report struct {
	Title, Scope, At string
	// Learners, Figures and Answers count whom the report rests on, as
	// N writes them.
	Learners, Figures, Answers string
	MinCount                   int
	Few                        string
	DiscMin                    int
	Lessons                    []reportLesson
	Retain                     *figure
	Retention                  table
	Tutor, Causes              table
	Charts                     int
}

// Report writes f as the author's HTML report and returns how many charts
// it holds.
func Report(w io.Writer, f Figures, o ReportOptions) (int, error) {
	if o.Loc == nil {
		o.Loc = time.UTC
	}
	r := report{Title: "Course report", Scope: o.Scope, At: f.At.In(o.Loc).Format("Mon 2 Jan 2006 15:04 MST"),
		Learners: N(f.Learners), Figures: N(f.WithFigures), Answers: N(f.WithAnswers), MinCount: MinCount, Few: Few, DiscMin: MinDiscrimination}
	var err error
	add := func(id, caption string, ch chart) *figure {
		if err != nil {
			return nil
		}
		var svg string
		if svg, err = svgOf(ch); err != nil {
			return nil
		}
		r.Charts++
		return &figure{ID: id, Caption: caption, SVG: template.HTML(svg), Bars: len(ch.bars), Color: hexColor(ch.color)} // #nosec G203 -- drawn here, its text escaped by vgsvg
	}
	for _, lf := range f.Lessons {
		rl := reportLesson{ID: lf.ID, Title: lf.Title, Started: N(lf.Started), Completed: N(lf.Completed), Empty: lf.Started == 0}
		if !rl.Empty {
			rl.Funnel = add("funnel-"+lf.ID, fmt.Sprintf("How many reached each step of Lesson %s.", dotted(lf.ID)), funnelChart(lf))
			rl.Steps = stepsTable(lf)
		}
		if len(lf.Leave) > 0 {
			rl.Leave = add("leave-"+lf.ID, fmt.Sprintf("Cards where learners of Lesson %s stopped and have not moved for a week.", dotted(lf.ID)), leaveChart(lf))
			rl.Stops = stopsTable(lf)
		}
		if hasTaken(lf.Quizzes) {
			rl.Difficulty = add("difficulty-"+lf.ID, fmt.Sprintf("Lesson %s's quiz questions: the share right at the first attempt.", dotted(lf.ID)), difficultyChart(lf))
			rl.Items = itemsTable(lf)
		}
		rl.Stuck, rl.Checklist, rl.Ratings, rl.Answers = stuckTable(lf), checklistTable(lf), ratingsTable(lf), answersTable(lf)
		r.Lessons = append(r.Lessons, rl)
	}
	if reviewed(f.Retention) {
		r.Retain = add("retention", "Spaced review: the share of review answers right at each stage, across the lessons.", retentionChart(f.Retention))
		r.Retention = retentionTable(f.Retention)
	}
	r.Tutor, r.Causes = tutorTables(f.Tutor)
	if err != nil {
		return 0, err
	}
	if err := reportPage.Execute(w, r); err != nil {
		return 0, fmt.Errorf("report: %w", err)
	}
	return r.Charts, nil
}

func hasTaken(items []Item) bool {
	for _, it := range items {
		if it.Took > 0 {
			return true
		}
	}
	return false
}

func reviewed(rs []Retention) bool {
	for _, r := range rs {
		if r.Of > 0 {
			return true
		}
	}
	return false
}

// leaveChart is where learners stopped, most first.
func leaveChart(lf LessonFigures) chart {
	c := chart{title: fmt.Sprintf("Lesson %s: where learners stopped", dotted(lf.ID)), xLabel: "learners who have not moved for 7 days", color: grey}
	for _, l := range lf.Leave {
		b := bar{label: cutLabel(fmt.Sprintf("card %d: %s", l.Index+1, l.Title), 44), value: float64(l.Learners), text: N(l.Learners)}
		if !shown(l.Learners) {
			b.value = math.NaN()
		}
		c.bars = append(c.bars, b)
		c.max = math.Max(c.max, float64(l.Learners))
	}
	return c
}

// difficultyChart is every quiz question's first-attempt success, in
// lesson order.
func difficultyChart(lf LessonFigures) chart {
	c := chart{title: fmt.Sprintf("Lesson %s: right at the first attempt", dotted(lf.ID)), xLabel: "% right first time", color: orange, max: 100}
	for i, it := range lf.Quizzes {
		b := bar{label: wrap(fmt.Sprintf("%d. %s", i+1, it.Prompt), 46, 2), value: 100 * it.Difficulty(), text: rightText(it)}
		if !shown(it.Right) || !shown(it.Took) {
			b.value = math.NaN()
		}
		if !shown(it.Took) {
			b.text = Few + " answered"
		}
		c.bars = append(c.bars, b)
	}
	return c
}

// retentionChart is the share right at each review stage.
func retentionChart(rs []Retention) chart {
	c := chart{title: "Spaced review: right at each stage", xLabel: "% of review answers right", color: green, max: 100}
	for _, r := range rs {
		b := bar{label: r.Label + " review", value: 100 * float64(r.Right) / math.Max(1, float64(r.Of)), text: Share(r.Right, r.Of)}
		if !shown(r.Right) || !shown(r.Of) || !shown(r.Learners) {
			b.value = math.NaN()
		}
		if !shown(r.Learners) {
			b.text = "by " + Few + " learners"
		}
		c.bars = append(c.bars, b)
	}
	return c
}

// discText writes an item's discrimination with what it rests on.
func discText(it Item) string {
	switch {
	case it.DiscN < MinDiscrimination:
		return fmt.Sprintf("too few (%s answered every question)", N(it.DiscN))
	case math.IsNaN(it.Discrimination):
		return "none (everyone alike)"
	}
	return fmt.Sprintf("%.2f (%d learners)", it.Discrimination, it.DiscN)
}

// diffText writes an item's difficulty, the share right first time.
func diffText(it Item) string {
	if !shown(it.Took) || !shown(it.Right) {
		return "-"
	}
	return fmt.Sprintf("%.2f", it.Difficulty())
}

// hexColor is c as vgsvg writes a fill ("#2B6CB0").
func hexColor(c color.Color) string {
	r, g, b, _ := c.RGBA()
	return fmt.Sprintf("#%02X%02X%02X", r>>8, g>>8, b>>8)
}

func stepsTable(lf LessonFigures) table {
	t := table{Head: []string{"Step", "Reached", "Median time there", "Timed"}, Num: []bool{false, true, true, true}}
	for i, s := range lf.Funnel {
		med, timed := "", ""
		if i < len(lf.Times) {
			med, timed = medianText(lf.Times[i]), N(lf.Times[i].N)
		}
		t.Rows = append(t.Rows, []string{s.Label, N(s.Reached), med, timed})
	}
	return t
}

func stopsTable(lf LessonFigures) table {
	t := table{Head: []string{"Card", "Step", "Learners stopped there"}, Num: []bool{false, false, true}}
	for _, l := range lf.Leave {
		t.Rows = append(t.Rows, []string{fmt.Sprintf("%d. %s", l.Index+1, l.Title), l.StepLabel, N(l.Learners)})
	}
	return t
}

func itemsTable(lf LessonFigures) table {
	t := table{Head: []string{"Question", "Answered", "Right first time", "Difficulty", "Discrimination", "Passed over", "Wrong answers chosen"},
		Num: []bool{false, true, true, true, true, true, false}}
	for i, it := range lf.Quizzes {
		var wrong []string
		for _, w := range it.Wrong {
			wrong = append(wrong, fmt.Sprintf("%s: %s", w.Label, N(w.N)))
		}
		if len(wrong) == 0 {
			wrong = []string{"none"}
		}
		t.Rows = append(t.Rows, []string{fmt.Sprintf("%d. %s", i+1, it.Prompt), N(it.Took), Share(it.Right, it.Took), diffText(it), discText(it),
			N(it.Skipped), strings.Join(wrong, "; ")})
	}
	return t
}

func stuckTable(lf LessonFigures) table {
	t := table{Head: []string{"Card", "Step", "Presses", "Learners"}, Num: []bool{false, false, true, true}}
	for _, c := range lf.Stuck {
		presses := Few
		if shown(c.Learners) {
			presses = fmt.Sprint(c.Presses)
		}
		t.Rows = append(t.Rows, []string{fmt.Sprintf("%d. %s", c.Index+1, c.Title), c.StepLabel, presses, N(c.Learners)})
	}
	return t
}

func checklistTable(lf LessonFigures) table {
	t := table{Head: []string{"Item (least ticked first)", "Ticked, of those who reached it"}, Num: []bool{false, true}}
	for _, it := range lf.Checklist {
		if it.Of > 0 {
			t.Rows = append(t.Rows, []string{itemName(it.Group, it.Text), Share(it.Ticked, it.Of)})
		}
	}
	return t
}

func ratingsTable(lf LessonFigures) table {
	t := table{Head: []string{"Item", "Average (1 to 5)", "Ratings"}, Num: []bool{false, true, true}}
	for _, r := range lf.Ratings {
		mean := "-"
		if shown(r.N) {
			mean = fmt.Sprintf("%.1f", r.Mean)
		}
		t.Rows = append(t.Rows, []string{itemName(r.Group, r.Text), mean, N(r.N)})
	}
	return t
}

func answersTable(lf LessonFigures) table {
	t := table{Head: []string{"Question", "Reached", "Answered", "Skipped", "Key points reached, by the answers' words"}, Num: []bool{false, true, true, true, false}}
	for _, q := range lf.Questions {
		var ps []string
		for _, p := range q.Points {
			ps = append(ps, fmt.Sprintf("%s: %s", p.Text, Share(p.Reached, q.PointAnswers)))
		}
		points := strings.Join(ps, "; ")
		if len(q.Points) == 0 {
			points = "no key points"
		}
		t.Rows = append(t.Rows, []string{q.Prompt, N(q.Reached), N(q.Answered), N(q.Skipped), points})
	}
	return t
}

func retentionTable(rs []Retention) table {
	t := table{Head: []string{"Review", "Answers right", "Learners"}, Num: []bool{false, true, true}}
	for _, r := range rs {
		t.Rows = append(t.Rows, []string{r.Label, Share(r.Right, r.Of), N(r.Learners)})
	}
	return t
}

func tutorTables(u TutorUse) (use, causes table) {
	use = table{Head: []string{"", "Count"}, Num: []bool{false, true}}
	use.Rows = [][]string{
		{"Learners who used the tutor", N(u.Learners)},
		{"Conversations about an answer", N(u.Answer)},
		{"\"I'm stuck\" conversations", N(u.Stuck)},
		{"/help questions", N(u.Help)},
		{"Tutor replies", N(u.Replies)},
		{"Of them, the course's own text instead (fallbacks)", N(u.Fallbacks)},
	}
	causes = table{Head: []string{"Why it fell back", "Replies"}, Num: []bool{false, true}}
	for _, c := range u.Causes {
		causes.Rows = append(causes.Rows, []string{c.Cause, N(c.N)})
	}
	return use, causes
}
