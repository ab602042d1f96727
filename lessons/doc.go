// Package lessons is the lesson engine: it turns a learner's command,
// button press or typed answer (a bot.Message) into replies (bot.Reply
// cards), and writes the learner's state to the Store before it replies.
// It never knows which platform it talks to, and reads the course (package
// course) without changing it.
//
// engine.go routes a message (Handle: command, action, answer) and moves a
// learner through the cards; render.go draws a card with the learner's
// ticks, ratings and answer; wayon.go offers the way on from every state;
// quizplay.go grades quizzes, review.go schedules spaced review (/review),
// plan.go the personal plan after the self-assessment, steps.go jumps to a
// step, status.go is the progress overview, help.go the course search
// (/help-mlops) and getting started, forget.go /forget-me. Summarize
// (summary.go) counts what a learner has done in a lesson for leads'
// tables and nudges.
package lessons
