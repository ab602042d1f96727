package slack

import (
	"context"
	"fmt"

	"github.com/slack-go/slack"
	"github.com/slack-go/slack/slackevents"
	"github.com/slack-go/slack/socketmode"
)

// runSocket runs Socket Mode until ctx is done: the same handlers as HTTP
// mode, every envelope acknowledged (slash commands and modal submissions
// with their response as the ack payload). slack-go's client reconnects on
// "disconnect" and "refresh_requested" and when the socket drops. There are
// no signatures over the socket: the app token authenticates the connection.
func (a *Adapter) runSocket(ctx context.Context) error {
	sm := socketmode.New(a.api)
	errc := make(chan error, 1)
	go func() { errc <- sm.RunContext(ctx) }()
	defer a.socketUp.Store(false)
	for {
		select {
		case <-ctx.Done():
			return <-errc
		case err := <-errc:
			if ctx.Err() != nil {
				return ctx.Err()
			}
			return fmt.Errorf("slack socket mode: %s", a.redact(err.Error()))
		case evt := <-sm.Events:
			// Connection state is tracked here, in arrival order, for Ready.
			switch evt.Type {
			case socketmode.EventTypeConnected:
				a.socketUp.Store(true)
			case socketmode.EventTypeConnecting, socketmode.EventTypeConnectionError,
				socketmode.EventTypeInvalidAuth, socketmode.EventTypeDisconnect:
				a.socketUp.Store(false)
			}
			// Own goroutine: a status command may wait up to FastAnswer
			// for its answer, and must not hold up other envelopes.
			a.q.Go(func(context.Context) { a.onSocketEvent(ctx, sm, evt) })
		}
	}
}

func (a *Adapter) onSocketEvent(ctx context.Context, sm *socketmode.Client, evt socketmode.Event) {
	ack := func(payload any) {
		if evt.Request == nil {
			return
		}
		var err error
		if payload == nil {
			err = sm.AckCtx(ctx, evt.Request.EnvelopeID, nil)
		} else {
			err = sm.AckCtx(ctx, evt.Request.EnvelopeID, payload)
		}
		if err != nil {
			a.logErr("socket mode ack", err)
		}
	}
	switch evt.Type {
	case socketmode.EventTypeSlashCommand:
		cmd, ok := evt.Data.(slack.SlashCommand)
		if !ok {
			ack(nil)
			return
		}
		ack(a.onCommand(ctx, cmd))
	case socketmode.EventTypeInteractive:
		cb, ok := evt.Data.(slack.InteractionCallback)
		if !ok {
			ack(nil)
			return
		}
		var raw []byte
		if evt.Request != nil {
			raw = evt.Request.Payload
		}
		resp, err := a.onInteraction(ctx, cb, raw)
		if err != nil {
			// Not acknowledged: Slack tells the learner it failed.
			return
		}
		ack(resp)
	case socketmode.EventTypeEventsAPI:
		ev, ok := evt.Data.(slackevents.EventsAPIEvent)
		if ok && evt.Request != nil {
			if err := a.onEvent(ctx, ev, evt.Request.Payload); err != nil {
				return // not acknowledged: Slack sends it again
			}
		}
		ack(nil)
	case socketmode.EventTypeConnected:
		a.log.Info("socket mode connected")
	case socketmode.EventTypeConnectionError, socketmode.EventTypeInvalidAuth:
		a.log.Warn("socket mode connection problem", "event", string(evt.Type))
	case socketmode.EventTypeDisconnect:
		a.log.Info("socket mode: Slack asked to reconnect")
	}
}
