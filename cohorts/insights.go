package cohorts

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/coursebot/coursebot"
	"github.com/coursebot/coursebot/bot"
	"github.com/coursebot/coursebot/insight"
)

// /cohort insights NAME [LESSON]: the cohort's figures for its leads
// (package insight), with the funnel and the hardest questions as a
// picture; and the leads' weekly summary that goes with a reminder's
// digest. See docs/cohorts.md and docs/insights.md.

// learners reads cohort c's accepted members with what they agreed to.
func (h *Handler) learners(ctx context.Context, c coursebot.Cohort) ([]insight.Learner, error) {
	return insight.Cohort(ctx, h.o.Store, h.o.Store, c.Name, h.o.ShareAnswers)
}

func (h *Handler) insights(ctx context.Context, who coursebot.Learner, args []string) ([]bot.Reply, error) {
	if len(args) < 1 || len(args) > 2 {
		return nil, refuse(coursebot.EINVALID, "Usage: /%s insights NAME [LESSON]", h.o.Command)
	}
	c, _, err := h.leadOf(ctx, who, args[0], "see its insights")
	if err != nil {
		return nil, err
	}
	course := h.o.Course()
	lesson := ""
	if len(args) == 2 {
		lesson = strings.Replace(args[1], ".", "-", 1)
		if _, ok := course.Lessons[lesson]; !ok {
			return nil, refuse(coursebot.ENOTFOUND, "There is no installed lesson %s.", args[1])
		}
	}
	ls, err := h.learners(ctx, c)
	if err != nil {
		return nil, err
	}
	if len(ls) == 0 {
		return []bot.Reply{notice(fmt.Sprintf("Cohort %s has no members yet. Its join code is `%s`.", c.Name, c.Code))}, nil
	}
	f := insight.Compute(course, ls, insight.Options{Audience: insight.Lead, Now: h.o.Now(), Lesson: lesson})
	r := bot.Reply{Ephemeral: true, Title: "Insights: cohort " + c.Name, Context: h.insightsContext(c, f)}
	if lesson != "" {
		r.Title += ", Lesson " + dotted(lesson)
	}
	r.Blocks = sectionBlocks(insight.Sections(f, h.loc(c), h.o.ShareAnswers, h.o.Command, c.Name))
	png, alt, err := insight.Picture(f)
	if err != nil {
		return nil, fmt.Errorf("insights %s: %w", c.Name, err)
	}
	if png != nil {
		r.File = &bot.File{Name: "insights-" + c.Name + ".png", Title: "Insights: cohort " + c.Name, Data: png, Alt: alt}
	}
	return []bot.Reply{r}, nil
}

// insightsContext is the line under the title: whom the figures rest on.
func (h *Handler) insightsContext(c coursebot.Cohort, f insight.Figures) string {
	s := fmt.Sprintf("%s members · %s agreed to count in the figures", insight.N(f.Learners), insight.N(f.WithFigures))
	if h.o.ShareAnswers {
		s += fmt.Sprintf(" · %s share answers", insight.N(f.WithAnswers))
	}
	return s + fmt.Sprintf(" · counts under %d read %q · as of %s", insight.MinCount, insight.Few, f.At.In(h.loc(c)).Format("Mon 2 Jan 15:04 MST"))
}

// sectionBlocks renders the sections: a heading and text, a table in
// monospace.
func sectionBlocks(ss []insight.Section) []bot.Block {
	var out []bot.Block
	for _, s := range ss {
		text := "*" + s.Heading + "*"
		if s.Text != "" {
			text += "\n" + s.Text
		}
		out = append(out, bot.Block{Kind: bot.BlockMarkdown, Text: text})
		if s.Table != "" {
			out = append(out, bot.Block{Kind: bot.BlockCode, Text: s.Table})
		}
	}
	return out
}

// LeadSummary is the leads' weekly summary of cohort as of now: the
// figures, the change since a week ago, and the picture. It goes to each
// lead by direct message with a reminder that carries the digest
// (scheduler.Options.LeadSummary).
func (h *Handler) LeadSummary(ctx context.Context, cohort string, now time.Time) ([]bot.Reply, error) {
	c, ok, err := h.o.Store.Cohort(ctx, cohort)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, fmt.Errorf("cohort %q: %w", cohort, coursebot.ErrNotFound)
	}
	ls, err := h.learners(ctx, c)
	if err != nil {
		return nil, err
	}
	s := insight.Weekly(h.o.Course(), ls, insight.Options{Audience: insight.Lead, Now: now})
	r := bot.Reply{Title: "Cohort " + c.Name + ": the week, for its leads", Context: h.insightsContext(c, s.Now),
		Blocks: []bot.Block{{Kind: bot.BlockMarkdown, Text: s.Text(h.loc(c))}}}
	r.Blocks = append(r.Blocks, bot.Block{Kind: bot.BlockMarkdown, Text: fmt.Sprintf("More: `/%s insights %s`, `/%s progress %s`.", h.o.Command, c.Name, h.o.Command, c.Name)})
	png, alt, err := insight.Picture(s.Now)
	if err != nil {
		return nil, fmt.Errorf("summary %s: %w", c.Name, err)
	}
	if png != nil {
		r.File = &bot.File{Name: "week-" + c.Name + "-" + now.In(h.loc(c)).Format("2006-01-02") + ".png", Title: "Cohort " + c.Name + " this week", Data: png, Alt: alt}
	}
	return []bot.Reply{r}, nil
}
