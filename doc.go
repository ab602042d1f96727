// Package coursebot holds the domain types every other package shares:
// cohorts and their members (cohort.go), schedules, runs and deliveries
// (schedule.go), a learner's progress and quiz records (progress.go), the
// AI tutor's record of a learner (tutor.go) and the domain's errors
// (errors.go). It imports nothing but the standard library; store/ persists
// these types in bbolt, and each consumer (lessons/, cohorts/, scheduler/,
// tutor/) declares the few store methods it uses.
package coursebot
