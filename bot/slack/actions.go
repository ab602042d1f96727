package slack

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/slack-go/slack"

	"github.com/coursebot/coursebot"
	"github.com/coursebot/coursebot/bot"
	"github.com/coursebot/coursebot/delivery"
)

// Button presses and modal submissions: onInteraction commits them to the
// inbox; processAction turns each into messages for the handler, refusing a
// press on someone else's card (mayPress).

// onInteraction commits a block_actions or view_submission payload (raw is
// its JSON) to the inbox and acknowledges it. A press on someone else's
// card is refused before anything else is done (see mayPress, run by the
// work). Duplicates are dropped durably, in the same commit as the item,
// by the presser and:
//
//   - navigation buttons: channel + message ts + action_id + value, so a
//     card's Next works once however often it is clicked or replayed;
//   - checkboxes and ratings, which may rightly be pressed again on the same
//     message: the same plus Slack's action_ts, which drops only replays
//     and re-deliveries of one press;
//   - modal submissions: the view id plus its hash.
func (a *Adapter) onInteraction(ctx context.Context, cb slack.InteractionCallback, raw []byte) (any, error) {
	who := learnerOf(cb.User.ID, cb.User.Name)
	if cb.User.ID == "" {
		return nil, nil
	}
	switch cb.Type {
	case slack.InteractionTypeBlockActions:
		return nil, a.onBlockActions(ctx, cb, who, raw)
	case slack.InteractionTypeViewSubmission:
		return a.onViewSubmission(ctx, cb, who, raw)
	}
	return nil, nil
}

// actionOrigin is where the action at index i of cb came from, and its
// dedup id.
func actionOrigin(cb slack.InteractionCallback, act *slack.BlockAction, who coursebot.Learner) (origin, string) {
	channel := cb.Container.ChannelID
	if channel == "" {
		channel = cb.Channel.ID
	}
	thread := cb.Container.ThreadTs
	if thread == "" {
		thread = cb.Message.ThreadTimestamp
	}
	if thread == "" && !cb.Container.IsEphemeral {
		// A message at the top of its channel is the root of the thread
		// it may have (a lesson's first card opens its thread), which
		// Slack names only once the thread has replies.
		thread = cb.Container.MessageTs
	}
	o := origin{learner: who, channel: channel, responseURL: cb.ResponseURL, threadTS: thread,
		messageTS: cb.Container.MessageTs, ephemeral: cb.Container.IsEphemeral, blockID: act.BlockID,
		shown: cb.Message.Blocks.BlockSet}
	// Keyed by the presser too: someone else's press of the same control
	// (refused) must not use up the owner's.
	kindID := strings.Join([]string{who.Key(), channel, cb.Container.MessageTs, act.ActionID, act.Value}, "/")
	// Slack puts a block action's time in the action itself; the
	// payload's own action_ts is for message actions.
	actionTs := act.ActionTs
	if actionTs == "" {
		actionTs = cb.ActionTs
	}
	switch {
	case strings.HasPrefix(act.ActionID, actNav):
		o.controls = true
		o.pressed = act.Text.Text
	case strings.HasPrefix(act.ActionID, actCheck):
		kindID = strings.Join([]string{who.Key(), channel, cb.Container.MessageTs, act.ActionID, actionTs}, "/")
	default:
		kindID = strings.Join([]string{who.Key(), channel, cb.Container.MessageTs, act.ActionID, act.Value, actionTs}, "/")
	}
	return o, kindID
}

// opensModal opens the modal a press asks for (an answer to a question,
// or a feature's form) when the presser may press it, off the request's
// path; it reports whether the press was one of those.
func (a *Adapter) opensModal(cb slack.InteractionCallback, act *slack.BlockAction, who coursebot.Learner) bool {
	if strings.HasPrefix(act.ActionID, actAnswer) {
		if lesson, q, owner, ok := parseAnswerValue(act.Value); ok {
			o, _ := actionOrigin(cb, act, who)
			trigger, prompt := cb.TriggerID, sectionText(cb.Message.Blocks, act.BlockID)
			a.q.Go(func(ctx context.Context) {
				if a.mayPress(ctx, o, owner, lesson) {
					a.openAnswerModal(ctx, trigger, who, answerForm{lesson: lesson, question: q, prompt: prompt, channel: o.channel, thread: o.threadTS})
				}
			})
		}
		return true
	}
	if f, lesson, ok := a.opts.Forms.Opens(act.Value); ok {
		o, _ := actionOrigin(cb, act, who)
		trigger, owner := cb.TriggerID, bot.OwnerOf(act.Value)
		a.q.Go(func(ctx context.Context) {
			if a.mayPress(ctx, o, owner, lesson) {
				a.openFormModal(ctx, trigger, who, f, modalMeta{Lesson: lesson, Channel: o.channel, Thread: o.threadTS})
			}
		})
		return true
	}
	return false
}

