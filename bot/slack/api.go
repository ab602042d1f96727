package slack

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"time"

	"github.com/slack-go/slack"
)

// Retries. A Web API call is retried when Slack says it was not done (429
// rate limited: wait Retry-After) or may not have been (5xx, timeouts, a
// dropped connection: back off and retry). Calls that are safe to repeat
// (chat.update, conversations.open, reactions.add) are simply repeated.
// chat.postMessage is not: a post that timed out may have been made. So every
// post carries message metadata with a fresh delivery id, and before a retry
// after an ambiguous failure the adapter reads the thread (or channel)
// history and, if the post is there, takes its ts instead of posting again.
// A post is therefore neither lost (it is retried) nor doubled (it is looked
// for first). If Slack keeps failing beyond the attempts, the learner gets
// one sentence and the operator log the detail.

const metaEvent = "coursebot_post"

// ambiguous reports failures after which a request may have been applied.
func ambiguous(err error) bool {
	var sc slack.StatusCodeError
	if errors.As(err, &sc) {
		return sc.Code >= 500
	}
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return true
	}
	return errors.Is(err, context.DeadlineExceeded) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF)
}

// retryWait says whether err is worth another try and how long to wait.
func (a *Adapter) retryWait(err error, backoff time.Duration) (time.Duration, bool) {
	var rl *slack.RateLimitedError
	if errors.As(err, &rl) {
		return max(rl.RetryAfter, 100*time.Millisecond), true
	}
	var sc slack.StatusCodeError
	if errors.As(err, &sc) && sc.Code == http.StatusTooManyRequests {
		return max(backoff, time.Second), true // 429 without Retry-After
	}
	if ambiguous(err) {
		return backoff, true
	}
	var oe *net.OpError
	if errors.As(err, &oe) {
		return backoff, true // connection refused/reset
	}
	return 0, false
}

// call runs f with a per-call timeout, retrying as described above. before
// runs ahead of each retry that follows an ambiguous failure; if it reports
// done, the call counts as made.
func (a *Adapter) call(ctx context.Context, op string, f func(context.Context) error, before func(context.Context) (bool, error)) error {
	backoff := a.opts.Backoff
	var err error
	for attempt := 1; ; attempt++ {
		cctx, cancel := context.WithTimeout(ctx, a.opts.CallTimeout)
		err = f(cctx)
		cancel()
		if err == nil {
			return nil
		}
		if ctx.Err() != nil {
			return fmt.Errorf("%s: %w", op, ctx.Err())
		}
		wait, ok := a.retryWait(err, backoff)
		if !ok || attempt >= a.opts.Attempts {
			return fmt.Errorf("%s (attempt %d): %w", op, attempt, err)
		}
		a.log.Warn("slack api retry", "op", op, "attempt", attempt, "wait", wait, "err", a.redact(err.Error()))
		if !sleep(ctx, wait) {
			return fmt.Errorf("%s: %w", op, ctx.Err())
		}
		if _, rate := errors.AsType[*slack.RateLimitedError](err); !rate && ambiguous(err) {
			backoff *= 2
			if before != nil {
				cctx, cancel := context.WithTimeout(ctx, a.opts.CallTimeout)
				done, berr := before(cctx)
				cancel()
				if berr != nil {
					// Cannot tell whether the post was made: do not risk a
					// double; count it as another failed attempt.
					a.log.Warn("slack api: cannot check for an earlier post", "op", op, "err", a.redact(berr.Error()))
					attempt++
					if attempt >= a.opts.Attempts {
						return fmt.Errorf("%s: could not confirm an earlier attempt: %w", op, berr)
					}
					if !sleep(ctx, backoff) {
						return fmt.Errorf("%s: %w", op, ctx.Err())
					}
					done, berr = before(ctx)
					if berr != nil {
						return fmt.Errorf("%s: could not confirm an earlier attempt: %w", op, berr)
					}
				}
				if done {
					return nil
				}
			}
		}
	}
}

func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}

