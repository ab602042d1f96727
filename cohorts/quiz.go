package cohorts

import (
	"fmt"

	"github.com/coursebot/coursebot"
)

// quizSuffix adds a started lesson's quiz score to its table cell:
// "completed · quiz 3/5". Lessons without quizzes show nothing more.
func (c Cell) quizSuffix() string {
	if c.Quizzes == 0 || c.State == coursebot.StateNotStarted {
		return ""
	}
	return fmt.Sprintf(" · quiz %d/%d", c.QuizCorrect, c.Quizzes)
}

// quizLessons are the indexes of the table's lessons that have quizzes.
func (t Table) quizLessons() []int {
	var out []int
	for i := range t.Lessons {
		for _, r := range t.Rows {
			if r.Cells[i].Quizzes > 0 {
				out = append(out, i)
				break
			}
		}
	}
	return out
}

// quizHead names the CSV's quiz columns, one per lesson with quizzes:
// quiz_2-1 holds "3/5" (right at the first attempt of all quizzes), or
// nothing before the member starts the lesson.
func (t Table) quizHead() []string {
	var out []string
	for _, i := range t.quizLessons() {
		out = append(out, "quiz_"+t.Lessons[i])
	}
	return out
}

func (t Table) quizCells(r Row) []string {
	var out []string
	for _, i := range t.quizLessons() {
		c := r.Cells[i]
		if c.State == coursebot.StateNotStarted {
			out = append(out, "")
			continue
		}
		out = append(out, fmt.Sprintf("%d/%d", c.QuizCorrect, c.Quizzes))
	}
	return out
}
