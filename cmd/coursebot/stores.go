package main

import (
	"github.com/coursebot/coursebot/cohorts"
	"github.com/coursebot/coursebot/lessons"
	"github.com/coursebot/coursebot/scheduler"
	"github.com/coursebot/coursebot/store"
)

// Each consumer declares the few store methods it uses; one *store.DB
// serves them all. These lines fail the build when it stops satisfying one.
var (
	_ cohorts.CohortStore     = (*store.DB)(nil)
	_ cohorts.Roster          = (*store.DB)(nil)
	_ cohorts.Enrolment       = (*store.DB)(nil)
	_ cohorts.ProgressReader  = (*store.DB)(nil)
	_ cohorts.NudgeStore      = (*store.DB)(nil)
	_ cohorts.ScheduleStore   = (*store.DB)(nil)
	_ scheduler.ScheduleStore = (*store.DB)(nil)
	_ scheduler.RunStore      = (*store.DB)(nil)
	_ scheduler.DeliveryLog   = (*store.DB)(nil)
	_ scheduler.Audience      = (*store.DB)(nil)
	_ scheduler.NudgeStore    = (*store.DB)(nil)
	_ scheduler.ProgressStore = (*store.DB)(nil)
	_ lessons.Store           = (*store.DB)(nil)
)
