package cohorts

import (
	"fmt"
	"strings"

	"github.com/coursebot/coursebot/bot/markup"
	"github.com/coursebot/coursebot/course"
)

// pointTally counts, per question with key points, how many of the
// answers a lead may read reached each point (by the answers' words:
// lessons.QuestionDef.Reached).
type pointTally struct {
	qs      []*course.QuestionDef
	answers map[string]int
	reached map[string][]int
}

func newPointTally(les *course.Lesson) *pointTally {
	t := &pointTally{answers: map[string]int{}, reached: map[string][]int{}}
	for _, c := range les.Cards {
		if q := c.Question(); q != nil && len(q.Points) > 0 {
			t.qs = append(t.qs, q)
			t.reached[q.ID] = make([]int, len(q.Points))
		}
	}
	return t
}

func (t *pointTally) add(q *course.QuestionDef, answer string) {
	n, ok := t.reached[q.ID]
	if !ok {
		return
	}
	t.answers[q.ID]++
	for i, r := range q.Reached(answer) {
		if r {
			n[i]++
		}
	}
}

// String is the tally as Markdown, "" when no answer was counted.
func (t *pointTally) String() string {
	var b strings.Builder
	for _, q := range t.qs {
		n := t.answers[q.ID]
		if n == 0 {
			continue
		}
		fmt.Fprintf(&b, "*Key points* of %s (%d %s, by their words):\n", markup.Truncate(q.Prompt, 120), n, plural(n, "answer", "answers"))
		for i, p := range q.Points {
			fmt.Fprintf(&b, "- %s: %d of %d\n", markup.EscapeMarkdown(p.Text), t.reached[q.ID][i], n)
		}
		b.WriteString("\n")
	}
	return b.String()
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
