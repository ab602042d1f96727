package slack

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/slack-go/slack"

	"github.com/coursebot/coursebot/bot"
	"github.com/coursebot/coursebot/bot/markup"
	"github.com/coursebot/coursebot/delivery"
)

// The one sentence a learner gets when something failed on our side.
const (
	sorryInternal = "Sorry, something went wrong on my side and nothing was changed. Please try again in a minute."
	sorryPost     = "Sorry, I could not post the lesson to Slack just now. Please try again in a minute."
	sorryBusy     = "Sorry, I am very busy right now and did nothing with that. Please try again in a minute."
	sorryRestart  = "Sorry, I am restarting and did nothing with that. Please try again in a minute."
)

// origin is where a learner's message came from: what delivery needs to
// answer in place, find the thread and update the pressed message.
type origin struct {
	learner     bot.Learner
	channel     string // channel of the command, button or thread reply
	responseURL string
	threadTS    string // the thread the message or button was in
	messageTS   string // the message holding the pressed control
	ephemeral   bool   // that message is ephemeral: only response_url can change it
	blockID     string // the block holding the pressed control
	controls    bool   // the pressed control was a navigation button
	pressed     string // its label, for the spent controls message
	start       bool   // a start command: open a new lesson thread
	typed       bool   // a reply the learner typed in the lesson thread
}

func learnerOf(userID, name string) bot.Learner {
	return bot.Learner{Platform: Platform, UserID: userID, Name: name}
}

// Inbox item kinds (delivery.Item.Kind) of Slack requests.
const (
	kindCommand = Platform + "/command" // payload: slack.SlashCommand as JSON
	kindAction  = Platform + "/action"  // payload: actionItem
	kindView    = Platform + "/view"    // payload: the view_submission payload
	kindEvent   = Platform + "/event"   // payload: the Events API callback
)

// actionItem is one block action of a block_actions payload.
type actionItem struct {
	Payload json.RawMessage `json:"p"`
	Index   int             `json:"i"`
}

// accept commits it to the inbox (which queues its work) and says what to
// tell the learner if that failed: "" when accepted (or a duplicate, whose
// first copy was accepted).
func (a *Adapter) accept(ctx context.Context, it delivery.Item) string {
	err := a.in.Accept(ctx, it)
	switch {
	case err == nil, errors.Is(err, delivery.ErrDuplicate):
		return ""
	case errors.Is(err, delivery.ErrBusy):
		return sorryBusy // counted and summarised in the log by the inbox
	case errors.Is(err, delivery.ErrClosed):
		return sorryRestart
	}
	a.logErr("inbox", err, "kind", it.Kind)
	return bot.FaultNotice
}

// onCommand commits a slash command to the inbox and acknowledges it. A
// start command is acknowledged at once (an empty 200) and answered through
// response_url: "Starting Lesson X.Y … it opens …" once the engine has
// opened the lesson, or the engine's sentence when it cannot start. Every
// other command waits up to FastAnswer to answer in the response itself
// and otherwise answers through response_url. It returns the response
// body (nil for an empty 200).
func (a *Adapter) onCommand(ctx context.Context, cmd slack.SlashCommand) any {
	name := strings.ToLower(strings.TrimPrefix(strings.TrimSpace(cmd.Command), "/"))
	who := learnerOf(cmd.UserID, cmd.UserName)
	if cmd.UserID == "" || name == "" {
		return responseMsg(message{Text: "That command came without a user or a name; nothing was done."})
	}
	payload, err := json.Marshal(cmd)
	if err != nil {
		a.logErr("encode command", err)
		return responseMsg(message{Text: sorryInternal})
	}
	it := delivery.Item{Kind: kindCommand, Learner: who.Key(), Payload: payload}
	// A start is answered through response_url once the engine has opened
	// the lesson (or said why not), as Discord's is through its deferral:
	// its request returns right after the inbox commit however busy the
	// pipeline is, and a burst of starts does not hold requests open
	// behind the queue. Other commands wait for their answer (handoff).
	var h *handoff
	if !strings.HasPrefix(name, "start-") {
		h = &handoff{ch: make(chan []bot.Reply, 1)}
		it.Live = h
	}
	if msg := a.accept(ctx, it); msg != "" {
		return responseMsg(message{Text: msg})
	}
	if h == nil {
		return nil
	}
	t := time.NewTimer(a.opts.FastAnswer)
	defer t.Stop()
	select {
	case replies := <-h.ch:
		return a.inlineResponse(replies)
	case <-t.C:
		if replies, ok := h.close(); ok {
			return a.inlineResponse(replies)
		}
		return nil // the worker answers through response_url
	}
}

