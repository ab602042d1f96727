package slack

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/slack-go/slack"

	"github.com/coursebot/coursebot"
	"github.com/coursebot/coursebot/bot"
	"github.com/coursebot/coursebot/bot/markup"
	"github.com/coursebot/coursebot/ratelimit"
)

// deliver posts replies in order: lesson replies in the lesson thread,
// updates in place, the rest (status, help, refusals) ephemerally where the
// learner asked.
func (a *Adapter) deliver(ctx context.Context, o origin, replies []bot.Reply) error {
	replies = bot.Own(replies, o.learner) // every control it posts is o.learner's
	if o.controls && o.messageTS != "" && postsCard(replies) {
		// The pressed navigation buttons are spent: a new card follows.
		// (After an error or a refusal they stay, so the learner can retry.)
		a.spendPressed(ctx, o)
	}
	for _, r := range replies {
		if o.typed {
			r = typedAnswer(r)
		}
		var err error
		switch {
		case r.Live != nil && r.Live.Run != nil:
			err = a.deliverLive(ctx, o, r)
		case r.Ephemeral || r.Lesson == "":
			err = a.deliverInPlace(ctx, o, r)
		case r.Update && o.messageTS != "" && o.blockID != "":
			err = a.deliverUpdate(ctx, o, r)
		default:
			err = a.deliverThread(ctx, o, r)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// spendPressed marks the message whose navigation button was pressed as
// done: its buttons give way to a note saying what was pressed ("✓ Next")
// and the rest of the card stays. It goes through the press's
// response_url (replace_original), which is not one of Slack's Tier 3
// chat.update calls and is the only way to change an ephemeral message
// (the Steps list, /status, a notice's "Show where I am"), which becomes
// the note alone. Without a response_url nothing is changed: a stale
// press is refused politely anyway.
func (a *Adapter) spendPressed(ctx context.Context, o origin) {
	if o.responseURL == "" {
		return
	}
	note := "✓ " + o.pressed
	m := message{Text: note, Blocks: spent(note)}
	if !o.ephemeral && len(o.shown) > 0 {
		m.Blocks = spentCard(o.shown, note)
	}
	if err := a.respondTo(ctx, o.responseURL, replaceOriginal(m)); err != nil {
		a.logErr("disable pressed buttons", err, "learner", o.learner.Key())
	}
}

// postsCard reports whether replies post something new in a lesson thread.
func postsCard(rs []bot.Reply) bool {
	for _, r := range rs {
		if r.Lesson != "" && !r.Ephemeral && !r.Update {
			return true
		}
	}
	return false
}

func (a *Adapter) deliverInPlace(ctx context.Context, o origin, r bot.Reply) error {
	// A file goes to the DM first, so the message says where it is, or
	// that it could not be sent (and nothing else).
	sent, ferr := a.sendFiles(ctx, o, []bot.Reply{r})
	if ferr != nil {
		a.logErr("file upload failed", ferr, "learner", o.learner.Key())
	}
	msgs := render(sent[0]).all()
	for i, m := range msgs {
		var err error
		switch {
		case o.responseURL != "" && o.acked && i == 0:
			err = a.respondTo(ctx, o.responseURL, replaceOriginal(m)) // in place of "Starting …"
		case o.responseURL != "":
			err = a.respond(ctx, o.responseURL, m)
		case o.channel != "":
			err = a.ephemeral(ctx, o.channel, o.learner.UserID, o.threadTS, m)
		default:
			_, err = a.post(ctx, o.learner.UserID, "", m) // the learner's DM
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// deliverUpdate re-renders the card the pressed control was on and puts
// the message that holds it in place of the one shown, through the
// press's response_url (replace_original: not one of Slack's Tier 3
// chat.update calls, so a learner ticking boxes fast never holds up
// anyone's streamed reply); if the control is not in the re-render, the
// reply is posted as new.
func (a *Adapter) deliverUpdate(ctx context.Context, o origin, r bot.Reply) error {
	for _, m := range render(r).all() {
		for _, b := range m.Blocks {
			if blockID(b) != o.blockID {
				continue
			}
			if o.messageTS == o.threadTS && isIntro(o.shown) {
				// The lesson's first card opened the thread with its
				// intro line, which stays.
				m = withIntro(m, r.Lesson, r.Title)
			}
			var err error
			if o.responseURL != "" {
				err = a.respondTo(ctx, o.responseURL, replaceOriginal(m))
			} else {
				err = a.update(ctx, o.channel, o.messageTS, m)
			}
			if err == nil {
				a.cards.Put(cardKey(o.channel, o.messageTS), m)
			}
			if err != nil || r.File == nil {
				return err
			}
			return a.upload(ctx, o.channel, o.threadTS, r.File)
		}
	}
	r.Update = false
	return a.deliverThread(ctx, o, r)
}

func blockID(b slack.Block) string {
	switch b := b.(type) {
	case *slack.ActionBlock:
		return b.BlockID
	case *slack.SectionBlock:
		return b.BlockID
	}
	return ""
}

// thread returns the learner's thread for lesson. For a start command, or
// when none is known, it is a new one, not posted yet (ThreadID ""): the
// first message posted into it opens it (postInThread), in the learner's
// DM (Channel is then their user id) or the channel the command came from.
func (a *Adapter) thread(ctx context.Context, o origin, r bot.Reply) (coursebot.Thread, error) {
	if !o.start {
		th, ok, err := a.opts.Store.ThreadFor(ctx, Platform, o.learner.Key(), r.Lesson)
		if err != nil {
			return coursebot.Thread{}, fmt.Errorf("find thread: %w", err)
		}
		if ok {
			return th, nil
		}
	}
	channel := o.channel
	if channel == "" || isDM(channel) || a.placement(channel, r.Lesson) == PlaceDM {
		channel = o.learner.UserID
	}
	// Stored by postCard once the card is posted (one write per card); if
	// posting fails before that, the next message opens a new thread.
	return coursebot.Thread{Platform: Platform, Learner: o.learner.Key(), Lesson: r.Lesson, Channel: channel}, nil
}

// postInThread posts m into th's thread. In a new thread (no ThreadID
// yet) m opens it: it is posted at the top of the DM or channel with the
// lesson's intro line and becomes the thread's root, so a lesson's first
// card is one message, seen without opening the thread. If the channel
// refuses (the bot is not in it), the thread opens in the learner's DM
// instead rather than lose the lesson.
func (a *Adapter) postInThread(ctx context.Context, th *coursebot.Thread, user string, r bot.Reply, m message) (string, error) {
	if th.ThreadID != "" {
		return a.post(ctx, th.Channel, th.ThreadID, m)
	}
	m = withIntro(m, r.Lesson, r.Title)
	ch, ts, err := a.postTo(ctx, th.Channel, "", m)
	if err != nil && th.Channel != user {
		a.logErr("post lesson thread in channel, falling back to DM", err, "channel", th.Channel)
		ch, ts, err = a.postTo(ctx, user, "", m)
	}
	if err != nil {
		return "", err
	}
	th.Channel, th.ThreadID = ch, ts
	return ts, nil
}

// withIntro puts the lesson's intro line (the label, its title, how the
// thread works) at the top of m, the message that opens the lesson's
// thread.
func withIntro(m message, lesson, title string) message {
	if isIntro(m.Blocks) || len(m.Blocks) >= maxBlocks {
		return m
	}
	t := titleAfterLabel(lesson, title)
	head := "*Lesson " + dotted(lesson) + "*"
	if t != "" {
		head += " · " + escapeTitle(t)
	}
	intro := slack.NewContextBlock(introBlock, mrkdwn(markup.Truncate(head+" — the lesson runs in this thread: press the buttons to move on; answer questions by replying in the thread.", maxContextText)))
	m.Blocks = append([]slack.Block{intro}, m.Blocks...)
	return m
}

// introBlock is the block id of a thread's intro line.
const introBlock = "intro"

func isIntro(blocks []slack.Block) bool {
	if len(blocks) == 0 {
		return false
	}
	c, ok := blocks[0].(*slack.ContextBlock)
	return ok && c.BlockID == introBlock
}

func escapeTitle(t string) string {
	if t == "" {
		return ""
	}
	return "*" + strings.ReplaceAll(strings.ReplaceAll(strings.ReplaceAll(t, "&", "&amp;"), "<", "&lt;"), ">", "&gt;") + "*"
}

// deliverThread posts a card into the lesson thread (opening it for a
// start) and, budget permitting, disables the previous card's buttons.
func (a *Adapter) deliverThread(ctx context.Context, o origin, r bot.Reply) error {
	th, err := a.thread(ctx, o, r)
	if err != nil {
		return err
	}
	a.spendControls(ctx, o, th)
	return a.postCard(ctx, th, o.learner.UserID, r)
}

// spendControls disables the previous card's buttons in th (a new card
// follows), unless they are the buttons just pressed (spent already, see
// spendPressed). A card carries its buttons, so this re-sends the card as
// it was posted, kept in memory for the purpose (cards); after a restart,
// or when Slack's Tier 3 budget for chat.update is short (an optional
// call), it is not done: a press on a card that is no longer current is
// refused politely anyway.
func (a *Adapter) spendControls(ctx context.Context, o origin, th coursebot.Thread) {
	if th.LastMessage == "" || (o.controls && th.LastMessage == o.messageTS) {
		return
	}
	key := cardKey(th.Channel, th.LastMessage)
	card, ok := a.cards.Get(key)
	if !ok {
		return
	}
	note := "Continued below ↓"
	err := a.update(ratelimit.WithPriority(ctx, ratelimit.Optional), th.Channel, th.LastMessage, message{Text: card.Text, Blocks: spentCard(card.Blocks, note)})
	if err != nil && !errors.Is(err, ratelimit.ErrSkipped) {
		a.logErr("disable previous buttons", err, "learner", th.Learner)
	}
}

// postCard posts r into th, its buttons in the card's last message (a
// card is one message unless Slack's 50 blocks split it), opening th's
// thread when it is new, and stores th with that message.
func (a *Adapter) postCard(ctx context.Context, th coursebot.Thread, user string, r bot.Reply) error {
	return a.postCardAfter(ctx, th, user, nil, r)
}

// postCardAfter is postCard with lead (when not nil) first: in the card's
// first message when there is room, so the two are one post.
func (a *Adapter) postCardAfter(ctx context.Context, th coursebot.Thread, user string, lead *message, r bot.Reply) error {
	out := render(r)
	msgs := out.all()
	switch {
	case lead == nil:
	case len(msgs) > 0 && len(lead.Blocks)+len(msgs[0].Blocks) <= maxBlocks:
		msgs[0] = message{Text: lead.Text, Blocks: append(append([]slack.Block(nil), lead.Blocks...), msgs[0].Blocks...)}
	default:
		msgs = append([]message{*lead}, msgs...)
	}
	var last string
	var lastMsg message
	for _, m := range msgs {
		if th.ThreadID == "" {
			m = withIntro(m, r.Lesson, r.Title) // as postInThread posts it, for cards
		}
		ts, err := a.postInThread(ctx, &th, user, r, m)
		if err != nil {
			return err
		}
		last, lastMsg = ts, m
	}
	if r.File != nil {
		if th.ThreadID == "" {
			return errors.New("a file with nothing to post before it")
		}
		if err := a.upload(ctx, th.Channel, th.ThreadID, r.File); err != nil {
			return err
		}
	}
	th.LastMessage = ""
	if len(out.Controls) > 0 {
		th.LastMessage = last
		a.cards.Put(cardKey(th.Channel, last), lastMsg)
	}
	th.Updated = a.now()
	if err := a.opts.Store.PutThread(ctx, th); err != nil {
		return fmt.Errorf("remember thread: %w", err)
	}
	return nil
}

// cardsKept is how many cards' last messages the adapter keeps to disable
// their buttons later (spendControls): the learners active lately.
const cardsKept = 2048

func cardKey(channel, ts string) string { return channel + "/" + ts }

// errBusy, returned by onInteraction and onEvent, makes the HTTP answer a
// 503: Slack shows the learner that the press failed, and retries an event
// later, instead of a 200 for work that was not taken.
var errBusy = errors.New("inbox full or shutting down")
