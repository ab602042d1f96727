package capstone_test

import (
	"slices"
	"sort"
	"testing"

	"github.com/coursebot/coursebot"
	"github.com/coursebot/coursebot/capstone"
	"github.com/coursebot/coursebot/course"
)

func TestShows(t *testing.T) {
	t.Parallel()
	s := capstone.Snapshot{Paths: map[string]string{
		"src": "tree", "src/train.py": "blob", "data": "tree", "data/raw.csv.dvc": "blob", "Dockerfile": "blob", "docs": "blob",
	}}
	tests := []struct {
		paths []string
		want  bool
	}{
		{[]string{"src/train.py"}, true},
		{[]string{"src/"}, true},
		{[]string{"src"}, true}, // whatever is at the path
		{[]string{"Dockerfile/"}, false},
		{[]string{"docs/"}, false}, // a file, not a directory
		{[]string{"*.dvc"}, true},  // any depth
		{[]string{"data/*.dvc"}, true},
		{[]string{"*/*.py"}, true},
		{[]string{"*.py"}, true},
		{[]string{"*.yaml"}, false},
		{[]string{"d*/"}, true},
		{[]string{"dockerfile"}, false}, // git paths are case-sensitive
		{[]string{"nope", "Dockerfile"}, true},
	}
	for _, tt := range tests {
		if got := capstone.Shows(course.RepoRule{Paths: tt.paths}, s); got != tt.want {
			t.Errorf("Shows(%q) = %v, want %v", tt.paths, got, tt.want)
		}
	}
	ci := course.RepoRule{CI: true}
	for _, tt := range []struct {
		run  *coursebot.CIRun
		want bool
	}{
		{nil, false},
		{&coursebot.CIRun{Status: "completed", Conclusion: "success"}, true},
		{&coursebot.CIRun{Status: "completed", Conclusion: "failure"}, false},
		{&coursebot.CIRun{Status: "in_progress"}, false},
	} {
		if got := capstone.Shows(ci, capstone.Snapshot{CI: tt.run}); got != tt.want {
			t.Errorf("CI rule with %+v = %v", tt.run, got)
		}
	}
}

// The tick rules, item by item: what the learner had and whose it was,
// what the repository shows, and what the check leaves.
func TestApplyTickRules(t *testing.T) {
	t.Parallel()
	rules := []course.RepoRule{{Item: "a", Paths: []string{"a"}}, {Item: "b", Paths: []string{"b"}}, {Item: "c", Paths: []string{"c"}}, {Item: "d", Paths: []string{"d"}}}
	repo := capstone.Repo{Host: "github.com", Owner: "o", Name: "r"}
	tests := []struct {
		name        string
		checks      []string // ticked before
		bots        []string // of those, the bot's
		shown       []string // paths in the repository
		wantChecks  []string
		wantBots    []string
		ticked      int
		unticked    int
		theirsCount int
	}{
		{"nothing before, two shown", nil, nil, []string{"a", "b"}, []string{"a", "b"}, []string{"a", "b"}, 2, 0, 0},
		{"the learner's tick of a shown item stays theirs", []string{"a"}, nil, []string{"a"}, []string{"a"}, nil, 0, 0, 0},
		{"the learner's tick of a missing item stays", []string{"c"}, nil, nil, []string{"c"}, nil, 0, 0, 1},
		{"the bot's tick of a missing item goes", []string{"a", "b"}, []string{"a", "b"}, []string{"b"}, []string{"b"}, []string{"b"}, 0, 1, 0},
		{"the bot's tick of a shown item stays the bot's", []string{"a"}, []string{"a"}, []string{"a", "d"}, []string{"a", "d"}, []string{"a", "d"}, 1, 0, 0},
		{"a bot's tick the learner took off stays off, and comes back when shown", []string{}, nil, []string{"a"}, []string{"a"}, []string{"a"}, 1, 0, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := &coursebot.Progress{Checks: map[string]bool{}}
			for _, c := range tt.checks {
				p.Checks[c] = true
			}
			if tt.bots != nil {
				p.Repo = &coursebot.RepoCheck{URL: repo.URL(), Ticked: map[string]bool{}}
				for _, b := range tt.bots {
					p.Repo.Ticked[b] = true
				}
			}
			s := capstone.Snapshot{Branch: "main", Paths: map[string]string{}}
			for _, x := range tt.shown {
				s.Paths[x] = "blob"
			}
			out := capstone.Apply(p, repo, rules, s, t0)
			if got := keys(p.Checks); !slices.Equal(got, tt.wantChecks) {
				t.Errorf("checks %v, want %v", got, tt.wantChecks)
			}
			if got := keys(p.Repo.Ticked); !slices.Equal(got, tt.wantBots) {
				t.Errorf("the bot's ticks %v, want %v", got, tt.wantBots)
			}
			if len(out.Ticked) != tt.ticked || len(out.Unticked) != tt.unticked || len(out.Theirs) != tt.theirsCount {
				t.Errorf("ticked %d unticked %d theirs %d, want %d %d %d", len(out.Ticked), len(out.Unticked), len(out.Theirs), tt.ticked, tt.unticked, tt.theirsCount)
			}
			// Applying the same check again changes nothing more.
			again := capstone.Apply(p, repo, rules, s, t0)
			if len(again.Ticked)+len(again.Unticked) != 0 {
				t.Errorf("a second Apply changed %d items", len(again.Ticked)+len(again.Unticked))
			}
		})
	}
}

func keys(m map[string]bool) []string {
	out := []string{}
	for k, v := range m {
		if v {
			out = append(out, k)
		}
	}
	sort.Strings(out)
	if len(out) == 0 {
		return nil
	}
	return out
}
