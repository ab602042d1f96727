package cohorts

import (
	"context"
	"strings"

	"github.com/coursebot/coursebot"
	"github.com/coursebot/coursebot/bot"
	"github.com/coursebot/coursebot/course"
)

// /lead-notes: the tutor script's teaching notes, for leads and admins.

func (h *Handler) leadNotes(ctx context.Context, who coursebot.Learner, arg string) ([]bot.Reply, error) {
	ok := h.isAdmin(ctx, who)
	if !ok {
		all, err := h.o.Store.Cohorts(ctx)
		if err != nil {
			return nil, err
		}
		for _, c := range all {
			ok = ok || h.leads(ctx, c, who)
		}
	}
	if !ok {
		return nil, refuse(coursebot.EFORBIDDEN, "Teaching notes are for cohort leads and admins.")
	}
	id := strings.Replace(strings.TrimSpace(arg), ".", "-", 1)
	loaded := h.o.Course()
	les, found := loaded.Lessons[id]
	if !found {
		var ids []string
		for _, e := range loaded.Catalogue {
			if e.Installed {
				ids = append(ids, e.ID)
			}
		}
		return nil, refuse(coursebot.EINVALID, "Usage: /%s LESSON; lessons with notes: %s.", h.o.LeadNotesCommand, strings.Join(ids, ", "))
	}
	text := course.LeadNotesText(les)
	if text == "" {
		text = "This lesson has no teaching notes."
	}
	return []bot.Reply{titled("Teaching notes: "+les.Title, text)}, nil
}
