package lessons

import "github.com/coursebot/coursebot"

// StuckCommand is the command a learner types on a capstone card to ask
// the AI tutor for a hint (package tutor answers it). It is registered with
// the platforms whenever the course has a capstone, so turning the tutor on
// needs no new app manifest; without the tutor the engine says what to do
// instead.
const StuckCommand = "stuck"

// StuckDescription describes StuckCommand for command lists.
const StuckDescription = "Stuck on the capstone exercise? Ask the tutor for a hint"

// stuckWithoutTutor answers StuckCommand when no tutor is in front of the
// engine.
func (e *request) stuckWithoutTutor() error {
	return refuse(coursebot.EUNAVAILABLE, "/%s asks the AI tutor for a hint on the capstone exercise, and the tutor is not switched on here. Search the course with /%s and your question, or ask your cohort's lead.",
		StuckCommand, e.helpName())
}
