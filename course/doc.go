// Package course is the course model and its loader: the author's Markdown
// (a tutor script per lesson and its reading module, and the optional
// coursebot.yaml manifest) read as written into a Course of Lessons, each a
// sequence of Cards a learner reads one at a time.
//
// LoadDir, LoadFS and LoadBuiltin read a course (load.go); parseScript and
// parseModule read the two files of a lesson (script.go, module.go, over
// the Markdown blocks of markdown.go); assemble joins them into cards
// (assemble.go), attaching each module section to a script step
// (attach.go); fitScreens splits long cards and merges tiny ones
// (screen.go). Along the way the loader reads graded quizzes (quiz.go),
// key points under a question (keypoints.go), whom a script line speaks to
// (voice.go), the catalogue from the Commands Reference (catalogue.go) and
// the backgrounds behind the personal plan (backgrounds.go). Every problem
// is reported at once with its file and line (CourseError); Warnings and
// WriteOutline are what `coursebot lessons check` and `outline` print.
//
// The package knows nothing of learners or chat: it imports no chat
// package and no learner state. The engine (package lessons) delivers the
// cards; the search index (package search) and the AI tutor (package
// tutor) read the text through Passages and TutorStepOf.
package course
