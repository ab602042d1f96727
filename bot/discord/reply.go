package discord

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/bwmarrin/discordgo"

	"github.com/coursebot/coursebot"
	"github.com/coursebot/coursebot/bot"
	"github.com/coursebot/coursebot/ratelimit"
)

// How one event's replies reach Discord: answered in place (the
// interaction response or an edit of the pressed card), posted to the
// learner's lesson thread, and the previous card's buttons disabled.

// poster posts one event's replies.
type poster struct {
	a           *Adapter
	ev          *event
	log         interface{ Warn(string, ...any) }
	n           int  // index of the reply being delivered
	usedOrig    bool // the command's deferred @original has been edited
	threadShown string
}

func (d *poster) sawEphemeral(rs []bot.Reply) bool {
	for _, r := range rs {
		if r.Ephemeral {
			return true
		}
	}
	return false
}

// inPlace answers where the learner asked: the command's deferred reply,
// a follow-up to a button, or the channel/thread of a typed message.
func (d *poster) inPlace(ctx context.Context, r bot.Reply) {
	for k, m := range d.a.render(r) {
		var err error
		switch {
		case d.ev.i != nil && d.ev.command && !d.usedOrig:
			_, err = d.a.rest.editOriginal(ctx, d.ev.i, m)
			d.usedOrig = true
		case d.ev.i != nil:
			err = d.a.rest.followup(ctx, d.ev.i, m, r.Ephemeral)
		default:
			_, err = d.a.rest.send(ctx, d.ev.channelID, m, nonce(d.ev.id, "p", fmt.Sprint(d.n), fmt.Sprint(k)))
		}
		if err != nil {
			d.log.Warn("reply failed", "err", err)
			return
		}
	}
	if r.File == nil {
		return
	}
	var err error
	if d.ev.i != nil {
		err = d.a.rest.followupFile(ctx, d.ev.i, r.File, r.Ephemeral)
	} else {
		err = d.a.rest.sendFile(ctx, d.ev.channelID, r.File, nonce(d.ev.id, "pf", fmt.Sprint(d.n)))
	}
	if err != nil {
		d.log.Warn("file reply failed", "file", r.File.Name, "err", err)
	}
}

// confirm tells the learner their typed answer was saved. The ✅ on a
// thread reply is optional (ratelimit.Optional): the reply that follows
// says so too.
func (d *poster) confirm(ctx context.Context) {
	switch {
	case d.ev.message != "":
		err := d.a.rest.call(ratelimit.WithPriority(ctx, ratelimit.Optional), "add reaction", true, func(opt discordgo.RequestOption) error {
			return d.a.session.MessageReactionAdd(d.ev.channelID, d.ev.message, "✅", opt)
		})
		if err != nil && !errors.Is(err, ratelimit.ErrSkipped) {
			d.log.Warn("confirm answer", "err", err)
		}
	case d.ev.i != nil && d.ev.confirmM:
		if err := d.a.rest.followup(ctx, d.ev.i, outMsg{Content: msgSaved}, true); err != nil {
			d.log.Warn("confirm answer", "err", err)
		}
	}
}

// finish replaces a command's "thinking…" with a pointer to the thread (or
// a short note) when nothing else used it.
func (d *poster) finish(ctx context.Context) {
	if d.ev.i == nil || !d.ev.command || d.usedOrig {
		return
	}
	text := "✅ Done."
	if d.threadShown != "" {
		text = fmt.Sprintf("📘 <@%s>, your lesson continues in <#%s>.", d.ev.learner.UserID, d.threadShown)
	}
	if _, err := d.a.rest.editOriginal(ctx, d.ev.i, outMsg{Content: text}); err != nil {
		d.log.Warn("edit command reply", "err", err)
	}
	d.usedOrig = true
}

// toThread posts a lesson card into the learner's thread for that lesson,
// disabling the previous card's buttons, or edits the card in place.
func (d *poster) toThread(ctx context.Context, r bot.Reply) error {
	msgs := d.a.render(r)
	if len(msgs) == 0 {
		return nil
	}
	if r.Update && d.editInPlace(ctx, r, msgs) {
		return nil
	}
	th, err := d.a.ensureThread(ctx, d, r.Lesson, false)
	if err != nil {
		return err
	}
	if th.ThreadID == "" { // a DM: no threads there
		return d.postCard(ctx, &th, msgs, false)
	}
	err = d.postCard(ctx, &th, msgs, true)
	status, code := statusOf(err)
	switch {
	case err == nil:
	case code == codeThreadArchived || (status == 403 && code == 0):
		// Unarchive and try again; if that fails too, open a new thread.
		if uerr := d.a.unarchive(ctx, th.ThreadID); uerr == nil {
			err = d.postCard(ctx, &th, msgs, true)
			if err == nil {
				break
			}
		}
		fallthrough
	case status == 404 || code == codeUnknownChannel:
		d.log.Warn("lesson thread gone; opening a new one", "thread", th.ThreadID, "err", err)
		th, err = d.a.ensureThread(ctx, d, r.Lesson, true)
		if err != nil {
			return err
		}
		err = d.postCard(ctx, &th, msgs, true)
	}
	if err != nil {
		return err
	}
	if r.File != nil {
		channel := th.ThreadID
		if channel == "" {
			channel = d.ev.channelID
		}
		if err := d.a.rest.sendFile(ctx, channel, r.File, nonce(d.ev.id, channel, fmt.Sprint(d.n), "file")); err != nil {
			return err
		}
	}
	d.threadShown = th.ThreadID
	return nil
}

