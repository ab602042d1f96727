package insight

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/coursebot/coursebot/bot"
	"github.com/coursebot/coursebot/bot/markup"
)

// What a lead reads: the figures as Markdown sections, the picture and
// its alt text. Every count across learners goes through N or Share.

// Section is one part of a lead's insights: a heading and Markdown, or a
// monospace table.
type Section struct {
	Heading string
	Text    string // Markdown
	Table   string // monospace; "" when none
}

// Sections renders f for a cohort's leads, in loc. answers says whether the
// course shares answers with leads; command is the cohort command's name
// and cohort the cohort's, for the pointer to the full answers.
func Sections(f Figures, loc *time.Location, answers bool, command, cohort string) []Section {
	var out []Section
	for _, lf := range f.Lessons {
		if lf.Started == 0 {
			continue
		}
		out = append(out, Section{
			Heading: fmt.Sprintf("%s: %s started, %s finished", markup.EscapeMarkdown(lf.Title), N(lf.Started), N(lf.Completed)),
			Table:   funnelTable(lf),
		})
	}
	if len(out) == 0 {
		out = append(out, Section{Heading: "Where the cohort is", Text: "Nobody has started a lesson yet."})
	}
	out = append(out, Section{Heading: "Not moved in 7 days", Text: stalledText(f, loc)})
	out = append(out, Section{Heading: "What is hard", Text: hardText(f)})
	if answers {
		out = append(out, Section{Heading: "Answers", Text: answersText(f, command, cohort)})
	}
	return out
}

// funnelTable is a lesson's funnel with the median time at each stage.
func funnelTable(lf LessonFigures) string {
	rows := [][]string{{"", "reached", "median time"}}
	for i, s := range lf.Funnel {
		t := ""
		if i < len(lf.Times) {
			t = medianText(lf.Times[i])
		}
		rows = append(rows, []string{cutLabel(s.Label, 40), N(s.Reached), t})
	}
	return aligned(rows)
}

// medianText is a stage's median time, or why it is not shown.
func medianText(st StepTime) string {
	switch {
	case st.N == 0:
		return "-"
	case !shown(st.N):
		return Few + " timed"
	}
	return Duration(st.Median)
}

// Duration writes a time spent: "45 min", "2 h 10 min", "3 days".
func Duration(d time.Duration) string {
	switch {
	case d < time.Minute:
		return "under 1 min"
	case d < time.Hour:
		return fmt.Sprintf("%d min", int(d.Minutes()+0.5))
	case d < 24*time.Hour:
		h, m := int(d.Hours()), int(d.Minutes())%60
		if m == 0 {
			return fmt.Sprintf("%d h", h)
		}
		return fmt.Sprintf("%d h %d min", h, m)
	}
	days := int(d.Hours()/24 + 0.5)
	if days == 1 {
		return "1 day"
	}
	return fmt.Sprintf("%d days", days)
}

// aligned lays rows out in columns: the first left, the others right.
func aligned(rows [][]string) string {
	width := map[int]int{}
	for _, r := range rows {
		for i, c := range r {
			width[i] = max(width[i], len([]rune(c)))
		}
	}
	var b strings.Builder
	for _, r := range rows {
		var line strings.Builder
		for i, c := range r {
			pad := strings.Repeat(" ", width[i]-len([]rune(c)))
			if i == 0 {
				line.WriteString(c + pad)
			} else {
				line.WriteString("  " + pad + c)
			}
		}
		b.WriteString(strings.TrimRight(line.String(), " ") + "\n")
	}
	return strings.TrimRight(b.String(), "\n")
}

func stalledText(f Figures, loc *time.Location) string {
	var b strings.Builder
	for _, s := range f.Stalled {
		fmt.Fprintf(&b, "- %s: Lesson %s, card %d of %d (%s), since %s\n", markup.EscapeMarkdown(s.Name), dotted(s.Lesson), s.Card, s.Cards,
			markup.EscapeMarkdown(cutLabel(s.CardTitle, 60)), s.Since.In(loc).Format("Mon 2 Jan"))
	}
	if len(f.NotStarted) > 0 {
		names := make([]string, len(f.NotStarted))
		for i, n := range f.NotStarted {
			names[i] = markup.EscapeMarkdown(n)
		}
		fmt.Fprintf(&b, "- Not started any lesson, a week or more after joining: %s\n", strings.Join(names, ", "))
	}
	if b.Len() == 0 {
		return "Everyone in a lesson has moved this week."
	}
	return strings.TrimRight(b.String(), "\n")
}

