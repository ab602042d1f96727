// Package coursebot holds the domain types every other package shares:
// who a learner is (learner.go: Learner and its Key) and where their lesson
// lives on a platform (thread.go), cohorts and their members (cohort.go),
// schedules, runs and deliveries (schedule.go), a learner's progress and
// quiz records (progress.go), the AI tutor's record of a learner (tutor.go),
// a capstone repository's check (repo.go) and the domain's errors
// (errors.go: Error, a refusal's code and the learner's message; ErrFault for
// a fault on our side; ErrNotFound, ErrExists).
//
// It imports nothing but the standard library. The layers stand on it in
// this order: store/ and delivery/ (and course/), then the features
// (lessons/, cohorts/, tutor/, scheduler/, ...), then the chat adapters
// (bot/...), then cmd/, which wires them; layers_test.go keeps the lower
// layers free of chat packages. store/ persists these types in bbolt, and
// each consumer declares the few store methods it uses.
package coursebot
