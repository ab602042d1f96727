package cohorts

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/coursebot/coursebot"
	"github.com/coursebot/coursebot/bot"
)

// Learners' control over capstone nudges: /nudges on|off and the
// Snooze button.

// NudgeStore keeps each learner's nudge settings (*store.DB).
type NudgeStore interface {
	UpdateNudgeState(ctx context.Context, learner string, fn func(*coursebot.NudgeState)) (coursebot.NudgeState, error)
}

func (h *Handler) nudges(ctx context.Context, who coursebot.Learner, arg string) ([]bot.Reply, error) {
	var off bool
	switch strings.ToLower(strings.TrimSpace(arg)) {
	case "off":
		off = true
	case "on":
	default:
		return nil, refuse(coursebot.EINVALID, "Usage: /%s off (no more reminders about unfinished lessons) or /%s on.", h.o.NudgesCommand, h.o.NudgesCommand)
	}
	if _, err := h.o.Store.UpdateNudgeState(ctx, who.Key(), func(st *coursebot.NudgeState) {
		st.OptOut = off
		if !off {
			st.SnoozeUntil = time.Time{}
		}
	}); err != nil {
		return nil, err
	}
	if off {
		return []bot.Reply{notice(fmt.Sprintf("Done: no more reminders about unfinished lessons. Turn them back on with /%s on.", h.o.NudgesCommand))}, nil
	}
	return []bot.Reply{notice(fmt.Sprintf("Reminders are on: if you stall in a lesson, I will nudge you now and then. /%s off stops them.", h.o.NudgesCommand))}, nil
}

func (h *Handler) snooze(ctx context.Context, who coursebot.Learner, a bot.Action) ([]bot.Reply, error) {
	hours, err := strconv.Atoi(a.Value)
	if err != nil || hours < 1 {
		hours = int(h.o.Nudges.After.Hours())
	}
	hours = min(hours, 30*24)
	until := h.o.Now().Add(time.Duration(hours) * time.Hour)
	if _, err := h.o.Store.UpdateNudgeState(ctx, who.Key(), func(st *coursebot.NudgeState) { st.SnoozeUntil = until }); err != nil {
		return nil, err
	}
	return []bot.Reply{notice(fmt.Sprintf("Snoozed: no reminders before %s (UTC). /%s off stops them altogether.", until.UTC().Format("Mon 2 Jan 15:04"), h.o.NudgesCommand))}, nil
}
