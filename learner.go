package coursebot

import "strings"

// Learner identifies one person on one platform. Learners are keyed by
// platform and user id; Key is the store's key, so linking one person's Slack
// and Discord identities later only needs a table from Key to a person id.
type Learner struct {
	Platform string // "console", "slack", "discord"
	UserID   string // the platform's user id ("U123", "456…", "alice")
	Name     string // display name when the platform gives one; never a key
}

// Key is the stable identity of a learner: "platform:user-id".
func (l Learner) Key() string { return l.Platform + ":" + l.UserID }

// ParseLearnerKey splits "platform:user-id" as written in config (admins).
func ParseLearnerKey(s string) (Learner, bool) {
	p, id, ok := strings.Cut(s, ":")
	if !ok || p == "" || id == "" {
		return Learner{}, false
	}
	return Learner{Platform: p, UserID: id}, true
}
