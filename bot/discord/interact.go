package discord

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"

	"github.com/bwmarrin/discordgo"

	"github.com/coursebot/coursebot"
	"github.com/coursebot/coursebot/bot"
	"github.com/coursebot/coursebot/delivery"
)

// Dedup kinds of inbox items (delivery.Item.Dedup).
const (
	seenInteraction = "discord-interaction"
	seenMessage     = "discord-message"
)

const (
	msgInternal  = "Sorry, something went wrong on our side. Please try again in a moment."
	msgNoContent = "I can't read replies here (the bot lacks the Message Content intent). Press **Answer** under the question instead."
	msgSaved     = "✅ Answer saved."
)

// event is one thing a learner did, on its way through the learner's worker.
type event struct {
	id, seenKind string
	learner      coursebot.Learner
	msg          bot.Message
	channelID    string
	guildID      string
	// i is the interaction, nil for a thread message. Its follow-ups may
	// be sent only after the initial response (acked).
	i        *discordgo.Interaction
	acked    chan struct{}
	ackOnce  sync.Once
	ackErr   error
	command  bool   // an application command (its deferred reply is @original)
	message  string // MESSAGE_CREATE: the learner's message id
	thread   *coursebot.Thread
	confirmM bool // confirm a saved answer with a follow-up (modal)
}

func (e *event) ackDone() { e.ackOnce.Do(func() { close(e.acked) }) }
func (e *event) ackFailed(err error) {
	e.ackOnce.Do(func() { e.ackErr = err; close(e.acked) })
}

func learnerOf(i *discordgo.Interaction) (coursebot.Learner, bool) {
	u := i.User
	if i.Member != nil && i.Member.User != nil {
		u = i.Member.User
	}
	if u == nil || u.ID == "" {
		return coursebot.Learner{}, false
	}
	name := u.GlobalName
	if name == "" {
		name = u.Username
	}
	return coursebot.Learner{Platform: Platform, UserID: u.ID, Name: name}, true
}

func ephemeral(text string) *discordgo.InteractionResponse {
	return &discordgo.InteractionResponse{
		Type: discordgo.InteractionResponseChannelMessageWithSource,
		Data: &discordgo.InteractionResponseData{Content: text, Flags: discordgo.MessageFlagsEphemeral},
	}
}

// Inbox item kinds (delivery.Item.Kind) of Discord events; the payload is
// the interaction or message JSON as Discord sent it.
const (
	kindInteraction = Platform + "/interaction"
	kindMessage     = Platform + "/message"
)

const (
	msgBusy    = "Sorry, I am very busy right now and did nothing with that. Please try again in a minute."
	msgRestart = "The bot is restarting; please try again in a minute."
)

// accept decides the initial response to an interaction at once (Discord
// allows 3 seconds), commits the interaction (raw, its JSON) to the inbox
// and so queues the real work on the learner's worker. The returned event,
// if any, waits for ackDone/ackFailed before it uses the interaction token.
//
// A press or form on someone else's card is answered with an ephemeral
// refusal here and goes no further.
func (a *Adapter) accept(ctx context.Context, i *discordgo.Interaction, raw []byte) (*discordgo.InteractionResponse, *event) {
	resp, ev := a.classify(ctx, i)
	if ev == nil {
		return resp, nil
	}
	if !a.recent.Add("i"+i.ID, struct{}{}) {
		// A duplicate delivery: answer it the same way, do the work once.
		return resp, nil
	}
	// Keyed by who did it as well as by the interaction.
	err := a.in.Accept(ctx, delivery.Item{Kind: kindInteraction, Learner: ev.learner.Key(), Payload: raw,
		Dedup: seenInteraction + "\x00" + ev.learner.Key() + "/" + i.ID, Live: ev})
	switch {
	case err == nil:
		return resp, ev
	case errors.Is(err, delivery.ErrDuplicate):
		return resp, nil
	case errors.Is(err, delivery.ErrBusy):
		return ephemeral(msgBusy), nil // counted and summarised in the log by the inbox
	case errors.Is(err, delivery.ErrClosed):
		return ephemeral(msgRestart), nil
	}
	a.log.Error("inbox", "err", err)
	return ephemeral(coursebot.FaultNotice), nil
}