func deliveryID() string {
	b := make([]byte, 12)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// post makes one chat.postMessage (in thread when threadTS is set) and
// returns its ts, never posting twice (see above).
func (a *Adapter) post(ctx context.Context, channel, threadTS string, m message) (string, error) {
	did := deliveryID()
	opts := []slack.MsgOption{
		slack.MsgOptionText(m.Text, false),
		slack.MsgOptionBlocks(m.Blocks...),
		slack.MsgOptionMetadata(slack.SlackMetadata{EventType: metaEvent, EventPayload: map[string]any{"id": did}}),
	}
	if threadTS != "" {
		opts = append(opts, slack.MsgOptionTS(threadTS))
	}
	var ts string
	err := a.call(ctx, "chat.postMessage", func(ctx context.Context) error {
		_, t, err := a.api.PostMessageContext(ctx, channel, opts...)
		ts = t
		return err
	}, func(ctx context.Context) (bool, error) {
		t, err := a.findPost(ctx, channel, threadTS, did)
		ts = t
		return t != "", err
	})
	return ts, err
}

// findPost looks for a message carrying delivery id did among the latest
// messages of the thread (or channel).
func (a *Adapter) findPost(ctx context.Context, channel, threadTS, did string) (string, error) {
	var msgs []slack.Message
	if threadTS != "" {
		m, _, _, err := a.api.GetConversationRepliesContext(ctx, &slack.GetConversationRepliesParameters{
			ChannelID: channel, Timestamp: threadTS, Limit: 200, IncludeAllMetadata: true})
		if err != nil {
			return "", fmt.Errorf("conversations.replies: %w", err)
		}
		msgs = m
	} else {
		h, err := a.api.GetConversationHistoryContext(ctx, &slack.GetConversationHistoryParameters{
			ChannelID: channel, Limit: 50, IncludeAllMetadata: true})
		if err != nil {
			return "", fmt.Errorf("conversations.history: %w", err)
		}
		msgs = h.Messages
	}
	for _, m := range msgs {
		if m.Metadata.EventType == metaEvent && m.Metadata.EventPayload["id"] == did {
			return m.Timestamp, nil
		}
	}
	return "", nil
}

// update replaces a message's blocks (chat.update: safe to repeat).
func (a *Adapter) update(ctx context.Context, channel, ts string, m message) error {
	return a.call(ctx, "chat.update", func(ctx context.Context) error {
		_, _, _, err := a.api.UpdateMessageContext(ctx, channel, ts, slack.MsgOptionText(m.Text, false), slack.MsgOptionBlocks(m.Blocks...))
		return err
	}, nil)
}

// ephemeral posts a message only user sees (chat.postEphemeral). A double
// is harmless here (it vanishes on reload), so it is retried like the rest.
func (a *Adapter) ephemeral(ctx context.Context, channel, user, threadTS string, m message) error {
	opts := []slack.MsgOption{slack.MsgOptionText(m.Text, false), slack.MsgOptionBlocks(m.Blocks...)}
	if threadTS != "" {
		opts = append(opts, slack.MsgOptionTS(threadTS))
	}
	return a.call(ctx, "chat.postEphemeral", func(ctx context.Context) error {
		_, err := a.api.PostEphemeralContext(ctx, channel, user, opts...)
		return err
	}, nil)
}

// openDM returns the id of the bot's DM with user (conversations.open).
func (a *Adapter) openDM(ctx context.Context, user string) (string, error) {
	var id string
	err := a.call(ctx, "conversations.open", func(ctx context.Context) error {
		ch, _, _, err := a.api.OpenConversationContext(ctx, &slack.OpenConversationParameters{Users: []string{user}})
		if err == nil {
			id = ch.ID
		}
		return err
	}, nil)
	return id, err
}

// react adds an emoji reaction to a message; "already_reacted" is success.
func (a *Adapter) react(ctx context.Context, channel, ts, name string) error {
	return a.call(ctx, "reactions.add", func(ctx context.Context) error {
		err := a.api.AddReactionContext(ctx, name, slack.NewRefToMessage(channel, ts))
		if err != nil && err.Error() == "already_reacted" {
			return nil
		}
		return err
	}, nil)
}

// respond posts to a response_url (ephemeral by default). Slack allows 5
// uses in 30 minutes; failures are retried like Web API calls.
func (a *Adapter) respond(ctx context.Context, url string, m message) error {
	body, err := json.Marshal(responseMsg(m))
	if err != nil {
		return fmt.Errorf("response_url: encode: %w", err)
	}
	return a.call(ctx, "response_url", func(ctx context.Context) error {
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
		if err != nil {
			return err
		}
		req.Header.Set("Content-Type", "application/json")
		resp, err := a.http.Do(req)
		if err != nil {
			return err
		}
		defer resp.Body.Close()
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<16))
		if resp.StatusCode >= 300 { // 429 and 5xx are retried by call
			return slack.StatusCodeError{Code: resp.StatusCode, Status: resp.Status}
		}
		return nil
	}, nil)
}

// ephemeralResponse is the JSON of an ephemeral slash-command or
// response_url answer.
type ephemeralResponse struct {
	ResponseType    string        `json:"response_type"`
	Text            string        `json:"text"`
	Blocks          []slack.Block `json:"blocks,omitempty"`
	ReplaceOriginal bool          `json:"replace_original"`
}

func responseMsg(m message) ephemeralResponse {
	return ephemeralResponse{ResponseType: "ephemeral", Text: m.Text, Blocks: m.Blocks}
}
