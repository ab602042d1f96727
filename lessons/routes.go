package lessons

import (
	"github.com/coursebot/coursebot/bot"
	"github.com/coursebot/coursebot/course"
)

// What the engine answers, for the routing table (cmd/coursebot/routes.go).

// Commands are the engine's commands for course c: each lesson's
// /start-X-Y, the course's status and help commands, /review when it has
// quizzes and /stuck when it has a capstone (without the tutor the engine
// says what to do instead). They change when the course is reloaded.
func Commands(c *course.Course) []bot.Command {
	installed := map[string]bool{}
	for _, e := range c.Catalogue {
		installed[e.Command] = e.Installed
	}
	var out []bot.Command
	for _, ci := range c.Commands() {
		cmd := bot.Command{Name: ci.Name, Description: ci.Description, Usage: ci.Usage, UsageHelp: ci.UsageHelp}
		if id, ok := course.LessonOfCommand(ci.Name); ok && ci.Role == course.RoleLesson {
			cmd.Lesson, cmd.Installed = id, installed[ci.Name]
		}
		out = append(out, cmd)
	}
	if c.HasQuizzes() {
		out = append(out, bot.Command{Name: ReviewCommand, Description: ReviewDescription})
	}
	if c.HasCapstone() {
		out = append(out, bot.Command{Name: StuckCommand, Description: StuckDescription})
	}
	return out
}

// Forget is /forget-me: a learner's data deleted, after a question.
var Forget = bot.Command{Name: ForgetCommand, Description: ForgetDescription}

// Verbs are the actions of the engine's buttons: moving through a lesson,
// ticks and ratings, quizzes, the plan's backgrounds, steps, status,
// review and /forget-me's answer. A press of any other verb the table
// does not hold comes to the engine too, which says the button is stale.
var Verbs = []string{
	bot.VerbOpen, bot.VerbNext, bot.VerbBack, bot.VerbSkip, bot.VerbResume, bot.VerbRestart,
	bot.VerbCheck, bot.VerbRate, verbQuiz, verbRetry, verbBackground, verbSteps, verbGoto, verbStatus,
	VerbReview, verbForget,
}
