package capstone

import (
	"path"
	"strings"
	"time"

	"github.com/coursebot/coursebot"
	"github.com/coursebot/coursebot/course"
)

// Shows reports whether snapshot s shows rule r's item: one of its paths
// is in the tree (a "dir/" path as a directory), or, for a CI rule, the
// latest run passed.
func Shows(r course.RepoRule, s Snapshot) bool {
	if r.CI {
		return s.CI.Passed()
	}
	for _, p := range r.Paths {
		if hasPath(s.Paths, p) {
			return true
		}
	}
	return false
}

func hasPath(paths map[string]string, p string) bool {
	if strings.ContainsAny(p, "*?[") {
		whole := strings.Contains(strings.TrimSuffix(p, "/"), "/")
		dir := strings.HasSuffix(p, "/")
		pat := strings.TrimSuffix(p, "/")
		for q, kind := range paths {
			if dir && kind != "tree" {
				continue
			}
			name := q
			if !whole {
				name = path.Base(q)
			}
			if ok, _ := path.Match(pat, name); ok {
				return true
			}
		}
		return false
	}
	if d, ok := strings.CutSuffix(p, "/"); ok {
		return paths[d] == "tree"
	}
	_, ok := paths[p]
	return ok
}

// Outcome is what one check changed and found, for the report.
type Outcome struct {
	Repo Repo
	// Found and Missing are the rules whose items the repository shows
	// and does not, in course order.
	Found, Missing []course.RepoRule
	// Ticked are the items this check ticked; Unticked the items an
	// earlier check ticked that the repository no longer shows.
	Ticked, Unticked []course.RepoRule
	// Theirs are the missing items the learner ticked themselves: left
	// ticked.
	Theirs []course.RepoRule
	CI     *coursebot.CIRun
	Branch string
	// Others is how many checklist items of the lesson have no rule.
	Others int
}

// Apply records a check of repo (snapshot s, under rules) in p at now:
// each item the repository shows is ticked, unless the learner ticked it
// already (then the tick stays theirs); each item it does not show is
// unticked only if the bot ticked it and the learner has not pressed it
// since. Nothing else of p changes. Apply may run again on the same p
// (a store retries its function) and gives the same result.
func Apply(p *coursebot.Progress, repo Repo, rules []course.RepoRule, s Snapshot, now time.Time) Outcome {
	out := Outcome{Repo: repo, CI: s.CI, Branch: s.Branch}
	rc := p.Repo
	if rc == nil || rc.URL != repo.URL() {
		prev := rc
		rc = &coursebot.RepoCheck{URL: repo.URL(), Submitted: now}
		if prev != nil {
			rc.Ticked = prev.Ticked // the old repository's ticks are the bot's to take back
		}
	} else {
		c := *rc
		rc = &c
	}
	ticked := map[string]bool{}
	for id := range rc.Ticked {
		ticked[id] = true
	}
	if p.Checks == nil {
		p.Checks = map[string]bool{}
	}
	rc.Found, rc.Missing = nil, nil
	for _, r := range rules {
		if Shows(r, s) {
			out.Found = append(out.Found, r)
			rc.Found = append(rc.Found, r.Item)
			if !p.Checks[r.Item] {
				p.Checks[r.Item] = true
				ticked[r.Item] = true
				out.Ticked = append(out.Ticked, r)
			}
			continue
		}
		out.Missing = append(out.Missing, r)
		rc.Missing = append(rc.Missing, r.Item)
		switch {
		case ticked[r.Item]:
			delete(p.Checks, r.Item)
			delete(ticked, r.Item)
			out.Unticked = append(out.Unticked, r)
		case p.Checks[r.Item]:
			out.Theirs = append(out.Theirs, r)
		}
	}
	rc.Ticked = nil
	if len(ticked) > 0 {
		rc.Ticked = ticked
	}
	rc.Checked, rc.Branch, rc.CI = now, s.Branch, s.CI
	p.Repo = rc
	if len(out.Ticked) > 0 || len(out.Unticked) > 0 {
		p.Updated = now
	}
	return out
}