// sortItems orders quiz questions by first-attempt success, lowest first.
// A question fewer than MinCount got right counts as got right by none:
// its place must not tell how many it was.
func sortItems(items []Item) {
	right := func(it Item) int {
		if !shown(it.Right) {
			return 0
		}
		return it.Right
	}
	sort.SliceStable(items, func(i, j int) bool {
		a, b := items[i], items[j]
		return right(a)*b.Took < right(b)*a.Took
	})
}

// hardLimit is how many of each kind of hard thing a lead is shown.
const hardLimit = 5

func hardText(f Figures) string {
	var b strings.Builder
	if f.WithFigures < f.Learners {
		fmt.Fprintf(&b, "_From the %s members who agreed to count in these figures (the others joined before they were named)._\n", N(f.WithFigures))
	}
	writeHardQuizzes(&b, f)
	writeStuckCards(&b, f)
	writeLeastTicked(&b, f)
	writeLowRatings(&b, f)
	if b.Len() == 0 {
		return fmt.Sprintf("Not enough counted yet: these figures show once at least %d members who agreed to count have answered a quiz, pressed I'm stuck, ticked or rated.", MinCount)
	}
	return strings.TrimRight(b.String(), "\n")
}

// writeHardQuizzes lists the quiz questions with the lowest first-attempt
// success.
func writeHardQuizzes(b *strings.Builder, f Figures) {
	items := hardest(f, hardLimit)
	if len(items) == 0 {
		return
	}
	b.WriteString(gap(b) + "*Quiz questions*, lowest first-attempt success first:\n")
	for i, it := range items {
		fmt.Fprintf(b, "%d. (%s) %s: %s right first time", i+1, dotted(it.Lesson), markup.EscapeMarkdown(cutLabel(it.Prompt, 100)), rightText(it))
		if w := topWrong(it); w != "" {
			fmt.Fprintf(b, "; most chosen wrong: %s (%d)", markup.EscapeMarkdown(cutLabel(w, 80)), it.Wrong[0].N)
		}
		if it.Skipped > 0 {
			fmt.Fprintf(b, "; passed over by %s", N(it.Skipped))
		}
		b.WriteString("\n")
	}
}

// writeStuckCards lists the cards with the most "I'm stuck" presses.
func writeStuckCards(b *strings.Builder, f Figures) {
	var stuck []CardCount
	for _, lf := range f.Lessons {
		stuck = append(stuck, lf.Stuck...)
	}
	sort.SliceStable(stuck, func(i, j int) bool { return stuck[i].Presses > stuck[j].Presses })
	if len(stuck) == 0 {
		return
	}
	b.WriteString(gap(b) + "*\"I'm stuck\" presses*, most first:\n")
	for _, c := range stuck[:min(len(stuck), hardLimit)] {
		fmt.Fprintf(b, "- (%s) %s, card %d: %s by %s learners\n", dotted(c.LessonID), markup.EscapeMarkdown(cutLabel(c.Title, 60)), c.Index+1,
			pressesText(c), N(c.Learners))
	}
}

// lessonItem is a checklist item's count with its lesson.
type lessonItem struct {
	lesson string
	ItemCount
}

// writeLeastTicked lists the checklist items least ticked by those who
// reached them.
func writeLeastTicked(b *strings.Builder, f Figures) {
	var ticks []lessonItem
	for _, lf := range f.Lessons {
		for _, it := range lf.Checklist {
			if it.Of > 0 {
				ticks = append(ticks, lessonItem{lf.ID, it})
			}
		}
	}
	sort.SliceStable(ticks, func(i, j int) bool {
		a, b := ticks[i].ItemCount, ticks[j].ItemCount
		ta, tb := a.Ticked, b.Ticked
		if !shown(ta) {
			ta = 0
		}
		if !shown(tb) {
			tb = 0
		}
		return ta*b.Of < tb*a.Of
	})
	if len(ticks) == 0 {
		return
	}
	b.WriteString(gap(b) + "*Checklist items least ticked* (of those who reached them):\n")
	for _, t := range ticks[:min(len(ticks), hardLimit)] {
		fmt.Fprintf(b, "- (%s) %s: %s\n", dotted(t.lesson), markup.EscapeMarkdown(cutLabel(t.Text, 80)), Share(t.Ticked, t.Of))
	}
}