// classify decides the initial response to an interaction and, when it
// asks for work, the event that does it.
func (a *Adapter) classify(ctx context.Context, i *discordgo.Interaction) (*discordgo.InteractionResponse, *event) {
	if i.Type == discordgo.InteractionPing {
		return &discordgo.InteractionResponse{Type: discordgo.InteractionResponsePong}, nil
	}
	learner, ok := learnerOf(i)
	if !ok {
		return ephemeral("I couldn't tell who you are."), nil
	}
	if i.Data == nil && i.Type != discordgo.InteractionPing {
		// Data discordgo could not decode (a component type it does not
		// know): a sentence, never a panic in the gateway's read loop.
		return ephemeral("I can't read that yet; nothing was done."), nil
	}
	ev := &event{id: i.ID, seenKind: seenInteraction, learner: learner, i: i, channelID: i.ChannelID, guildID: i.GuildID, acked: make(chan struct{})}
	switch i.Type {
	case discordgo.InteractionApplicationCommand:
		return a.classifyCommand(i, ev)
	case discordgo.InteractionMessageComponent:
		return a.classifyComponent(ctx, i, ev)
	case discordgo.InteractionModalSubmit:
		return a.classifyModal(ctx, i, ev)
	case discordgo.InteractionApplicationCommandAutocomplete:
		return &discordgo.InteractionResponse{Type: discordgo.InteractionApplicationCommandAutocompleteResult, Data: &discordgo.InteractionResponseData{Choices: []*discordgo.ApplicationCommandOptionChoice{}}}, nil
	default:
		return ephemeral("I can't handle that yet."), nil
	}
}

// classifyCommand reads a slash command into ev's message.
func (a *Adapter) classifyCommand(i *discordgo.Interaction, ev *event) (*discordgo.InteractionResponse, *event) {
	data := i.ApplicationCommandData()
	cmd, known := a.commands[data.Name]
	if !known {
		return ephemeral("I don't know that command. Try /" + a.helpName() + "."), nil
	}
	var args []string
	for _, o := range data.Options {
		if o.Type == discordgo.ApplicationCommandOptionString {
			if s, ok := o.Value.(string); ok {
				args = append(args, strings.TrimSpace(s))
			}
		}
	}
	ev.command = true
	ev.msg = bot.Message{Learner: ev.learner, Kind: bot.KindCommand, Command: bot.CommandName(cmd.Name), Args: strings.Join(args, " ")}
	// Deferred ephemerally, lesson commands too: a refusal ("its
	// material is not installed yet") is for the learner only, and a
	// lesson's thread hangs on a starter message of its own.
	return &discordgo.InteractionResponse{Type: discordgo.InteractionResponseDeferredChannelMessageWithSource,
		Data: &discordgo.InteractionResponseData{Flags: discordgo.MessageFlagsEphemeral}}, ev
}

// classifyComponent answers a button press: the answer, reply and form
// buttons open their modal at once (the presser's own card only); any
// other press becomes ev's action.
func (a *Adapter) classifyComponent(ctx context.Context, i *discordgo.Interaction, ev *event) (*discordgo.InteractionResponse, *event) {
	learner := ev.learner
	cid := i.MessageComponentData().CustomID
	if lesson, q, owner, ok := parseAnswerID(cid); ok {
		if refusal := a.refuse(ctx, i, learner, owner, lesson); refusal != nil {
			return refusal, nil
		}
		shown := ""
		if i.Message != nil {
			shown = i.Message.Content
		}
		return answerModal(lesson, q, bot.OwnerTag(learner), shown), nil
	}
	if lesson, owner, ok := parseReplyID(cid); ok {
		if refusal := a.refuse(ctx, i, learner, owner, lesson); refusal != nil {
			return refusal, nil
		}
		return replyModal(lesson, bot.OwnerTag(learner)), nil
	}
	act, err := bot.ParseAction(cid)
	if err != nil {
		return ephemeral("That button no longer works."), nil
	}
	if refusal := a.refuse(ctx, i, learner, act.Owner, act.Lesson); refusal != nil {
		return refusal, nil
	}
	if f, lesson, ok := a.opts.Forms.Opens(cid); ok {
		return formModal(f, lesson, bot.OwnerTag(learner)), nil
	}
	ev.msg = bot.Message{Learner: learner, Kind: bot.KindAction, Action: cid}
	return &discordgo.InteractionResponse{Type: discordgo.InteractionResponseDeferredMessageUpdate}, ev
}

