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

// verbBackground records the learner's background: Lesson, Value = the
// background's index in Lesson.Backgrounds, Item = its name (a check that
// the course did not change under the button).
const verbBackground = "background"

// backgroundButtons offers the backgrounds on the card that lists them.
func (e *request) backgroundButtons(les *course.Lesson, c *course.Card, p coursebot.Progress) []bot.Button {
	if c == nil || c.Key != les.BackgroundCard {
		return nil
	}
	var out []bot.Button
	for i, b := range les.Backgrounds {
		label := "I come from " + b.Name
		style := bot.StyleDefault
		if p.Background == b.Name {
			label, style = "✓ "+b.Name, bot.StylePrimary
		}
		out = append(out, bot.Button{Label: label, Style: style,
			Action: bot.Action{Verb: verbBackground, Lesson: les.ID, Item: markup.Truncate(b.Name, 40), Value: fmt.Sprint(i)}.Encode()})
	}
	return out
}

// backgroundPrompt asks for the learner's background under the list.
func backgroundPrompt(p coursebot.Progress) string {
	if p.Background != "" {
		return fmt.Sprintf("_Your background: %s. Your plan combines it with your self-assessment; /status shows it. Press another background to change it._", p.Background)
	}
	return "_Which background is yours? Press it for a personal plan: the lessons to revisit, from your self-assessment ratings and your background._"
}

// chooseBackground records the learner's background and shows their plan.
func (e *request) chooseBackground(ctx context.Context, who coursebot.Learner, les *course.Lesson, a bot.Action) ([]bot.Reply, error) {
	var bg *course.Background
	for i := range les.Backgrounds {
		if fmt.Sprint(i) == a.Value && markup.Truncate(les.Backgrounds[i].Name, 40) == a.Item {
			bg = &les.Backgrounds[i]
		}
	}
	if bg == nil {
		return nil, refuse(coursebot.ENOTFOUND, "That choice is no longer in Lesson %s; the course may have changed. Type /%s to see the current card.", dotted(les.ID), les.Command)
	}
	now := e.now()
	_, p, err := e.store.UpdateProgress(ctx, who.Key(), les.ID, func(rec *coursebot.LearnerRecord, p *coursebot.Progress) error {
		if p.State() == coursebot.StateNotStarted {
			return refuse(coursebot.ECONFLICT, "You have not started Lesson %s yet: type /%s.", dotted(les.ID), les.Command)
		}
		touch(rec, who, les.ID, now)
		p.Background, p.Updated = bg.Name, now
		return nil
	})
	if err != nil {
		return nil, err
	}
	// The plan carries the way on: the backgrounds (to change it, the
	// chosen one ticked) and the card's own buttons when the learner is
	// on that card, else a way back to where they are.
	text := e.planText(les, p)
	card := les.CardByKey(les.BackgroundCard)
	buttons := e.backgroundButtons(les, card, p)
	more := fmt.Sprintf("\n\n/%s keeps showing this plan.", e.statusName())
	if card != nil && card.HasKey(p.Card) {
		how, nav := wayOn(les, card, p)
		more += " " + how
		buttons = append(buttons, nav...)
	} else {
		more += " Press Show where I am to go back to your card."
		buttons = append(buttons, bot.Button{Label: "Show where I am", Action: bot.Action{Verb: bot.VerbResume, Lesson: les.ID}.Encode(), Style: bot.StylePrimary})
	}
	return []bot.Reply{{Lesson: les.ID, Card: les.BackgroundCard, Title: "Your plan", Blocks: []bot.Block{{Kind: bot.BlockMarkdown, Text: text + more}}, Buttons: buttons}}, nil
}

// PlanItem is one lesson of a learner's plan.
type PlanItem struct {
	Lesson string
	Why    []string
	// rank: the lowest rating pointing here (1, 2) or 9 for a lesson
	// named only by the background; bg: its place in the background's
	// list, or -1.
	rank, bg int
}

// plan combines the learner's self-assessment items rated 1-2 with the
// lessons the module names for their background: first the lessons the
// lowest ratings point to (rated 1 before rated 2; among equals, a lesson
// that is also a common gap for the background first, then course order),
// then the background's remaining lessons in the module's order.
func (e *request) plan(les *course.Lesson, p coursebot.Progress) []PlanItem {
	items := map[string]*PlanItem{}
	get := func(id string) *PlanItem {
		if it, ok := items[id]; ok {
			return it
		}
		it := &PlanItem{Lesson: id, rank: 9, bg: -1}
		items[id] = it
		return it
	}
	lowRated(les, p, func(it course.ItemDef, v int) {
		for _, id := range e.revisit[it.ID] {
			pi := get(id)
			pi.rank = min(pi.rank, v)
			pi.Why = append(pi.Why, fmt.Sprintf("you rated %s %d of 5", it.Text, v))
		}
	})
	for _, b := range les.Backgrounds {
		if b.Name != p.Background {
			continue
		}
		for i, id := range b.Lessons {
			pi := get(id)
			if pi.bg < 0 {
				pi.bg = i
				pi.Why = append(pi.Why, "a common gap for people from "+b.Name)
			}
		}
	}
	out := make([]PlanItem, 0, len(items))
	for _, it := range items {
		out = append(out, *it)
	}
	sort.Slice(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if a.rank != b.rank {
			return a.rank < b.rank
		}
		if (a.bg >= 0) != (b.bg >= 0) {
			return a.bg >= 0
		}
		if a.rank == 9 && a.bg != b.bg {
			return a.bg < b.bg
		}
		return course.LessonLess(a.Lesson, b.Lesson)
	})
	return out
}

// planText renders the plan as a numbered list with each lesson's command.
func (e *request) planText(les *course.Lesson, p coursebot.Progress) string {
	items := e.plan(les, p)
	head := "**Your plan: lessons to revisit, in order**"
	if p.Background != "" {
		head = fmt.Sprintf("**Your plan (from your self-assessment and your %s background): lessons to revisit, in order**", p.Background)
	}
	if len(items) == 0 {
		return head + "\nNothing to revisit: no item rated 1 or 2, and no background chosen."
	}
	var sb strings.Builder
	sb.WriteString(head)
	for i, it := range items {
		entry, ok := e.course.Entry(it.Lesson)
		title, cmd := "", "/start-"+it.Lesson
		if ok {
			title, cmd = " "+entry.Title, "/"+entry.Command
		}
		note := ""
		if !ok || !entry.Installed {
			note = " (not installed yet)"
		}
		fmt.Fprintf(&sb, "\n%d. Lesson %s%s: %s%s. Why: %s.", i+1, dotted(it.Lesson), title, cmd, note, strings.Join(it.Why, "; "))
	}
	return sb.String()
}

// lowRated calls fn for each self-assessment item of les rated 1-2, in
// lesson order.
func lowRated(les *course.Lesson, p coursebot.Progress, fn func(it course.ItemDef, v int)) {
	for _, c := range les.Cards {
		for _, b := range c.Blocks {
			if b.Kind != course.Rating {
				continue
			}
			for _, it := range b.Items {
				if v := p.Ratings[it.ID]; v > 0 && v <= 2 {
					fn(it, v)
				}
			}
		}
	}
}
