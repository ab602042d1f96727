package course

import (
	"fmt"
	"sort"
)

// Warnings are things in a loaded course an author should look at that do
// not stop it from loading: a script step that delivers nothing to the
// learner (every word of it went to the leads' notes, and no reading is
// attached to it), so the learner gets a card with only a title; and every
// script line the rules cannot place surely for the learner or for the
// tutor (Lesson.Unsure).
// `lessons check` prints them as file:line: warning: ...
func Warnings(c *Course) []Problem {
	var out []Problem
	for _, id := range sortedIDs(c.Lessons) {
		les := c.Lessons[id]
		for i, st := range les.Steps {
			delivers := false
			for _, card := range les.Cards {
				if card.Step == i && len(card.Blocks) > 0 {
					delivers = true
					break
				}
			}
			if !delivers {
				out = append(out, Problem{File: les.ScriptFile, Line: st.Line,
					Msg: fmt.Sprintf("warning: step %d (%s) delivers nothing to the learner: all of it went to the leads' notes; address the learner (\"you\") or attach reading to it", st.Number, st.Title)})
			}
		}
		for _, u := range les.Unsure {
			out = append(out, Problem{File: u.File, Line: u.Line,
				Msg: "warning: unsure whether this line is for the learner or the tutor; it is shown to learners. Address the learner (\"you\") or the tutor (\"them\", \"the learner\") to settle it"})
		}
	}
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].File != out[j].File {
			return out[i].File < out[j].File
		}
		return out[i].Line < out[j].Line
	})
	return out
}
