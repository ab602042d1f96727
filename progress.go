package coursebot

import "time"

// Progress is one learner's state in one lesson. Questions, checklist items
// and rating items are keyed by stable ids derived from the lesson and their
// own text, and the position by the card key, so a course edit that inserts a
// paragraph shifts nobody's answers.
type Progress struct {
	Lesson string `json:"lesson"`
	// Card is the key of the card the learner is on; "" = not started.
	Card string `json:"card,omitempty"`
	// CardIndex is where Card stood when last written: if a course update
	// removes the card, the learner resumes at this index.
	CardIndex int               `json:"card_index,omitempty"`
	Started   time.Time         `json:"started,omitzero"`
	Updated   time.Time         `json:"updated,omitzero"`
	Completed time.Time         `json:"completed,omitzero"`
	Answers   map[string]Answer `json:"answers,omitempty"`
	// Replaced are answers a link's merge replaced: where two linked
	// accounts both answered a question, the later answer is in Answers
	// and the other is kept here (exported, never shown as the answer).
	Replaced map[string][]Answer `json:"replaced,omitempty"`
	Skipped  map[string]bool     `json:"skipped,omitempty"`
	Checks   map[string]bool     `json:"checks,omitempty"`
	Ratings  map[string]int      `json:"ratings,omitempty"`
	// Quiz holds the learner's graded answers by quiz id (lessons/quizplay.go);
	// Picks the options ticked so far on a choose-all-that-apply quiz.
	Quiz  map[string]QuizResult `json:"quiz,omitempty"`
	Picks map[string]string     `json:"picks,omitempty"`
	// Background is the background the learner chose after the
	// self-assessment ("Data Science"), for their plan (lessons/plan.go).
	Background string `json:"background,omitempty"`
	// Reached is when the learner first reached each card, by card key:
	// the cohort figures' funnel and time per step (package insight).
	// Recorded since it was added; older records have none.
	Reached map[string]time.Time `json:"reached,omitempty"`
	// Repo is the capstone repository the learner submitted in this
	// lesson and the bot's last check of it (repo.go); nil when none.
	Repo *RepoCheck `json:"repo,omitempty"`
}

// Reach records that the learner is on card at t, unless they reached
// it before: Reached keeps the first time.
func (p *Progress) Reach(card string, t time.Time) {
	if card == "" {
		return
	}
	if _, ok := p.Reached[card]; ok {
		return
	}
	if p.Reached == nil {
		p.Reached = map[string]time.Time{}
	}
	p.Reached[card] = t
}

// Answer is a learner's free-text answer to a question.
type Answer struct {
	Text      string    `json:"text"`
	At        time.Time `json:"at"`
	Truncated bool      `json:"truncated,omitempty"`
}

// State of a lesson for one learner.
func (p Progress) State() LessonState {
	switch {
	case !p.Completed.IsZero():
		return StateCompleted
	case p.Card != "":
		return StateInProgress
	default:
		return StateNotStarted
	}
}

// LessonState is not started, in progress or completed.
type LessonState int

const (
	StateNotStarted LessonState = iota
	StateInProgress
	StateCompleted
)

func (s LessonState) String() string {
	switch s {
	case StateInProgress:
		return "in progress"
	case StateCompleted:
		return "completed"
	default:
		return "not started"
	}
}

// LearnerRecord is what the bot keeps about a learner apart from lessons.
type LearnerRecord struct {
	Key      string    `json:"key"`            // Learner.Key()
	Name     string    `json:"name,omitempty"` // last display name seen
	Active   string    `json:"active,omitempty"`
	LastSeen time.Time `json:"last_seen,omitzero"`
	// Via is the identity ("slack:U123") the learner last came through:
	// direct messages to a person with linked accounts go there.
	Via string `json:"via,omitempty"`
	// Pending is a quiz shown outside its lesson card (a retry or a
	// review) whose typed answer the learner's next text is.
	Pending *PendingQuiz `json:"pending_quiz,omitempty"`
}

// QuizResult is a learner's record of one quiz. The first attempt is the
// score; later attempts (Retry missed, /review) are kept apart from it.
type QuizResult struct {
	First   string    `json:"first,omitempty"` // the first answer: letters or text
	Correct bool      `json:"correct,omitempty"`
	At      time.Time `json:"at,omitzero"`
	Skipped bool      `json:"skipped,omitempty"` // passed over before any attempt
	// Tries counts graded attempts; a control shown for attempt N works
	// only while Tries is still N, so a second press changes nothing.
	Tries       int       `json:"tries,omitempty"`
	Last        string    `json:"last,omitempty"`
	LastCorrect bool      `json:"last_correct,omitempty"`
	LastAt      time.Time `json:"last_at,omitzero"`
	// Spaced review (lessons/review.go): Anchor is when the question was missed
	// (zero: nothing to review), Rounds the review stages passed since,
	// Notified the stages announced by DM.
	Anchor   time.Time `json:"anchor,omitzero"`
	Rounds   int       `json:"rounds,omitempty"`
	Notified int       `json:"notified,omitempty"`
	// Reviews are the answers given in spaced review, oldest first (at
	// most MaxReviews): the figures' review retention. Recorded since it
	// was added; older records have none.
	Reviews []ReviewAnswer `json:"reviews,omitempty"`
}

// MaxReviews bounds QuizResult.Reviews; the oldest go first.
const MaxReviews = 12

// ReviewAnswer is one answer in spaced review. Stage is the latest review
// stage come by when it was given: 1 for the first day's, 2 the third
// day's, 3 the seventh day's (lessons.ReviewStages).
type ReviewAnswer struct {
	Stage int       `json:"stage"`
	Right bool      `json:"right,omitempty"`
	At    time.Time `json:"at"`
}

// PendingQuiz is a quiz waiting for a typed answer outside its card.
type PendingQuiz struct {
	Lesson string `json:"lesson"`
	Quiz   string `json:"quiz"`
	At     string `json:"at"`
}