func (a *Adapter) onBlockActions(ctx context.Context, cb slack.InteractionCallback, who coursebot.Learner, raw []byte) error {
	for i, act := range cb.ActionCallback.BlockActions {
		if a.opensModal(cb, act, who) {
			continue
		}
		if len(a.actionMessages(cb, act, who)) == 0 {
			continue
		}
		_, kindID := actionOrigin(cb, act, who)
		payload, err := json.Marshal(actionItem{Payload: raw, Index: i})
		if err != nil {
			return err
		}
		if msg := a.accept(ctx, delivery.Item{Kind: kindAction, Learner: who.Key(), Payload: payload, Dedup: "slack-action\x00" + kindID}); msg != "" {
			if msg != coursebot.FaultNotice || cb.ResponseURL == "" {
				return errBusy // Slack shows the press failed
			}
			// The store cannot keep it: tell the learner their progress is safe.
			url := cb.ResponseURL
			a.q.Go(func(ctx context.Context) {
				if err := a.respond(ctx, url, message{Text: msg}); err != nil {
					a.logErr("tell the learner of a storage fault", err, "learner", who.Key())
				}
			})
			return nil
		}
	}
	return nil
}

func (a *Adapter) processAction(ctx context.Context, it delivery.Item) error {
	var ai actionItem
	var cb slack.InteractionCallback
	if err := json.Unmarshal(it.Payload, &ai); err != nil {
		return delivery.Permanent(fmt.Errorf("decode action: %w", err))
	}
	if err := json.Unmarshal(ai.Payload, &cb); err != nil {
		return delivery.Permanent(fmt.Errorf("decode action payload: %w", err))
	}
	acts := cb.ActionCallback.BlockActions
	if ai.Index < 0 || ai.Index >= len(acts) {
		return delivery.Permanent(fmt.Errorf("action %d of %d", ai.Index, len(acts)))
	}
	who := learnerOf(cb.User.ID, cb.User.Name)
	o, _ := actionOrigin(cb, acts[ai.Index], who)
	msgs := a.actionMessages(cb, acts[ai.Index], who)
	if len(msgs) == 0 || !a.mayPress(ctx, o, bot.OwnerOf(msgs[0].Action), msgs[0].Lesson) {
		return nil
	}
	var errs []error
	for i, m := range msgs {
		if i > 0 {
			o.controls = false // spent once
		}
		_, err := a.handle(ctx, o, m)
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

// actionMessages turns one Slack action into the engine's messages. A
// checkboxes element reports the selection after the click: compare it
// with the message as it was shown to find what changed.
func (a *Adapter) actionMessages(cb slack.InteractionCallback, act *slack.BlockAction, who coursebot.Learner) []bot.Message {
	msg := func(action string) bot.Message {
		lesson := ""
		if pa, err := bot.ParseAction(action); err == nil {
			lesson = pa.Lesson
		}
		return bot.Message{Learner: who, Kind: bot.KindAction, Action: action, Lesson: lesson}
	}
	if act.Type != slack.ActionType(slack.METCheckboxGroups) {
		if act.Value == "" {
			return nil
		}
		return []bot.Message{msg(act.Value)}
	}
	selected := map[string]bool{}
	for _, o := range act.SelectedOptions {
		selected[o.Value] = true
	}
	shown, known := shownCheckboxes(cb.Message.Blocks, act.BlockID)
	var out []bot.Message
	for _, v := range shown {
		if known[v] != selected[v] {
			out = append(out, msg(setCheck(v, selected[v])))
		}
	}
	if shown == nil { // message not in the payload: send the whole state
		for v := range selected {
			out = append(out, msg(setCheck(v, true)))
		}
	}
	return out
}

// shownCheckboxes returns the option values of the checkboxes element in
// block blockID and which were ticked when the message was shown.
func shownCheckboxes(blocks slack.Blocks, blockID string) ([]string, map[string]bool) {
	for _, b := range blocks.BlockSet {
		ab, ok := b.(*slack.ActionBlock)
		if !ok || ab.BlockID != blockID || ab.Elements == nil {
			continue
		}
		for _, el := range ab.Elements.ElementSet {
			cg, ok := el.(*slack.CheckboxGroupsBlockElement)
			if !ok {
				continue
			}
			var vals []string
			on := map[string]bool{}
			for _, o := range cg.Options {
				vals = append(vals, o.Value)
			}
			for _, o := range cg.InitialOptions {
				on[o.Value] = true
			}
			return vals, on
		}
	}
	return nil, nil
}

// setCheck turns an option value (a CheckAction for "on") into the action
// for the wanted state.
func setCheck(v string, on bool) string {
	pa, err := bot.ParseAction(v)
	if err != nil {
		return v
	}
	return bot.Mark(bot.CheckAction(pa.Lesson, pa.Item, on), pa.Owner)
}

// mayPress asks bot.MayPress whether o.learner may act through a control
// carrying owner in the message at o; if not, it tells them whose card it
// is (ephemerally) and nothing else happens.
func (a *Adapter) mayPress(ctx context.Context, o origin, owner, lesson string) bool {
	ok, err := bot.MayPress(ctx, a.opts.Store, o.learner, owner, bot.Place{Platform: Platform, Channel: o.channel, Thread: o.threadTS})
	if err != nil {
		a.logErr("check card owner", err, "learner", o.learner.Key())
		a.report(ctx, o, err)
		return false
	}
	if !ok {
		a.log.Info("refused a press on someone else's card", "learner", o.learner.Key(), "lesson", lesson)
		o.controls = false
		a.report(ctx, o, a.deliver(ctx, o, []bot.Reply{bot.NotYours(lesson)}))
	}
	return ok
}
