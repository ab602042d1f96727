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
