package coursebot

import "time"

// RepoCheck is a learner's capstone repository and the bot's last check of
// it (package capstone): which of the lesson's checklist items with a
// repository rule the repository showed, and its latest CI run. A check
// that fails (a private repository, a rate limit) changes none of it.
type RepoCheck struct {
	// URL is the repository's address as the bot reads it
	// ("https://github.com/alice/spam-classifier").
	URL string `json:"url"`
	// Submitted is when the learner gave this URL; Checked when the bot
	// last read the repository.
	Submitted time.Time `json:"submitted"`
	Checked   time.Time `json:"checked"`
	Branch    string    `json:"branch,omitempty"` // the default branch read
	// Found and Missing are the ids of the items with a rule that the
	// repository showed, and did not, at the last check (course order).
	Found   []string `json:"found,omitempty"`
	Missing []string `json:"missing,omitempty"`
	// Ticked are the items the bot ticked and the learner has not pressed
	// since: a later check may untick them. A tick the learner made, or
	// an item they pressed after the bot ticked it, is theirs and the bot
	// never changes it.
	Ticked map[string]bool `json:"ticked,omitempty"`
	// CI is the latest workflow run on Branch; nil when it has none.
	CI *CIRun `json:"ci,omitempty"`
}

// CIRun is a repository's latest CI (GitHub Actions) run.
type CIRun struct {
	Name       string    `json:"name,omitempty"`       // the workflow's name
	Event      string    `json:"event,omitempty"`      // "push", "pull_request", ...
	Status     string    `json:"status,omitempty"`     // "completed", "in_progress", "queued", ...
	Conclusion string    `json:"conclusion,omitempty"` // "success", "failure", ... when completed
	At         time.Time `json:"at,omitzero"`          // when it last changed
	URL        string    `json:"url,omitempty"`        // the run's page
}

// Passed reports whether the run finished successfully.
func (r *CIRun) Passed() bool {
	return r != nil && r.Status == "completed" && r.Conclusion == "success"
}

// ClaimTick records that the learner pressed item: from now on its tick
// (or its absence) is theirs, and a later check leaves it alone.
func (p *Progress) ClaimTick(item string) {
	if p.Repo != nil {
		delete(p.Repo.Ticked, item)
	}
}
