package capstone

import (
	"fmt"
	"strings"
	"time"

	"github.com/coursebot/coursebot"
	"github.com/coursebot/coursebot/bot"
	"github.com/coursebot/coursebot/bot/markup"
	"github.com/coursebot/coursebot/course"
)

// report is the one message a check answers with: how many of the items
// with rules the repository shows, what this check ticked and unticked,
// what is missing, and the latest CI run. out is nil when the message
// repeats the last check (from p.Repo) without a new one.
func (h *Handler) report(les *course.Lesson, p coursebot.Progress, out *Outcome) bot.Reply {
	rc := p.Repo
	now := h.o.Now()
	byID := map[string]course.RepoRule{}
	var ci *course.RepoRule
	for i, r := range les.Repository {
		byID[r.Item] = r
		if r.CI {
			ci = &les.Repository[i]
		}
	}
	if out == nil {
		out = &Outcome{CI: rc.CI, Branch: rc.Branch}
		for _, id := range rc.Found {
			if r, ok := byID[id]; ok {
				out.Found = append(out.Found, r)
			}
		}
		for _, id := range rc.Missing {
			if r, ok := byID[id]; ok {
				out.Missing = append(out.Missing, r)
			}
		}
	}
	var b strings.Builder
	fmt.Fprintf(&b, "Your repository shows **%d of the %d items** I can check", len(out.Found), len(out.Found)+len(out.Missing))
	switch n := len(out.Ticked); {
	case n > 5: // the card shows them
		fmt.Fprintf(&b, "; I ticked %d items just now", n)
	case n > 0:
		fmt.Fprintf(&b, "; I ticked %s just now: %s", count(n, "item"), texts(out.Ticked))
	}
	b.WriteString(".\n")
	var missing []string
	for _, r := range out.Missing {
		if r.CI {
			continue // the CI line says it
		}
		line := "- " + markup.EscapeMarkdown(r.Text)
		if d := r.Describe(); d != r.Text {
			line += " (looked for " + code(r.Paths) + ")"
		}
		missing = append(missing, line)
	}
	if len(missing) > 0 {
		fmt.Fprintf(&b, "\n**Missing (%d)**\n%s\n", len(missing), strings.Join(missing, "\n"))
	}
	label := "CI"
	if ci != nil {
		label = markup.EscapeMarkdown(ci.Text)
	}
	fmt.Fprintf(&b, "\n**%s**: %s\n", label, ciLine(out.CI, out.Branch, now))
	if len(out.Unticked) > 0 {
		fmt.Fprintf(&b, "\nI unticked %s I had ticked before and the repository no longer shows: %s.\n", count(len(out.Unticked), "item"), texts(out.Unticked))
	}
	if len(out.Theirs) > 0 {
		fmt.Fprintf(&b, "\nYou ticked %s yourself that I do not see; I left %s as you set %s: %s.\n",
			count(len(out.Theirs), "item"), pick(len(out.Theirs), "it", "them"), pick(len(out.Theirs), "it", "them"), texts(out.Theirs))
	}
	if others := checklistItems(les) - len(les.Repository); others > 0 {
		fmt.Fprintf(&b, "\nThe other %s of the checklist %s yours to tick: a repository does not show %s.", count(others, "item"), pick(others, "is", "are"), pick(others, "it", "them"))
	}
	b.WriteString(" Your cohort's leads see the repository's address and this result.")
	return bot.Reply{
		Lesson:  les.ID,
		Title:   "Capstone check: " + repoName(rc.URL),
		Context: fmt.Sprintf("Lesson %s · branch %s · checked %s", dotted(les.ID), orDash(rc.Branch), ago(rc.Checked, now)),
		Blocks:  []bot.Block{{Kind: bot.BlockMarkdown, Text: strings.TrimSpace(b.String())}},
		Buttons: []bot.Button{
			{Label: "Check again", Action: bot.Action{Verb: verb, Lesson: les.ID}.Encode(), Style: bot.StylePrimary},
			{Label: "Show where I am", Action: bot.Action{Verb: bot.VerbResume, Lesson: les.ID}.Encode()},
		},
	}
}

// ciLine says what the latest run did: "last run passed 2 h ago (workflow
// CI, on push)".
func ciLine(run *coursebot.CIRun, branch string, now time.Time) string {
	if run == nil {
		return fmt.Sprintf("no CI run on %s yet: add a workflow under .github/workflows/ that runs on push.", orDash(branch))
	}
	var what string
	switch {
	case run.Passed():
		what = "last run passed " + ago(run.At, now)
	case run.Status == "completed" && run.Conclusion == "failure":
		what = "last run failed " + ago(run.At, now)
	case run.Status == "completed":
		what = fmt.Sprintf("last run ended %s (%s)", ago(run.At, now), orDash(run.Conclusion))
	default:
		what = fmt.Sprintf("a run is %s (since %s)", strings.ReplaceAll(run.Status, "_", " "), ago(run.At, now))
	}
	var about []string
	if run.Name != "" {
		about = append(about, "workflow "+markup.EscapeMarkdown(run.Name))
	}
	if run.Event != "" {
		about = append(about, "on "+run.Event)
	}
	if len(about) > 0 {
		what += " (" + strings.Join(about, ", ") + ")"
	}
	if run.URL != "" {
		what += fmt.Sprintf(" · [the run](%s)", run.URL)
	}
	return what
}

// ago is how long before now t was: "just now", "5 min ago", "2 h ago",
// "3 days ago".
func ago(t, now time.Time) string {
	d := now.Sub(t)
	switch {
	case t.IsZero():
		return "at an unknown time"
	case d < time.Minute:
		return "just now"
	case d < time.Hour:
		return fmt.Sprintf("%d min ago", int(d/time.Minute))
	case d < 48*time.Hour:
		return fmt.Sprintf("%d h ago", int(d/time.Hour))
	}
	return fmt.Sprintf("%d days ago", int(d/(24*time.Hour)))
}

func checklistItems(les *course.Lesson) int {
	ids := map[string]bool{}
	for _, r := range les.Repository {
		ids[r.Item] = true
	}
	// The checklists that hold a rule's item: the rest of their items
	// are the learner's.
	n := 0
	for _, c := range les.Cards {
		for _, b := range c.Blocks {
			if b.Kind != course.Checklist || !anyItem(b.Items, ids) {
				continue
			}
			n += len(b.Items)
		}
	}
	return n
}

func anyItem(items []course.ItemDef, ids map[string]bool) bool {
	for _, it := range items {
		if ids[it.ID] {
			return true
		}
	}
	return false
}

func texts(rs []course.RepoRule) string {
	var out []string
	for _, r := range rs {
		out = append(out, markup.EscapeMarkdown(r.Text))
	}
	return strings.Join(out, ", ")
}

func code(paths []string) string {
	var out []string
	for _, p := range paths {
		out = append(out, "`"+p+"`")
	}
	return strings.Join(out, " or ")
}

func count(n int, what string) string {
	if n == 1 {
		return "1 " + what
	}
	return fmt.Sprintf("%d %ss", n, what)
}

func pick(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// repoName is "alice/spam" of "https://github.com/alice/spam" (the host
// too when it is not github.com).
func repoName(u string) string {
	s := strings.TrimPrefix(u, "https://")
	return strings.TrimPrefix(s, "github.com/")
}
