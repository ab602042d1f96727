package coursebot

import "time"

// Thread is where a learner's lesson lives on a platform: the channel and
// thread an adapter opened, and the message holding the current card's
// buttons. Adapters keep it in the store so replies in the thread map back
// to the learner and lesson, also after a restart.
//
// On Discord, Channel and ThreadID are both the thread's own channel id
// (where cards are posted; a MESSAGE_CREATE names no parent channel), and
// LastMessage lists, comma-separated, the ids of the messages of the
// latest card that carry buttons.
type Thread struct {
	Platform    string    `json:"platform"`
	Learner     string    `json:"learner"` // Learner.Key()
	Lesson      string    `json:"lesson"`
	Channel     string    `json:"channel"`
	ThreadID    string    `json:"thread_id"`
	LastMessage string    `json:"last_message,omitempty"`
	Updated     time.Time `json:"updated,omitzero"`
}
