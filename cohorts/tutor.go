package cohorts

import (
	"context"
	"fmt"
	"strings"

	"github.com/coursebot/coursebot"
	"github.com/coursebot/coursebot/bot/markup"
)

// TutorLog reads a learner's exchanges with the optional AI tutor
// (*store.DB). Leads see the exchange about an answer with the answer, so
// exactly where they see the answer (/cohort answers: the course shares
// answers and the member agreed to it); never the learner's /help
// questions or capstone "I'm stuck" conversations.
type TutorLog interface {
	TutorRecord(ctx context.Context, learner string) (coursebot.TutorRecord, error)
}

// tutorCut bounds each tutor turn shown to a lead (a reply is at most
// 1500 characters; a lesson's answers must stay readable in one message).
const tutorCut = 400

// tutorLines renders the conversation that followed answer: the tutor's
// replies and the learner's replies to them, after the answer itself (the
// exchange's first turn; an exchange that began with another answer, since
// replaced, is not this answer's and is not shown). A turn where the tutor
// fell back to the course's fixed text is shown as that text; one with no
// text, not at all.
func tutorLines(e *coursebot.TutorExchange, answer, who string) string {
	if e == nil || len(e.Turns) == 0 || e.Turns[0].Role != coursebot.RoleLearner || e.Turns[0].Text != answer {
		return ""
	}
	var b strings.Builder
	for i, t := range e.Turns {
		if i == 0 && t.Role == coursebot.RoleLearner {
			continue // the answer, shown above
		}
		text := strings.TrimSpace(t.Text)
		if text == "" {
			continue
		}
		label := who
		switch {
		case t.Role == coursebot.RoleTutor && t.Fallback != "":
			label = "Course (tutor unavailable)"
		case t.Role == coursebot.RoleTutor:
			label = "Tutor"
		}
		fmt.Fprintf(&b, "_%s:_ %s\n", label, markup.Truncate(oneLine(text), tutorCut))
	}
	return b.String()
}

// oneLine joins a turn's lines so it stays one item under its label.
func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }
