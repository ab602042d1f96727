package coursebot

import "time"

// TutorRecord is what the optional AI tutor keeps about one learner: how
// many tutor replies they used today, and their exchanges with the tutor,
// kept like their answers (exported, forgotten, never logged; leads see
// the exchanges about answers only where they see the answers).
type TutorRecord struct {
	// Day is the budget's day ("2026-12-01", UTC); Used the tutor replies
	// asked for on it; Told whether the learner was told that the day's
	// budget is spent.
	Day  string `json:"day,omitempty"`
	Used int    `json:"used,omitempty"`
	Told bool   `json:"told,omitempty"`
	// Exchanges are the conversations, oldest first.
	Exchanges []TutorExchange `json:"exchanges,omitempty"`
}

// Kinds of a TutorExchange.
const (
	TutorAnswer = "answer" // about the learner's answer to a question
	TutorStuck  = "stuck"  // a capstone card the learner is stuck on
	TutorHelp   = "help"   // a /help question
)

// TutorExchange is one conversation with the tutor: about one question
// (Kind TutorAnswer), a capstone card the learner is stuck on (TutorStuck),
// or a /help question (TutorHelp).
type TutorExchange struct {
	Kind     string      `json:"kind"`
	Lesson   string      `json:"lesson,omitempty"`
	Card     string      `json:"card,omitempty"`
	Question string      `json:"question,omitempty"` // question id
	Turns    []TutorTurn `json:"turns"`
}

// Roles of a TutorTurn.
const (
	RoleLearner = "learner"
	RoleTutor   = "tutor"
)

// TutorTurn is one message of an exchange.
type TutorTurn struct {
	Role string    `json:"role"` // RoleLearner or RoleTutor
	Text string    `json:"text"`
	At   time.Time `json:"at"`
	// Fallback names why the tutor's turn is the course's fixed text
	// instead of the model's ("timeout", "budget"); "" for the model's.
	Fallback string `json:"fallback,omitempty"`
	// Key is the idempotency key of the inbox item that carried the
	// learner's message (on their turn and on the tutor's reply to it):
	// an item done again after a crash finds its turn, and its reply,
	// instead of asking the model and spending the budget again. "" when
	// the message came through no inbox (the console).
	Key string `json:"key,omitempty"`
}

// AnswerExchange returns the learner's latest exchange about their
// answer to question in lesson, or nil.
func (r TutorRecord) AnswerExchange(lesson, question string) *TutorExchange {
	for i := len(r.Exchanges) - 1; i >= 0; i-- {
		if e := &r.Exchanges[i]; e.Kind == TutorAnswer && e.Lesson == lesson && e.Question == question {
			return e
		}
	}
	return nil
}
