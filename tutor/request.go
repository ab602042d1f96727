package tutor

import (
	"github.com/coursebot/coursebot"
	"github.com/coursebot/coursebot/course"
	"github.com/coursebot/coursebot/search"
)

// HelpPassages is how many cards of the course a /help answer is grounded in.
const HelpPassages = 4

// StuckMessage is the learner's turn when they press "I'm stuck".
const StuckMessage = "I'm stuck on this part of the capstone."

// The requests the tutor sends for a learner's first message, built as the
// handler builds them: `coursebot tutor eval` measures a model on exactly
// what learners' messages would send it.

// AnswerRequest is the request for a learner's answer to ts's question.
func AnswerRequest(ts course.TutorStep, answer string) []Message {
	return conversation(systemPrompt(kindAnswer, ts, answer), []coursebot.TutorTurn{{Role: roleLearner, Text: answer}})
}

// StuckRequest is the request when the learner presses "I'm stuck" on
// ts's card; text, when not "", is what they say with it (sent in the
// same message: the eval has no earlier reply of the tutor to put between).
func StuckRequest(ts course.TutorStep, text string) []Message {
	msg := StuckMessage
	if text != "" {
		msg += "\n\n" + text
	}
	return conversation(systemPrompt(kindStuck, ts, ""), []coursebot.TutorTurn{{Role: roleLearner, Text: msg}})
}

// HelpRequest is the request for a /help question the course's search
// found passages for (found is not empty).
func HelpRequest(c *course.Course, question string, found []search.Result) []Message {
	return conversation(helpSystem(c, found), []coursebot.TutorTurn{{Role: roleLearner, Text: question}})
}

// helpSystem is the system prompt of a /help answer from found.
func helpSystem(c *course.Course, found []search.Result) string {
	title := "the course"
	if les, ok := c.Lessons[found[0].Lesson]; ok {
		title = les.Title
	}
	return helpPrompt(title, found)
}
