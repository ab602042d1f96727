package coursebot

import "time"

// Cohort is a group of learners with leads and, optionally, a channel.
type Cohort struct {
	Name string `json:"name"`
	// Code is what learners type to join (/cohort join CODE).
	Code string `json:"code"`
	// Channel is "platform:channel-id" where reminders are posted; "" =
	// reminders go to each member by DM.
	Channel   string    `json:"channel,omitempty"`
	Timezone  string    `json:"timezone"`
	Leads     []string  `json:"leads,omitempty"` // learner keys
	Created   time.Time `json:"created"`
	CreatedBy string    `json:"created_by"`
}

// IsLead reports whether learner (a key) leads the cohort.
func (c Cohort) IsLead(learner string) bool {
	for _, l := range c.Leads {
		if l == learner {
			return true
		}
	}
	return false
}

// Member is one learner's membership of a cohort, or an invitation to
// one. A lead adding someone creates an invitation (Pending); only the
// learner's own accept (or their joining with the code) makes them a
// member. Members and LearnerCohorts return accepted members only, so
// nothing built on them (progress, CSV, answers, digests, reminders,
// delivery reports) ever shows a learner who has not agreed.
type Member struct {
	Cohort  string    `json:"cohort"`
	Learner string    `json:"learner"`
	Joined  time.Time `json:"joined,omitzero"`    // when they joined or accepted
	AddedBy string    `json:"added_by,omitempty"` // "" = joined with the code
	// Pending is an invitation the learner has not accepted yet; Invited
	// is when it was made.
	Pending bool      `json:"pending,omitempty"`
	Invited time.Time `json:"invited,omitzero"`
	// Answers is whether the learner was told, when they joined or
	// accepted, that this course shares free-text answers with leads:
	// leads read a member's answers only when it is true.
	Answers bool `json:"answers,omitempty"`
	// Figures is whether the learner was told, when they joined or were
	// invited, that their quiz choices, "I'm stuck" presses, checklist
	// ticks, self-assessment ratings and time per step count in the
	// cohort's figures (/cohort insights, the leads' weekly summary):
	// only then do they count there beyond their progress.
	Figures bool `json:"figures,omitempty"`
}

// NudgeState is what the scheduler keeps about nudging one learner.
type NudgeState struct {
	Learner     string               `json:"learner"`
	OptOut      bool                 `json:"opt_out,omitempty"`
	SnoozeUntil time.Time            `json:"snooze_until,omitzero"`
	Sent        map[string]int       `json:"sent,omitempty"` // lesson -> nudges sent
	Last        map[string]time.Time `json:"last,omitempty"` // lesson -> last nudge
}
