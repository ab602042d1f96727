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

	"github.com/coursebot/coursebot"
	"github.com/coursebot/coursebot/bot"
	"github.com/coursebot/coursebot/bot/markup"
	"github.com/coursebot/coursebot/delivery"
	"github.com/coursebot/coursebot/ratelimit"
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
	learner     coursebot.Learner
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
	// shown is the pressed message as Slack showed it (from the payload):
	// what its spent form keeps.
	shown []slack.Block
	// acked says the command was answered "Starting Lesson …" in its HTTP
	// response: an answer in place replaces that (replace_original).
	acked bool
}

func learnerOf(userID, name string) coursebot.Learner {
	return coursebot.Learner{Platform: Platform, UserID: userID, Name: name}
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
	return coursebot.FaultNotice
}

// onCommand commits a slash command to the inbox and acknowledges it. A
// start command of a lesson with its material (Command.Opens) is answered
// at once, in the HTTP response, with where the lesson opens ("Starting
// Lesson X.Y … it opens in our direct messages."):
// that costs no Web API call, and a burst of starts never holds requests
// open behind the queue. If the engine then cannot start the lesson, its
// sentence replaces that answer through response_url. Every other command
// waits up to FastAnswer to answer in the response itself and otherwise
// answers through response_url. It returns the response body (nil for an
// empty 200).
func (a *Adapter) onCommand(ctx context.Context, cmd slack.SlashCommand) any {
	name := bot.CommandName(cmd.Command)
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
	// Other commands wait for their answer (handoff).
	var h *handoff
	opens := a.opens(name)
	if !opens {
		h = &handoff{ch: make(chan []bot.Reply, 1)}
		it.Live = h
	}
	if msg := a.accept(ctx, it); msg != "" {
		return responseMsg(message{Text: msg})
	}
	if opens {
		return responseMsg(message{Text: a.starting(strings.TrimPrefix(name, "start-"), cmd.ChannelID)})
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
	name := bot.CommandName(cmd.Command)
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
	// A lesson that opens was answered "Starting Lesson …" in the HTTP
	// response (also when this is the work of a request acknowledged
	// before a restart): its cards follow, or the engine's sentence
	// replaces that answer.
	o.acked = o.start && a.opens(name)
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

// opens reports whether command name starts a lesson that has its
// material (Command.Opens).
func (a *Adapter) opens(name string) bool {
	if !strings.HasPrefix(name, "start-") {
		return false
	}
	for _, c := range a.opts.Commands {
		if c.Name == name {
			return c.Opens
		}
	}
	return false
}

// starting is a start command's immediate answer: where the lesson opens.
func (a *Adapter) starting(lesson, channel string) string {
	where := "in our direct messages"
	if a.placement(channel, lesson) == PlaceChannel && channel != "" && !isDM(channel) {
		where = "in a thread in this channel"
	}
	return fmt.Sprintf("Starting Lesson %s … it opens %s.", dotted(lesson), where)
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
	if errors.Is(err, coursebot.ErrFault) {
		text = coursebot.FaultNotice // the store failed, not the post
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
