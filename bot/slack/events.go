package slack

import (
	"context"
	"errors"
	"fmt"
	"html"

	"github.com/slack-go/slack/slackevents"

	"github.com/coursebot/coursebot/bot"
	"github.com/coursebot/coursebot/delivery"
	"github.com/coursebot/coursebot/ratelimit"
)

// onEvent commits an Events API callback (raw is its JSON) to the inbox.
// Retried deliveries (same event_id) are dropped durably. Only plain
// messages by people in a thread become items; whether the thread is a
// lesson thread of theirs is checked by the work. Bot messages, edits and
// other subtypes are ignored.
func (a *Adapter) onEvent(ctx context.Context, ev slackevents.EventsAPIEvent, raw []byte) error {
	me, eventID, ok := threadReply(ev)
	if !ok {
		return nil
	}
	it := delivery.Item{Kind: kindEvent, Learner: learnerOf(me.User, "").Key(), Payload: raw, Dedup: "slack-event\x00" + eventID}
	if msg := a.accept(ctx, it); msg != "" {
		return errBusy
	}
	return nil
}

// threadReply returns the message event of ev if it is a person's plain
// reply in a thread, with the event id.
func threadReply(ev slackevents.EventsAPIEvent) (*slackevents.MessageEvent, string, bool) {
	cbe, ok := ev.Data.(*slackevents.EventsAPICallbackEvent)
	if !ok || cbe.EventID == "" {
		return nil, "", false
	}
	me, ok := ev.InnerEvent.Data.(*slackevents.MessageEvent)
	if !ok || me.User == "" || me.BotID != "" || me.SubType != "" || me.ThreadTimeStamp == "" || me.ThreadTimeStamp == me.TimeStamp {
		return nil, "", false
	}
	return me, cbe.EventID, true
}

func (a *Adapter) processEvent(ctx context.Context, it delivery.Item) error {
	ev, err := slackevents.ParseEvent(it.Payload, slackevents.OptionNoVerifyToken())
	if err != nil {
		return delivery.Permanent(fmt.Errorf("decode event: %w", err))
	}
	me, eventID, ok := threadReply(ev)
	if !ok {
		return nil
	}
	who := learnerOf(me.User, "")
	th, ok, err := a.opts.Store.ThreadAt(ctx, Platform, me.Channel, me.ThreadTimeStamp)
	if err != nil {
		a.logErr("find thread", err, "event", eventID)
		return err
	}
	if !ok || th.Learner != who.Key() {
		return nil // not a lesson thread, or someone else's
	}
	o := origin{learner: who, channel: me.Channel, threadTS: me.ThreadTimeStamp, typed: true}
	m := bot.Message{Learner: who, Kind: bot.KindText, Text: html.UnescapeString(me.Text), Lesson: th.Lesson}
	replies, err := a.handle(ctx, o, m)
	if len(replies) > 0 && !replies[0].Ephemeral {
		// The ✅ says the answer was taken; the reply says so too, so the
		// reaction (Tier 3) is optional: not made when the budget is short.
		rctx := ratelimit.WithPriority(ctx, ratelimit.Optional)
		if rerr := a.react(rctx, me.Channel, me.TimeStamp, "white_check_mark"); rerr != nil && !errors.Is(rerr, ratelimit.ErrSkipped) {
			a.logErr("react to answer", rerr, "learner", who.Key())
			err = errors.Join(err, rerr)
		}
	}
	return err
}