// postCard disables the previous card's controls, posts msgs and records
// the new card's message ids.
func (d *poster) postCard(ctx context.Context, th *coursebot.Thread, msgs []outMsg, persist bool) error {
	channel := th.ThreadID
	if channel == "" {
		channel = d.ev.channelID
	}
	d.a.disablePrevious(ctx, d, channel, th.LastMessage)
	var ids []string
	for k, m := range msgs {
		sent, err := d.a.rest.send(ctx, channel, m, nonce(d.ev.id, channel, fmt.Sprint(d.n), fmt.Sprint(k)))
		if err != nil {
			return err
		}
		if len(m.Components) > 0 && sent != nil {
			ids = append(ids, sent.ID)
			d.a.cards.Put(sent.ID, m.Components)
		}
	}
	th.LastMessage = strings.Join(ids, ",")
	th.Updated = d.a.now()
	if !persist {
		return nil
	}
	if err := d.a.opts.Store.PutThread(ctx, *th); err != nil {
		return fmt.Errorf("remember card: %w", err)
	}
	return nil
}

// editInPlace re-renders the message a button was pressed on (a ticked
// item, a rating). Only the message holding the pressed control changes.
func (d *poster) editInPlace(ctx context.Context, r bot.Reply, msgs []outMsg) bool {
	i := d.ev.i
	if i == nil || i.Type != discordgo.InteractionMessageComponent || i.Message == nil {
		return false
	}
	pressed, err := bot.ParseAction(i.MessageComponentData().CustomID)
	if err != nil {
		return false
	}
	target := -1
	for k, m := range msgs {
		for _, id := range customIDs(m.Components) {
			if a, err := bot.ParseAction(id); err == nil && a.Verb == pressed.Verb && a.Item == pressed.Item && a.Item != "" {
				target = k
			}
		}
	}
	if target < 0 {
		if len(msgs) != 1 {
			return false
		}
		target = 0
	}
	if _, err := d.a.rest.editOriginal(ctx, i, msgs[target]); err != nil {
		d.log.Warn("edit card in place", "err", err)
		return false
	}
	return true
}

// disablePrevious turns off the buttons of the messages in ids (the last
// card), so only the newest card's controls work. The buttons are known
// without a call: the pressed message's from the interaction, a card
// posted lately from memory (cards); otherwise the message is fetched.
// These calls are optional (ratelimit.Optional): when the budget is short
// they are not made, and a press on a card that is no longer current is
// refused politely anyway.
func (a *Adapter) disablePrevious(ctx context.Context, d *poster, channel, ids string) {
	if ids == "" {
		return
	}
	ctx = ratelimit.WithPriority(ctx, ratelimit.Optional)
	for _, id := range strings.Split(ids, ",") {
		var comps []discordgo.MessageComponent
		if i := d.ev.i; i != nil && i.Message != nil && i.Message.ID == id {
			comps = i.Message.Components
		} else if c, ok := a.cards.Get(id); ok {
			comps = c
		} else {
			var m *discordgo.Message
			err := a.rest.call(ctx, "get message", true, func(opt discordgo.RequestOption) error {
				var err error
				m, err = a.session.ChannelMessage(channel, id, opt)
				return err
			})
			if err != nil {
				if s, _ := statusOf(err); s != 404 && !errors.Is(err, ratelimit.ErrSkipped) {
					d.log.Warn("fetch previous card", "err", err)
				}
				continue
			}
			comps = m.Components
		}
		if !hasEnabled(comps) {
			continue
		}
		off := disabledCopy(comps)
		err := a.rest.edit(ctx, channel, id, nil, off)
		switch {
		case err == nil:
			a.cards.Put(id, off)
		case !errors.Is(err, ratelimit.ErrSkipped):
			d.log.Warn("disable previous card", "err", err)
		}
	}
}