// process does the work of one inbox item (delivery.Processor).
func (a *Adapter) process(ctx context.Context, it delivery.Item) error {
	switch it.Kind {
	case kindCommand:
		return a.processCommand(ctx, it)
	case kindAction:
		return a.processAction(ctx, it)
	case kindView:
		return a.processView(ctx, it)
	case kindEvent:
		return a.processEvent(ctx, it)
	}
	return delivery.Permanent(fmt.Errorf("unknown item kind %q", it.Kind))
}

func (a *Adapter) processCommand(ctx context.Context, it delivery.Item) error {
	var cmd slack.SlashCommand
	if err := json.Unmarshal(it.Payload, &cmd); err != nil {
		return delivery.Permanent(fmt.Errorf("decode command: %w", err))
	}
	name := strings.ToLower(strings.TrimPrefix(strings.TrimSpace(cmd.Command), "/"))
	who := learnerOf(cmd.UserID, cmd.UserName)
	m := bot.Message{Learner: who, Kind: bot.KindCommand, Command: name, Args: strings.TrimSpace(cmd.Text)}
	o := origin{learner: who, channel: cmd.ChannelID, responseURL: cmd.ResponseURL}
	o.start = strings.HasPrefix(name, "start-")
	h, _ := it.Live.(*handoff) // nil after a restart: answer through response_url
	replies, err := a.opts.Handler.Handle(ctx, m)
	if err != nil {
		a.logErr("handler failed", err, "learner", who.Key(), "command", name)
		replies = []bot.Reply{sorry(sorryInternal)}
	}
	replies = bot.Own(replies, who)
	if o.start && !inPlace(replies) {
		// The lesson opens: say where before its cards go out.
		where := "in our direct messages"
		if a.placement(cmd.ChannelID, strings.TrimPrefix(name, "start-")) == PlaceChannel && !isDM(cmd.ChannelID) {
			where = "in a thread in this channel"
		}
		ack := sorry(fmt.Sprintf("Starting Lesson %s … it opens %s.", dotted(strings.TrimPrefix(name, "start-")), where))
		if h == nil || !h.give([]bot.Reply{ack}) {
			if err := a.respond(ctx, o.responseURL, message{Text: ack.Blocks[0].Text}); err != nil {
				a.logErr("say where the lesson opens", err, "learner", who.Key())
			}
		}
		err := a.deliver(ctx, o, replies)
		a.report(ctx, o, err)
		return err
	}
	if inPlace(replies) {
		// Answered in place (the HTTP response or response_url), which
		// cannot be edited as text streams: finish any live reply first.
		replies = bot.Settle(ctx, replies)
		// Nor can it carry files: they go to the learner's DM first, so
		// the answer says one true thing, where the file is or that it
		// could not be sent.
		var ferr error
		if replies, ferr = a.sendFiles(ctx, o, replies); ferr != nil {
			a.logErr("file upload failed", ferr, "learner", who.Key())
			// The learner is told; doing it all again would tell them twice.
			ferr = delivery.Permanent(ferr)
		}
		if h != nil && h.give(replies) {
			return ferr
		}
		if err := a.deliver(ctx, o, replies); err != nil {
			a.report(ctx, o, err)
			return errors.Join(ferr, err)
		}
		return ferr
	}
	err = a.deliver(ctx, o, replies)
	a.report(ctx, o, err)
	return err
}

// handoff passes a fast answer from the worker to the waiting request; once
// the request stopped waiting, the worker delivers through response_url.
type handoff struct {
	mu     sync.Mutex
	closed bool
	ch     chan []bot.Reply
}

func (h *handoff) give(r []bot.Reply) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closed {
		return false
	}
	h.closed = true
	h.ch <- r
	return true
}

func (h *handoff) close() ([]bot.Reply, bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.closed = true
	select {
	case r := <-h.ch:
		return r, true
	default:
		return nil, false
	}
}

// inPlace reports whether every reply is answered where it was asked.
func inPlace(rs []bot.Reply) bool {
	for _, r := range rs {
		if r.Lesson != "" && !r.Ephemeral {
			return false
		}
	}
	return true
}

