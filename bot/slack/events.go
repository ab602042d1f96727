package slack

import (
	"context"
	"html"

	"github.com/slack-go/slack/slackevents"

	"github.com/coursebot/coursebot/bot"
)

// onEvent queues an Events API callback. Retried deliveries (same
// event_id) are dropped durably. Only plain messages by people in a known
// lesson thread of theirs become answers; bot messages, edits and other
// subtypes are ignored.
func (a *Adapter) onEvent(ev slackevents.EventsAPIEvent) {
	cbe, ok := ev.Data.(*slackevents.EventsAPICallbackEvent)
	if !ok || cbe.EventID == "" {
		return
	}
	me, ok := ev.InnerEvent.Data.(*slackevents.MessageEvent)
	if !ok || me.User == "" || me.BotID != "" || me.SubType != "" || me.ThreadTimeStamp == "" || me.ThreadTimeStamp == me.TimeStamp {
		return
	}
	who := learnerOf(me.User, "")
	eventID := cbe.EventID
	a.enqueue(who.Key(), func(ctx context.Context) {
		first, err := a.opts.Store.FirstSeen(ctx, "slack-event", eventID)
		if err != nil {
			a.logErr("dedup event", err, "event", eventID)
			return
		}
		if !first {
			a.log.Info("dropped duplicate event", "event", eventID)
			return
		}
		th, ok, err := a.opts.Store.ThreadAt(ctx, Platform, me.Channel, me.ThreadTimeStamp)
		if err != nil {
			a.logErr("find thread", err, "event", eventID)
			return
		}
		if !ok || th.Learner != who.Key() {
			return // not a lesson thread, or someone else's
		}
		o := origin{learner: who, channel: me.Channel, threadTS: me.ThreadTimeStamp}
		m := bot.Message{Learner: who, Kind: bot.KindText, Text: html.UnescapeString(me.Text), Lesson: th.Lesson}
		replies := a.handle(ctx, o, m)
		if len(replies) > 0 && !replies[0].Ephemeral {
			if err := a.react(ctx, me.Channel, me.TimeStamp, "white_check_mark"); err != nil {
				a.logErr("react to answer", err, "learner", who.Key())
			}
		}
	})
}
