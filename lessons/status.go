package lessons

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/coursebot/coursebot"
	"github.com/coursebot/coursebot/bot"
	"github.com/coursebot/coursebot/bot/markup"
	"github.com/coursebot/coursebot/course"
)

// status shows every catalogue lesson with the learner's state, checklist
// completion, the self-assessment with lessons to revisit for items rated
// 1-2, and what to do next.
func (e *request) status(ctx context.Context, who coursebot.Learner) ([]bot.Reply, error) {
	all, err := e.store.LearnerProgress(ctx, who.Key())
	if err != nil {
		return nil, err
	}
	byLesson := make(map[string]coursebot.Progress, len(all))
	for _, p := range all {
		byLesson[p.Lesson] = p
	}
	var lines []string
	var buttons []bot.Button
	var next string
	var low, plans []string
	checklists := []string{}
	for _, entry := range e.course.Catalogue {
		p := byLesson[entry.ID]
		les := e.course.Lessons[entry.ID]
		lines = append(lines, e.statusLine(entry, les, p))
		if entry.Installed && p.State() == coursebot.StateInProgress {
			if next == "" {
				next = fmt.Sprintf("Resume Lesson %s with /%s.", dotted(entry.ID), entry.Command)
			}
			if len(buttons) < 5 {
				buttons = append(buttons, bot.Button{Label: "Resume " + dotted(entry.ID), Action: bot.Action{Verb: bot.VerbOpen, Lesson: entry.ID}.Encode(), Style: bot.StylePrimary})
			}
		}
		if les == nil || p.State() == coursebot.StateNotStarted {
			continue
		}
		if p.Background != "" {
			plans = append(plans, e.planText(les, p))
		} else {
			low = append(low, e.lowRatings(les, p)...)
		}
		if s := Summarize(les, p); s.Items > 0 {
			checklists = append(checklists, fmt.Sprintf("Lesson %s: %d of %d items ticked", dotted(entry.ID), s.Checked, s.Items))
		}
	}
	if next == "" {
		next = e.nextToStart(byLesson)
	}
	var sb strings.Builder
	sb.WriteString(strings.Join(lines, "\n"))
	if len(checklists) > 0 {
		sb.WriteString("\n\n**Checklists**\n- " + strings.Join(checklists, "\n- "))
	}
	if len(low) > 0 {
		sb.WriteString("\n\n**Self-assessment: worth revisiting**\n- " + strings.Join(low, "\n- "))
	}
	for _, pl := range plans {
		sb.WriteString("\n\n" + pl)
	}
	sb.WriteString("\n\n**Next:** " + next)
	return []bot.Reply{{Ephemeral: true, Title: "Your progress", Blocks: []bot.Block{{Kind: bot.BlockMarkdown, Text: sb.String()}}, Buttons: buttons}}, nil
}

// statusLine is one catalogue lesson's line of /status: a mark, the
// lesson and where the learner is in it, with the quiz score once started.
func (e *request) statusLine(entry course.CatalogueEntry, les *course.Lesson, p coursebot.Progress) string {
	mark, state := "⬜", "not started"
	switch {
	case !entry.Installed:
		state = "not started (material not installed yet)"
	case p.State() == coursebot.StateCompleted:
		mark, state = "✅", "completed "+p.Completed.Format("2 Jan 2006")
	case p.State() == coursebot.StateInProgress:
		c := e.cardOf(les, p)
		where := "opening"
		if c.Step >= 0 {
			where = fmt.Sprintf("step %d of %d (%s)", les.Steps[c.Step].Number, len(les.Steps), les.Steps[c.Step].Title)
		}
		mark, state = "▶️", fmt.Sprintf("in progress: %s, card %d of %d", where, c.Index+1, len(les.Cards))
	}
	if les != nil && p.State() != coursebot.StateNotStarted {
		if c, t := quizScore(les, p); t > 0 {
			state += fmt.Sprintf("; quiz %d of %d correct", c, t)
		}
	}
	return fmt.Sprintf("%s %s %s: %s", mark, dotted(entry.ID), entry.Title, state)
}

// nextToStart is /status's next step when no lesson is in progress: the
// first installed lesson not started, or a review once all are done.
func (e *request) nextToStart(byLesson map[string]coursebot.Progress) string {
	for _, entry := range e.course.Catalogue {
		if entry.Installed && byLesson[entry.ID].State() == coursebot.StateNotStarted {
			return fmt.Sprintf("Start Lesson %s (%s) with /%s.", dotted(entry.ID), entry.Title, entry.Command)
		}
	}
	return fmt.Sprintf("Every installed lesson is done. Review any of them with its /start command, or search the course with /%s topic.", e.helpName())
}

// lowRatings lists the items rated 1-2 with the lessons to revisit.
func (e *request) lowRatings(les *course.Lesson, p coursebot.Progress) []string {
	var out []string
	lowRated(les, p, func(it course.ItemDef, v int) {
		to := e.revisit[it.ID]
		hint := fmt.Sprintf("/%s %s", e.helpName(), it.Text)
		if len(to) > 0 {
			var cmds []string
			for _, id := range to {
				cmds = append(cmds, "/start-"+id)
			}
			hint = strings.Join(cmds, " or ")
		}
		out = append(out, fmt.Sprintf("%s (rated %d): revisit with %s", markup.EscapeMarkdown(it.Text), v, markup.EscapeMarkdown(hint)))
	})
	return out
}

// revisitMap maps every rating item to the lessons to revisit when it is
// rated low: the manifest's choice, else the catalogue lessons whose titles
// share the item's most distinctive words (all of the best, on a tie).
func revisitMap(c *course.Course) map[string][]string {
	out := map[string][]string{}
	titles := newTitleIndex(c.Catalogue)
	for _, les := range c.Lessons {
		for _, card := range les.Cards {
			for _, b := range card.Blocks {
				if b.Kind != course.Rating {
					continue
				}
				for _, it := range b.Items {
					if to, ok := c.Revisit[strings.ToLower(strings.TrimSpace(it.Text))]; ok {
						out[it.ID] = to
						continue
					}
					out[it.ID] = titles.closest(it.Text)
				}
			}
		}
	}
	return out
}

// titleIndex holds the words of the catalogue's lesson titles and how many
// titles each word is in, to find the lessons a phrase is about.
type titleIndex struct {
	entries []course.CatalogueEntry
	words   []map[string]bool // words[i]: the words of entries[i].Title
	df      map[string]int    // in how many titles a word stands
}

func newTitleIndex(entries []course.CatalogueEntry) titleIndex {
	t := titleIndex{entries: entries, words: make([]map[string]bool, len(entries)), df: map[string]int{}}
	for i, e := range entries {
		t.words[i] = course.Words(e.Title)
		for w := range t.words[i] {
			t.df[w]++
		}
	}
	return t
}

// closest lists, in lesson order, the lessons whose titles share the most
// distinctive words with text (each shared word counts 1 over the number of
// titles it is in), every one of the best on a tie; none when no word is
// shared.
func (t titleIndex) closest(text string) []string {
	best := 0.0
	var ids []string
	for i, e := range t.entries {
		score := 0.0
		for w := range course.Words(text) {
			if t.words[i][w] {
				score += 1 / float64(t.df[w])
			}
		}
		switch {
		case score > best+1e-9:
			best, ids = score, []string{e.ID}
		case score > 0 && score > best-1e-9:
			ids = append(ids, e.ID)
		}
	}
	sort.Slice(ids, func(i, j int) bool { return course.LessonLess(ids[i], ids[j]) })
	return ids
}