func (a *Adapter) inlineResponse(rs []bot.Reply) any {
	var blocks []slack.Block
	text := ""
	for _, r := range rs {
		for _, m := range render(fileNote(r)).all() {
			if text == "" {
				text = m.Text
			}
			blocks = append(blocks, m.Blocks...)
		}
	}
	if len(blocks) > maxBlocks {
		blocks = append(blocks[:maxBlocks-1], section("_(cut to fit Slack's limit of 50 blocks)_"))
	}
	if text == "" {
		text = "Done."
	}
	return responseMsg(message{Text: text, Blocks: blocks})
}

func sorry(s string) bot.Reply {
	return bot.Reply{Ephemeral: true, Blocks: []bot.Block{{Kind: bot.BlockMarkdown, Text: s}}}
}

// handle runs the handler for m and delivers its replies; errors reach the
// learner as one sentence and the log with detail. The error is the
// delivery's (for the inbox's counts).
func (a *Adapter) handle(ctx context.Context, o origin, m bot.Message) ([]bot.Reply, error) {
	replies, err := a.opts.Handler.Handle(ctx, m)
	if err != nil {
		a.logErr("handler failed", err, "learner", o.learner.Key())
		replies = []bot.Reply{sorry(sorryInternal)}
	}
	err = a.deliver(ctx, o, replies)
	a.report(ctx, o, err)
	return replies, err
}

// report logs a delivery failure and tries to tell the learner.
func (a *Adapter) report(ctx context.Context, o origin, err error) {
	if err == nil || ctx.Err() != nil {
		return // stopping: the item is done again at the next start
	}
	a.logErr("delivery failed", err, "learner", o.learner.Key())
	text := sorryPost
	if errors.Is(err, bot.ErrFault) {
		text = bot.FaultNotice // the store failed, not the post
	}
	if o.responseURL != "" {
		if err := a.respond(ctx, o.responseURL, message{Text: text}); err == nil {
			return
		}
	}
	if o.channel != "" {
		_ = a.ephemeral(ctx, o.channel, o.learner.UserID, o.threadTS, message{Text: text})
	}
}

func isDM(channel string) bool { return strings.HasPrefix(channel, "D") }

func (a *Adapter) placement(channel, lesson string) string {
	if p, ok := a.opts.ChannelPlacement[channel]; ok {
		return p
	}
	if p, ok := a.opts.LessonPlacement[lesson]; ok {
		return p
	}
	return a.opts.Placement
}

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