// classifyModal reads a submitted form: a feature's form, or an answer or
// reply to the tutor (the submitter's own card only) as ev's text.
func (a *Adapter) classifyModal(ctx context.Context, i *discordgo.Interaction, ev *event) (*discordgo.InteractionResponse, *event) {
	data := i.ModalSubmitData()
	if name, lesson, owner, ok := parseFormID(data.CustomID); ok {
		return a.submitForm(ctx, ev, name, lesson, owner, modalText(data.Components))
	}
	lesson, q, owner, ok := parseAnswerID(data.CustomID)
	reply := false
	if !ok {
		lesson, owner, reply = parseReplyID(data.CustomID)
	}
	if !ok && !reply {
		return ephemeral("That form is not mine."), nil
	}
	if refusal := a.refuse(ctx, i, ev.learner, owner, lesson); refusal != nil {
		return refusal, nil
	}
	text := strings.TrimSpace(modalText(data.Components))
	if text == "" {
		return ephemeral("Your answer was empty; nothing saved."), nil
	}
	ev.msg = bot.Message{Learner: ev.learner, Kind: bot.KindText, Text: text, Lesson: lesson, Question: q}
	ev.confirmM = !reply // a reply is answered by the tutor in the thread
	return &discordgo.InteractionResponse{Type: discordgo.InteractionResponseDeferredMessageUpdate}, ev
}

func (a *Adapter) helpName() string {
	for _, c := range a.opts.Commands {
		if strings.HasPrefix(c.Name, "help") {
			return c.Name
		}
	}
	return "status"
}

// onInteraction is the gateway's INTERACTION_CREATE handler. Handlers run in
// discordgo's read loop (SyncEvents) so order is kept; it only classifies,
// queues, and sends the initial response from a separate goroutine.
func (a *Adapter) onInteraction(ic *discordgo.InteractionCreate, raw []byte) {
	i := ic.Interaction
	resp, ev := a.accept(context.Background(), i, raw)
	if ev == nil && !a.recent.Add("r"+i.ID, struct{}{}) {
		return // duplicate: its initial response went out already
	}
	if ev != nil {
		a.recent.Add("r"+i.ID, struct{}{})
	}
	a.q.Go(func(ctx context.Context) {
		err := a.rest.respond(ctx, i, resp)
		if err != nil {
			a.log.Warn("interaction response failed", "interaction", i.ID, "err", err)
		}
		if ev != nil {
			if err != nil {
				ev.ackFailed(err)
			} else {
				ev.ackDone()
			}
		}
	})
}

// onEvent receives every gateway event with its raw JSON (kept in the
// inbox) and passes interactions and messages on.
func (a *Adapter) onEvent(_ *discordgo.Session, e *discordgo.Event) {
	switch st := e.Struct.(type) {
	case *discordgo.InteractionCreate:
		raw := e.RawData
		if norm := labelsToRows(raw); !bytes.Equal(norm, raw) {
			// A form with Label components: discordgo could not decode it.
			var ic discordgo.InteractionCreate
			if err := json.Unmarshal(norm, &ic); err != nil {
				a.log.Warn("interaction: bad json", "err", err)
				return
			}
			st, raw = &ic, norm
		}
		a.onInteraction(st, raw)
	case *discordgo.MessageCreate:
		a.onMessage(st, e.RawData)
	}
}

// onMessage is the gateway's MESSAGE_CREATE handler: replies in a lesson
// thread (and DMs) become answers. Ordinary chatter (a guild message
// outside the author's lesson thread) is not kept.
func (a *Adapter) onMessage(mc *discordgo.MessageCreate, raw []byte) {
	m := mc.Message
	if m == nil || m.Author == nil || m.Author.Bot || m.Author.ID == a.ownUserID() {
		return
	}
	if m.Type != discordgo.MessageTypeDefault && m.Type != discordgo.MessageTypeReply {
		return
	}
	if !a.recent.Add("m"+m.ID, struct{}{}) {
		return
	}
	learner := coursebot.Learner{Platform: Platform, UserID: m.Author.ID}
	if m.GuildID != "" {
		th, ok, err := a.threadByID(context.Background(), m.ChannelID)
		if err != nil {
			a.log.Error("thread lookup", "err", err)
			return
		}
		if !ok || th.Learner != learner.Key() {
			return // ordinary chatter, or someone else in a public thread
		}
	}
	err := a.in.Accept(context.Background(), delivery.Item{Kind: kindMessage, Learner: learner.Key(), Payload: raw, Dedup: seenMessage + "\x00" + learner.Key() + "/" + m.ID})
	a.refusedMessage(m.ChannelID, err)
}