// lessonRating is a self-assessment item's figures with its lesson.
type lessonRating struct {
	lesson string
	Rating
}

// writeLowRatings lists the self-assessment items with the lowest average.
func writeLowRatings(b *strings.Builder, f Figures) {
	var rs []lessonRating
	for _, lf := range f.Lessons {
		for _, r := range lf.Ratings {
			if shown(r.N) {
				rs = append(rs, lessonRating{lf.ID, r})
			}
		}
	}
	sort.SliceStable(rs, func(i, j int) bool { return rs[i].Mean < rs[j].Mean })
	if len(rs) == 0 {
		return
	}
	b.WriteString(gap(b) + "*Self-assessment*, lowest average first (1 to 5):\n")
	for _, r := range rs[:min(len(rs), hardLimit)] {
		fmt.Fprintf(b, "- (%s) %s: %.1f from %d ratings\n", dotted(r.lesson), markup.EscapeMarkdown(cutLabel(itemName(r.Group, r.Text), 90)), r.Mean, r.N)
	}
}

// gap is the blank line that ends a list before the next group, "" at
// the start (a line right after a list item would continue it).
func gap(b *strings.Builder) string {
	if b.Len() == 0 {
		return ""
	}
	return "\n"
}

func pressesText(c CardCount) string {
	if !shown(c.Learners) {
		return "presses"
	}
	return fmt.Sprintf("%d presses", c.Presses)
}

// itemName is an item with its group: "PILLAR 4: DEPLOY · Rollback".
func itemName(group, text string) string {
	if group == "" {
		return text
	}
	return group + " · " + text
}

func answersText(f Figures, command, cohort string) string {
	var b strings.Builder
	for _, lf := range f.Lessons {
		for _, q := range lf.Questions {
			if q.Reached == 0 {
				continue
			}
			fmt.Fprintf(&b, "- (%s) %s: %s answered, %s skipped, of %s who reached it", dotted(lf.ID), markup.EscapeMarkdown(cutLabel(q.Prompt, 100)),
				N(q.Answered), N(q.Skipped), N(q.Reached))
			if len(q.Points) > 0 && q.PointAnswers > 0 {
				var ps []string
				for _, p := range q.Points {
					ps = append(ps, fmt.Sprintf("%s %s", markup.EscapeMarkdown(p.Text), Share(p.Reached, q.PointAnswers)))
				}
				fmt.Fprintf(&b, ". Key points reached, by the answers' words: %s", strings.Join(ps, "; "))
			}
			b.WriteString("\n")
		}
	}
	if b.Len() == 0 {
		return "No shared answers yet."
	}
	fmt.Fprintf(&b, "\nThe answers themselves: `/%s answers %s LESSON`, a page per question.", command, cohort)
	return b.String()
}

// Picture is the lead's picture: each lesson's funnel and the hardest
// quiz questions as one PNG, with alt text that says the same in words.
func Picture(f Figures) (png []byte, alt string, err error) {
	var charts []chart
	var words []string
	for _, lf := range f.Lessons {
		if lf.Started == 0 {
			continue
		}
		charts = append(charts, funnelChart(lf))
		var steps []string
		for _, s := range lf.Funnel[1 : len(lf.Funnel)-1] {
			n, _, _ := strings.Cut(s.Label, ".")
			steps = append(steps, fmt.Sprintf("step %s %s", n, N(s.Reached)))
		}
		words = append(words, fmt.Sprintf("Lesson %s: %s started; %s; %s finished.", dotted(lf.ID), N(lf.Started), strings.Join(steps, ", "), N(lf.Completed)))
	}
	if items := hardest(f, hardLimit); len(items) > 0 {
		charts = append(charts, hardestChart(items))
		var qs []string
		for _, it := range items {
			q := fmt.Sprintf("%s %s %s", dotted(it.Lesson), cutLabel(it.Prompt, 50), rightText(it))
			if w := topWrong(it); w != "" {
				q += ", most chosen wrong " + cutLabel(w, 30)
			}
			qs = append(qs, q)
		}
		words = append(words, "Hardest quiz questions, right at the first attempt: "+strings.Join(qs, "; ")+".")
	}
	if len(charts) == 0 {
		return nil, "", nil
	}
	png, err = pngOf(charts)
	if err != nil {
		return nil, "", err
	}
	return png, markup.Truncate("Bar charts. "+strings.Join(words, " "), bot.MaxAlt), nil
}
