package lessons

import (
	"context"
	"fmt"
	"time"

	"github.com/coursebot/coursebot"
	"github.com/coursebot/coursebot/bot"
	"github.com/coursebot/coursebot/course"
)

// ReviewCommand runs the quiz questions due for review.
const ReviewCommand = "review"

// ReviewDescription describes ReviewCommand for command lists.
const ReviewDescription = "Review the quiz questions you missed that are due"

// ReviewStages are when a missed quiz question comes back, counted from
// the miss: after 1, 3 and 7 days. Answering it wrong in a review starts
// the count again; answering it right moves it to the next stage.
var ReviewStages = []time.Duration{24 * time.Hour, 72 * time.Hour, 7 * 24 * time.Hour}

// reached is how many stages of r have come by now.
func reached(r coursebot.QuizResult, now time.Time) int {
	if r.Anchor.IsZero() {
		return 0
	}
	n := 0
	for _, d := range ReviewStages {
		if !now.Before(r.Anchor.Add(d)) {
			n++
		}
	}
	return n
}

// reviewDue reports whether a quiz is due for review at now.
func reviewDue(r coursebot.QuizResult, now time.Time) bool {
	return r.Rounds < len(ReviewStages) && reached(r, now) > r.Rounds
}

// reviewed moves a quiz through the stages after a review answer: right
// passes every stage come by (a late review is not repeated at once),
// wrong starts again from now.
func reviewed(r *coursebot.QuizResult, right bool, now time.Time) {
	if right {
		r.Rounds = max(r.Rounds+1, reached(*r, now))
		return
	}
	r.Anchor, r.Rounds, r.Notified = now, 0, 0
}

// recordReview keeps a review answer for the figures' retention (package
// insight): the latest stage come by, and whether it was right.
func recordReview(r *coursebot.QuizResult, right bool, now time.Time) {
	r.Reviews = append(r.Reviews, coursebot.ReviewAnswer{Stage: max(1, reached(*r, now)), Right: right, At: now})
	if n := len(r.Reviews) - coursebot.MaxReviews; n > 0 {
		r.Reviews = append([]coursebot.ReviewAnswer(nil), r.Reviews[n:]...)
	}
}

// nextReview is when a quiz next comes due (zero: never).
func nextReview(r coursebot.QuizResult) time.Time {
	if r.Anchor.IsZero() || r.Rounds >= len(ReviewStages) {
		return time.Time{}
	}
	return r.Anchor.Add(ReviewStages[r.Rounds])
}

// ReviewDue is one lesson's quiz questions due for review.
type ReviewDue struct {
	Lesson  string
	Quizzes []string // quiz ids, in lesson order
	// Announce is set when a stage has come that no DM announced yet.
	Announce bool
}

// DueReviews lists, in course order, the lessons with quiz questions due
// for review at now for a learner with progress all. Quizzes no longer in
// the course are left out.
func DueReviews(c *course.Course, all []coursebot.Progress, now time.Time) []ReviewDue {
	byLesson := map[string]coursebot.Progress{}
	for _, p := range all {
		byLesson[p.Lesson] = p
	}
	var out []ReviewDue
	for _, entry := range c.Catalogue {
		les := c.Lessons[entry.ID]
		p, ok := byLesson[entry.ID]
		if les == nil || !ok {
			continue
		}
		d := ReviewDue{Lesson: les.ID}
		for _, q := range les.Quizzes() {
			r := p.Quiz[q.ID]
			if !reviewDue(r, now) {
				continue
			}
			d.Quizzes = append(d.Quizzes, q.ID)
			if reached(r, now) > max(r.Rounds, r.Notified) {
				d.Announce = true
			}
		}
		if len(d.Quizzes) > 0 {
			out = append(out, d)
		}
	}
	return out
}

// MarkAnnounced records in p that a DM announced its due questions at now.
func MarkAnnounced(c *course.Course, p *coursebot.Progress, now time.Time) {
	les := c.Lessons[p.Lesson]
	if les == nil {
		return
	}
	for _, q := range les.Quizzes() {
		r, ok := p.Quiz[q.ID]
		if ok && reviewDue(r, now) {
			r.Notified = reached(r, now)
			p.Quiz[q.ID] = r
		}
	}
}

// review shows the first question due for review, or when the next comes.
func (e *request) review(ctx context.Context, who coursebot.Learner) ([]bot.Reply, error) {
	all, err := e.store.LearnerProgress(ctx, who.Key())
	if err != nil {
		return nil, err
	}
	now := e.now()
	due := DueReviews(e.course, all, now)
	if len(due) == 0 {
		return []bot.Reply{{Ephemeral: true, Title: "Review", Blocks: []bot.Block{{Kind: bot.BlockMarkdown, Text: e.nothingDue(all)}}}}, nil
	}
	les := e.course.Lessons[due[0].Lesson]
	card, q := findQuiz(les, due[0].Quizzes[0])
	var at string
	_, p, err := e.store.UpdateProgress(ctx, who.Key(), les.ID, func(rec *coursebot.LearnerRecord, p *coursebot.Progress) error {
		touch(rec, who, les.ID, now)
		at = modeAt(modeReview, p.Quiz[q.ID].Tries)
		rec.Pending = &coursebot.PendingQuiz{Lesson: les.ID, Quiz: q.ID, At: at}
		return nil
	})
	if err != nil {
		return nil, err
	}
	r := e.quizReply(les, card, q, at, p)
	total := 0
	for _, d := range due {
		total += len(d.Quizzes)
	}
	r.Context = fmt.Sprintf("%s due for review", plural(total, "question"))
	return []bot.Reply{r}, nil
}

// nothingDue says that nothing is due and when the next review comes.
func (e *request) nothingDue(all []coursebot.Progress) string {
	var next time.Time
	lesson := ""
	for _, p := range all {
		les := e.course.Lessons[p.Lesson]
		if les == nil {
			continue
		}
		for _, q := range les.Quizzes() {
			if t := nextReview(p.Quiz[q.ID]); !t.IsZero() && (next.IsZero() || t.Before(next)) {
				next, lesson = t, p.Lesson
			}
		}
	}
	if next.IsZero() {
		return "Nothing to review: missed quiz questions come back here after 1, 3 and 7 days."
	}
	return fmt.Sprintf("Nothing to review right now. The next question (Lesson %s) is due %s.", dotted(lesson), next.Format("Mon 2 Jan 15:04 MST"))
}

// reviewFooter ends a review answer with a button to the next due
// question, or says the review is done.
func (e *request) reviewFooter(ctx context.Context, who coursebot.Learner, r *bot.Reply) error {
	all, err := e.store.LearnerProgress(ctx, who.Key())
	if err != nil {
		return err
	}
	due := DueReviews(e.course, all, e.now())
	if len(due) == 0 {
		r.Blocks = append(r.Blocks, bot.Block{Kind: bot.BlockMarkdown, Text: "That was the last question due. " + e.nothingDue(all)})
		return nil
	}
	r.Buttons = []bot.Button{{Label: "Next question", Action: bot.Action{Verb: VerbReview}.Encode(), Style: bot.StylePrimary}}
	return nil
}

func plural(n int, what string) string {
	if n == 1 {
		return "1 " + what
	}
	return fmt.Sprintf("%d %ss", n, what)
}
