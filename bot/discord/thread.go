package discord

import (
	"context"
	"errors"
	"fmt"

	"github.com/bwmarrin/discordgo"
	"github.com/coursebot/coursebot"
	"github.com/coursebot/coursebot/bot/markup"
)

func (a *Adapter) unarchive(ctx context.Context, threadID string) error {
	f := false
	return a.rest.call(ctx, "unarchive thread", true, func(opt discordgo.RequestOption) error {
		_, err := a.session.ChannelEdit(threadID, &discordgo.ChannelEdit{Archived: &f}, opt)
		return err
	})
}

// threadByID finds the thread record of a thread channel. Discord threads
// are channels, so their records use the thread id as Channel too.
func (a *Adapter) threadByID(ctx context.Context, threadID string) (coursebot.Thread, bool, error) {
	return a.opts.Store.ThreadAt(ctx, Platform, threadID, threadID)
}

// ensureThread returns the learner's thread for lesson, opening one when
// there is none (or fresh is set, after the old one vanished). In a DM it
// returns a Thread with an empty ThreadID: cards go into the DM itself.
func (a *Adapter) ensureThread(ctx context.Context, d *poster, lesson string, fresh bool) (coursebot.Thread, error) {
	ev := d.ev
	key := ev.learner.Key()
	if !fresh {
		if ev.thread != nil && ev.thread.Lesson == lesson {
			return *ev.thread, nil
		}
		th, ok, err := a.opts.Store.ThreadFor(ctx, Platform, key, lesson)
		if err != nil {
			return coursebot.Thread{}, err
		}
		if ok {
			ev.thread = &th
			return th, nil
		}
	}
	if ev.guildID == "" {
		return coursebot.Thread{Platform: Platform, Learner: key, Lesson: lesson, Channel: ev.channelID}, nil
	}
	parent := ev.channelID
	// Asked from inside a lesson thread: open the new one beside it.
	if _, ok, err := a.threadByID(ctx, parent); err == nil && ok {
		var ch *discordgo.Channel
		err := a.rest.call(ctx, "get channel", true, func(opt discordgo.RequestOption) error {
			var err error
			ch, err = a.session.Channel(parent, opt)
			return err
		})
		if err == nil && ch.ParentID != "" {
			parent = ch.ParentID
		}
	}
	name := markup.Truncate(fmt.Sprintf("Lesson %s · %s", dotted(lesson), ev.learner.Name), 100)
	var ch *discordgo.Channel
	var err error
	if a.opts.PrivateThreads {
		ch, err = a.privateThread(ctx, parent, name, ev.learner.UserID)
		if err != nil {
			d.log.Warn("private thread not possible; using a public one", "err", err)
		}
	}
	if ch == nil {
		ch, err = a.publicThread(ctx, d, parent, name, lesson)
		if err != nil {
			return coursebot.Thread{}, fmt.Errorf("open lesson thread: %w", err)
		}
	}
	// Channel is the thread too: a MESSAGE_CREATE names only the thread.
	th := coursebot.Thread{Platform: Platform, Learner: key, Lesson: lesson, Channel: ch.ID, ThreadID: ch.ID, Updated: a.now()}
	if err := a.opts.Store.PutThread(ctx, th); err != nil {
		return coursebot.Thread{}, err
	}
	ev.thread = &th
	return th, nil
}

func (a *Adapter) privateThread(ctx context.Context, parent, name, userID string) (*discordgo.Channel, error) {
	var ch *discordgo.Channel
	err := a.rest.call(ctx, "start private thread", false, func(opt discordgo.RequestOption) error {
		var err error
		ch, err = a.session.ThreadStartComplex(parent, &discordgo.ThreadStart{
			Name: name, Type: discordgo.ChannelTypeGuildPrivateThread, AutoArchiveDuration: 10080, Invitable: false,
		}, opt)
		return err
	})
	if err != nil {
		return nil, err
	}
	err = a.rest.call(ctx, "add thread member", true, func(opt discordgo.RequestOption) error {
		return a.session.ThreadMemberAdd(ch.ID, userID, opt)
	})
	if err != nil {
		return nil, err
	}
	return ch, nil
}

// publicThread starts a thread on a short starter message in the channel
// (the command's own answer is ephemeral, so nothing can hang on it).
func (a *Adapter) publicThread(ctx context.Context, d *poster, parent, name, lesson string) (*discordgo.Channel, error) {
	ev := d.ev
	intro := outMsg{Content: fmt.Sprintf("📘 <@%s> is working through Lesson %s — follow along in the thread.", ev.learner.UserID, dotted(lesson))}
	starter, err := a.rest.send(ctx, parent, intro, nonce(ev.id, "starter", lesson))
	if err != nil {
		return nil, err
	}
	var ch *discordgo.Channel
	err = a.rest.call(ctx, "start thread", true, func(opt discordgo.RequestOption) error {
		var err error
		ch, err = a.session.MessageThreadStartComplex(parent, starter.ID, &discordgo.ThreadStart{Name: name, AutoArchiveDuration: 10080}, opt)
		return err
	})
	if err != nil {
		return nil, err
	}
	if ch == nil || ch.ID == "" {
		return nil, errors.New("thread start returned no channel")
	}
	return ch, nil
}
