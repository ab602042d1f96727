// The capstone check's rules: which checklist items a learner's repository
// shows (package capstone reads the repository and applies them). They come
// from the manifest, never from code:
//
//	lessons:
//	  "4-4":
//	    repository:
//	      "project/src/data.py": [src/data.py, project/src/data.py]
//	      "CI pipeline runs on push": {ci: passed}
//
// See docs/course-format.md "The capstone check".

package course

import (
	"cmp"
	"fmt"
	"path"
	"slices"
	"strings"

	"gopkg.in/yaml.v3"
)

// RepoRule says how the capstone check finds one checklist item in a
// learner's repository: the item is ticked when any of Paths is in the
// default branch's tree, or, for a CI rule, when the latest workflow run
// on the default branch passed.
type RepoRule struct {
	Item string // the checklist item's id
	Text string // the item's text, as the learner reads it
	// Paths are repository paths, any one of which shows the item: "a/b.py"
	// a file (or anything) at that path, "a/" a directory, and a pattern
	// with * ? or [ ] matched by path.Match: against the whole path when it
	// holds a "/", else against each entry's last element at any depth
	// ("*.dvc").
	Paths []string
	// CI is true for a rule that the latest workflow run shows ({ci: passed}).
	CI   bool
	Line int // where the rule is in the manifest
}

// Describe is the rule's test as the learner reads it: "src/data.py or
// project/src/data.py", "the latest CI run passed".
func (r RepoRule) Describe() string {
	if r.CI {
		return "the latest CI run on the default branch passed"
	}
	return strings.Join(r.Paths, " or ")
}

// repoEntry is one manifest line of "repository" before it is matched to
// the lesson's checklist items.
type repoEntry struct {
	text  string
	paths []string
	ci    bool
	line  int
}

// repoEntries reads a lesson's "repository" mapping: item text: path, a
// list of paths, or {ci: passed}. Problems are reported at their lines.
func repoEntries(r manifestReader, n *yaml.Node) []repoEntry {
	var out []repoEntry
	r.each(n, "repository", nil, func(k, v *yaml.Node) {
		e := repoEntry{text: k.Value, line: k.Line}
		where := fmt.Sprintf("repository %q", k.Value)
		switch v.Kind {
		case yaml.ScalarNode:
			e.paths = []string{v.Value}
		case yaml.SequenceNode:
			for _, p := range v.Content {
				if p.Kind != yaml.ScalarNode {
					r.l.problem(ManifestFile, p.Line, "%s: a path is a string (\"src/train.py\", \"tests/\", \"*.dvc\")", where)
					return
				}
				e.paths = append(e.paths, p.Value)
			}
			if len(e.paths) == 0 {
				r.l.problem(ManifestFile, v.Line, "%s: no paths", where)
				return
			}
		case yaml.MappingNode:
			ok := true
			r.each(v, where, []string{"ci"}, func(_, cv *yaml.Node) {
				if cv.Kind != yaml.ScalarNode || cv.Value != "passed" {
					r.l.problem(ManifestFile, cv.Line, "%s: ci: want passed (the latest workflow run on the default branch passed)", where)
					ok = false
				}
				e.ci = true
			})
			if !ok || !e.ci {
				if ok {
					r.l.problem(ManifestFile, v.Line, "%s: want a path, a list of paths or {ci: passed}", where)
				}
				return
			}
		default:
			r.l.problem(ManifestFile, v.Line, "%s: want a path, a list of paths or {ci: passed}", where)
			return
		}
		for _, p := range e.paths {
			if msg := badRepoPath(p); msg != "" {
				r.l.problem(ManifestFile, v.Line, "%s: path %q %s", where, p, msg)
				return
			}
		}
		out = append(out, e)
	})
	return out
}

// badRepoPath says what is wrong with a rule's path, "" if nothing.
func badRepoPath(p string) string {
	switch {
	case strings.TrimSpace(p) == "" || p == "/":
		return "is empty"
	case strings.HasPrefix(p, "/") || strings.Contains(p, `\`):
		return "must be relative to the repository's top, with / between names"
	}
	for _, part := range strings.Split(strings.TrimSuffix(p, "/"), "/") {
		if part == "" || part == "." || part == ".." {
			return "has an empty, . or .. element"
		}
	}
	if _, err := path.Match(p, ""); err != nil {
		return "is not a valid pattern"
	}
	return ""
}

// repoRules matches the manifest's entries to the lesson's checklist items
// by their text (case and spacing aside), in course order; an entry that
// names no item, or several, is a problem at its line.
func repoRules(les *Lesson, entries []repoEntry, l *loader) []RepoRule {
	if len(entries) == 0 {
		return nil
	}
	type found struct {
		item  ItemDef
		index int
	}
	items := map[string][]found{}
	n := 0
	for _, c := range les.Cards {
		for _, b := range c.Blocks {
			if b.Kind != Checklist {
				continue
			}
			for _, it := range b.Items {
				k := itemKey(it.Text)
				items[k] = append(items[k], found{it, n})
				n++
			}
		}
	}
	order := map[string]int{}
	var rules []RepoRule
	for _, e := range entries {
		fs := items[itemKey(e.text)]
		switch len(fs) {
		case 0:
			l.problem(ManifestFile, e.line, "repository %q: lesson %s has no checklist item that reads so (name items as `coursebot lessons outline` shows them)", e.text, les.ID)
			continue
		case 1:
		default:
			l.problem(ManifestFile, e.line, "repository %q: %d checklist items of lesson %s read so; the rule must name one", e.text, len(fs), les.ID)
			continue
		}
		if _, dup := order[fs[0].item.ID]; dup {
			l.problem(ManifestFile, e.line, "repository %q: the item has a rule already", e.text)
			continue
		}
		order[fs[0].item.ID] = fs[0].index
		rules = append(rules, RepoRule{Item: fs[0].item.ID, Text: fs[0].item.Text, Paths: e.paths, CI: e.ci, Line: e.line})
	}
	slices.SortStableFunc(rules, func(a, b RepoRule) int { return cmp.Compare(order[a.Item], order[b.Item]) })
	return rules
}

func itemKey(s string) string { return strings.ToLower(strings.Join(strings.Fields(s), " ")) }

// RepoRules returns the capstone check's rules of lesson id, nil when it
// has none.
func (c *Course) RepoRules(id string) []RepoRule {
	if les, ok := c.Lessons[id]; ok {
		return les.Repository
	}
	return nil
}

// RepoLessons are the installed lessons with capstone check rules, in
// course order.
func (c *Course) RepoLessons() []string {
	var out []string
	for _, e := range c.Catalogue {
		if les, ok := c.Lessons[e.ID]; ok && len(les.Repository) > 0 {
			out = append(out, e.ID)
		}
	}
	return out
}
