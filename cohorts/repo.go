package cohorts

import (
	"fmt"
	"strings"
	"time"

	"github.com/coursebot/coursebot"
)

// The capstone check's result in the progress table and CSV (package
// capstone keeps it in the learner's progress): the repository a member
// submitted, how many of the items with rules it showed at the last
// check, and its latest CI run. Leads see it where they see progress, so
// with the same consent (docs/cohorts.md).

// repoHead names the CSV's repository columns, when the course has
// something to check: the repository's address, when it was last
// checked, the items it showed of those with rules, and its last CI run
// ("passed", "failed", "in progress", "" when none).
func (t Table) repoHead() []string {
	if !t.Repository {
		return nil
	}
	return []string{"repository", "repository_checked", "repository_found", "repository_checked_items", "repository_ci"}
}

func (t Table) repoCells(r Row) []string {
	if !t.Repository {
		return nil
	}
	rc := r.Repo
	if rc == nil {
		return []string{"", "", "", "", ""}
	}
	return []string{rc.URL, rc.Checked.UTC().Format(time.RFC3339), fmt.Sprint(len(rc.Found)), fmt.Sprint(len(rc.Found) + len(rc.Missing)), ciWord(rc.CI)}
}

// repoText is the table's cell: "alice/svc 6/7 CI passed", "-" when
// nothing was submitted.
func repoText(rc *coursebot.RepoCheck) string {
	if rc == nil {
		return "-"
	}
	name := strings.TrimPrefix(strings.TrimPrefix(rc.URL, "https://"), "github.com/")
	out := fmt.Sprintf("%s %d/%d", name, len(rc.Found), len(rc.Found)+len(rc.Missing))
	if w := ciWord(rc.CI); w != "" {
		out += " CI " + w
	} else {
		out += " no CI"
	}
	return out
}

func ciWord(run *coursebot.CIRun) string {
	switch {
	case run == nil:
		return ""
	case run.Passed():
		return "passed"
	case run.Status == "completed" && run.Conclusion == "failure":
		return "failed"
	case run.Status == "completed" && run.Conclusion != "":
		return strings.ReplaceAll(run.Conclusion, "_", " ")
	}
	return strings.ReplaceAll(run.Status, "_", " ")
}
