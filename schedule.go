package coursebot

import "time"

// Schedule kinds.
const (
	KindReminder = "reminder" // a lead's reminder to a cohort
	KindNudge    = "nudge"    // the course's nudge check
	KindReview   = "review"   // the spaced-review check (missed quiz questions)
)

// Schedule is a persisted recurring job.
type Schedule struct {
	ID       string `json:"id"`
	Kind     string `json:"kind"`
	Cohort   string `json:"cohort,omitempty"`
	Spec     string `json:"spec"`            // cron spec, without CRON_TZ
	Human    string `json:"human,omitempty"` // what the lead typed
	Timezone string `json:"timezone"`        // IANA zone the spec is read in
	Text     string `json:"text,omitempty"`
	Digest   bool   `json:"digest,omitempty"`
	// Lesson is the lesson a nudge schedule is about.
	Lesson    string    `json:"lesson,omitempty"`
	CreatedBy string    `json:"created_by,omitempty"`
	Created   time.Time `json:"created"`
	// Last is the latest fire time claimed (run or skipped); zero = none yet.
	Last time.Time `json:"last,omitzero"`
}

// Run is one firing of a schedule.
type Run struct {
	Schedule   string    `json:"schedule"`
	At         time.Time `json:"at"` // the scheduled time
	Claimed    time.Time `json:"claimed"`
	CatchUp    bool      `json:"catch_up,omitempty"`
	Recipients []string  `json:"recipients"` // learner keys or "channel:platform:id"
	Done       bool      `json:"done,omitempty"`
	Finished   time.Time `json:"finished,omitzero"`
}

// Key identifies the run: its schedule and fire time (the store keys
// the runs bucket by it).
func (r Run) Key() string {
	return r.Schedule + "\x00" + r.At.UTC().Format(time.RFC3339)
}

// Delivery statuses.
const (
	DeliverySent    = "sent"
	DeliveryFailed  = "failed"  // permanently: reported to the lead
	DeliverySkipped = "skipped" // no longer eligible when its turn came
)

// Delivery is the outcome for one recipient of a run.
type Delivery struct {
	Recipient string    `json:"recipient"`
	Status    string    `json:"status"`
	Err       string    `json:"err,omitempty"`
	Attempts  int       `json:"attempts,omitempty"`
	At        time.Time `json:"at"`
}