// processItem does the work of one inbox item (delivery.Processor).
func (a *Adapter) processItem(ctx context.Context, it delivery.Item) error {
	switch it.Kind {
	case kindInteraction:
		ev, _ := it.Live.(*event)
		if ev == nil { // after a restart: the interaction was acknowledged
			var i discordgo.Interaction
			if err := json.Unmarshal(it.Payload, &i); err != nil {
				return delivery.Permanent(fmt.Errorf("decode interaction: %w", err))
			}
			if _, ev = a.classify(ctx, &i); ev == nil {
				return nil
			}
			ev.ackDone()
		}
		return a.process(ctx, ev)
	case kindMessage:
		var mc discordgo.MessageCreate
		if err := json.Unmarshal(it.Payload, &mc); err != nil || mc.Message == nil {
			return delivery.Permanent(fmt.Errorf("decode message: %v", err))
		}
		return a.processMessage(ctx, mc.Message)
	}
	return delivery.Permanent(fmt.Errorf("unknown item kind %q", it.Kind))
}

func (a *Adapter) processMessage(ctx context.Context, m *discordgo.Message) error {
	name := m.Author.GlobalName
	if name == "" {
		name = m.Author.Username
	}
	learner := coursebot.Learner{Platform: Platform, UserID: m.Author.ID, Name: name}
	ev := &event{id: m.ID, seenKind: seenMessage, learner: learner, channelID: m.ChannelID, guildID: m.GuildID, message: m.ID}
	ev.msg = bot.Message{Learner: learner, Kind: bot.KindText, Text: strings.TrimSpace(m.Content)}
	if m.GuildID != "" {
		th, ok, err := a.threadByID(ctx, m.ChannelID)
		if err != nil {
			return fmt.Errorf("thread lookup: %w", err)
		}
		if !ok || th.Learner != learner.Key() {
			return nil
		}
		ev.thread = &th
		ev.msg.Lesson = th.Lesson
	}
	if ev.msg.Text == "" {
		if len(m.Attachments) > 0 {
			return nil
		}
		if _, err := a.rest.send(ctx, m.ChannelID, outMsg{Content: msgNoContent}, nonce("nc", m.ID)); err != nil {
			a.log.Warn("post notice", "err", err)
			return err
		}
		return nil
	}
	return a.process(ctx, ev)
}

// process runs one event on the learner's worker: handler, delivery.
// (Duplicates were dropped when the inbox took the event.)
func (a *Adapter) process(ctx context.Context, ev *event) error {
	log := a.log.With("learner", ev.learner.Key(), "event", ev.id)
	if ev.i != nil {
		select {
		case <-ev.acked:
		case <-ctx.Done():
			return ctx.Err()
		}
		if ev.ackErr != nil {
			// The token is dead: we can still post into threads and
			// channels with the bot token.
			log.Warn("interaction not acknowledged; continuing without it", "err", ev.ackErr)
			ev.i = nil
		}
	}
	replies, err := a.opts.Handler.Handle(ctx, ev.msg)
	replies = bot.Own(replies, ev.learner) // every control it posts is the learner's
	d := &poster{a: a, ev: ev, log: log}
	if err != nil {
		err = a.redact(err)
		log.Error("handler failed", "err", err)
		d.inPlace(ctx, bot.Reply{Ephemeral: true, Blocks: []bot.Block{{Kind: bot.BlockMarkdown, Text: msgInternal}}})
		d.finish(ctx)
		return err
	}
	var failed error
	for n, r := range replies {
		d.n = n
		if r.Live != nil && r.Live.Run != nil {
			if err := d.live(ctx, r); err != nil {
				log.Error("deliver live reply", "lesson", r.Lesson, "card", r.Card, "err", err)
				d.inPlace(ctx, bot.Reply{Ephemeral: true, Blocks: []bot.Block{{Kind: bot.BlockMarkdown, Text: msgInternal}}})
			}
			continue
		}
		if r.Lesson == "" || r.Ephemeral {
			d.inPlace(ctx, r)
			continue
		}
		if err := d.toThread(ctx, r); err != nil {
			if ctx.Err() != nil {
				return err // stopping: done again at the next start
			}
			log.Error("deliver card", "lesson", r.Lesson, "card", r.Card, "err", err)
			d.inPlace(ctx, bot.Reply{Ephemeral: true, Blocks: []bot.Block{{Kind: bot.BlockMarkdown, Text: msgInternal}}})
			failed = err
		}
	}
	if ev.msg.Kind == bot.KindText && !d.sawEphemeral(replies) {
		d.confirm(ctx)
	}
	d.finish(ctx)
	return failed
}