// spendPressed replaces the message whose button was pressed by a note
// saying what was pressed. An ephemeral message (the Steps list, /status,
// a notice's "Show where I am") cannot be edited with chat.update: it is
// replaced through the press's response_url (replace_original).
func (a *Adapter) spendPressed(ctx context.Context, o origin) {
	note := "✓ " + o.pressed
	m := message{Text: note, Blocks: spent(note)}
	var err error
	switch {
	case o.ephemeral && o.responseURL != "":
		err = a.respondTo(ctx, o.responseURL, replaceOriginal(m))
	case o.ephemeral, o.channel == "":
		return // nothing can change it
	default:
		err = a.update(ctx, o.channel, o.messageTS, m)
	}
	if err != nil {
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
	for _, m := range msgs {
		var err error
		switch {
		case o.responseURL != "":
			err = a.respond(ctx, o.responseURL, m)
		case o.channel != "":
			err = a.ephemeral(ctx, o.channel, o.learner.UserID, o.threadTS, m)
		default:
			var dm string
			if dm, err = a.openDM(ctx, o.learner.UserID); err == nil {
				_, err = a.post(ctx, dm, "", m)
			}
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// deliverUpdate re-renders the card the pressed control was on and edits
// the message that holds it; if the control is not in the re-render, the
// reply is posted as new.
func (a *Adapter) deliverUpdate(ctx context.Context, o origin, r bot.Reply) error {
	for _, m := range render(r).Content {
		for _, b := range m.Blocks {
			if blockID(b) == o.blockID {
				if err := a.update(ctx, o.channel, o.messageTS, m); err != nil || r.File == nil {
					return err
				}
				return a.upload(ctx, o.channel, o.threadTS, r.File)
			}
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

// thread returns the learner's thread for lesson, opening a new one (a root
// message in their DM or the channel) for a start command or when none is
// known.
func (a *Adapter) thread(ctx context.Context, o origin, r bot.Reply) (bot.Thread, error) {
	if !o.start {
		th, ok, err := a.opts.Store.ThreadFor(ctx, Platform, o.learner.Key(), r.Lesson)
		if err != nil {
			return bot.Thread{}, fmt.Errorf("find thread: %w", err)
		}
		if ok {
			return th, nil
		}
	}
	title := titleAfterLabel(r.Lesson, r.Title)
	label := "Lesson " + dotted(r.Lesson)
	head := "*" + label + "*"
	if title != "" {
		label += ": " + title
		head += " · " + escapeTitle(title)
	}
	root := message{
		Text:   markup.Truncate(label, maxFallbackText),
		Blocks: []slack.Block{section(markup.Truncate(head+"\nThe lesson runs in this thread. Press the buttons to move on; answer questions by replying in this thread.", maxSectionText))},
	}
	channel := o.channel
	if channel == "" || isDM(channel) || a.placement(channel, r.Lesson) == PlaceDM {
		dm, err := a.openDM(ctx, o.learner.UserID)
		if err != nil {
			return bot.Thread{}, err
		}
		channel = dm
	}
	ts, err := a.post(ctx, channel, "", root)
	if err != nil && channel == o.channel {
		// Not in that channel (not_in_channel, channel_not_found...): fall
		// back to the learner's DM rather than lose the lesson.
		a.logErr("post lesson thread in channel, falling back to DM", err, "channel", channel)
		if channel, err = a.openDM(ctx, o.learner.UserID); err == nil {
			ts, err = a.post(ctx, channel, "", root)
		}
	}
	if err != nil {
		return bot.Thread{}, err
	}
	// Stored by deliverThread once the card is posted (one write per card);
	// if posting fails before that, the next message opens a new thread.
	return bot.Thread{Platform: Platform, Learner: o.learner.Key(), Lesson: r.Lesson, Channel: channel, ThreadID: ts}, nil
}

func escapeTitle(t string) string {
	if t == "" {
		return ""
	}
	return "*" + strings.ReplaceAll(strings.ReplaceAll(strings.ReplaceAll(t, "&", "&amp;"), "<", "&lt;"), ">", "&gt;") + "*"
}

// deliverThread posts a card into the lesson thread: it disables the
// previous card's buttons, posts the content and then the new buttons, and
// remembers the buttons' message so the next card can disable them.
func (a *Adapter) deliverThread(ctx context.Context, o origin, r bot.Reply) error {
	th, err := a.thread(ctx, o, r)
	if err != nil {
		return err
	}
	a.spendControls(ctx, o, th)
	return a.postCard(ctx, th, r)
}

// spendControls replaces the previous card's buttons in th by a note (a
// new card follows), unless they are the buttons just pressed (spent
// already, see spendPressed).
func (a *Adapter) spendControls(ctx context.Context, o origin, th bot.Thread) {
	if th.LastMessage != "" && (!o.controls || th.LastMessage != o.messageTS) {
		if err := a.update(ctx, th.Channel, th.LastMessage, message{Text: "Continued below", Blocks: spent("Continued below ↓")}); err != nil {
			a.logErr("disable previous buttons", err, "learner", th.Learner)
		}
	}
}

// postCard posts r's content and then its buttons into th, and stores th
// with the buttons' message (none when r has no buttons).
func (a *Adapter) postCard(ctx context.Context, th bot.Thread, r bot.Reply) error {
	out := render(r)
	for _, m := range out.Content {
		if _, err := a.post(ctx, th.Channel, th.ThreadID, m); err != nil {
			return err
		}
	}
	if r.File != nil {
		if err := a.upload(ctx, th.Channel, th.ThreadID, r.File); err != nil {
			return err
		}
	}
	th.LastMessage = ""
	if len(out.Controls) > 0 {
		ts, err := a.post(ctx, th.Channel, th.ThreadID, message{Text: "Lesson " + dotted(r.Lesson) + " controls", Blocks: out.Controls})
		if err != nil {
			return err
		}
		th.LastMessage = ts
	}
	th.Updated = a.now()
	if err := a.opts.Store.PutThread(ctx, th); err != nil {
		return fmt.Errorf("remember thread: %w", err)
	}
	return nil
}

// errBusy, returned by onInteraction and onEvent, makes the HTTP answer a
// 503: Slack shows the learner that the press failed, and retries an event
// later, instead of a 200 for work that was not taken.
var errBusy = errors.New("inbox full or shutting down")
