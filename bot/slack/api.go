package slack

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/slack-go/slack"

	"github.com/coursebot/coursebot/delivery"
	"github.com/coursebot/coursebot/ratelimit"
)

// Retries. Every Web API call makes one attempt here and reports what
// happened as a delivery error: a 429 is delivery.RateLimited (wait
// Retry-After), a 5xx, a timeout or a dropped connection is plain (retry
// with backoff: the call was not made or may have been), anything else
// Slack refused is delivery.Permanent (no retry will fix it). The retrying
// itself is delivery.Policy's, the same for every platform. Calls that are
// safe to repeat (chat.update, conversations.open, reactions.add) are
// simply repeated. chat.postMessage is not: a post that timed out may have
// been made. So every post carries message metadata with its delivery id
// (the work's idempotency key, see delivery.Key), and before a post that
// may have been made already (a retry after an ambiguous failure, or work
// recovered after a restart) the adapter reads the thread (or channel)
// history and, if the post is there, takes its ts instead of posting again.
// A post is therefore neither lost (it is retried) nor doubled (it is
// looked for first). If Slack keeps failing beyond the attempts, the
// learner gets one sentence and the operator log the detail.

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

// wireError turns a Web API error into a delivery error (see above).
func wireError(err error) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, ratelimit.ErrSkipped) {
		return delivery.Permanent(err) // an optional call not made: nothing to retry
	}
	var rl *slack.RateLimitedError
	if errors.As(err, &rl) {
		return delivery.RateLimited(err, max(rl.RetryAfter, 100*time.Millisecond))
	}
	var sc slack.StatusCodeError
	if errors.As(err, &sc) && sc.Code == http.StatusTooManyRequests {
		return delivery.RateLimited(err, time.Second) // 429 without Retry-After
	}
	if ambiguous(err) {
		return err
	}
	var oe *net.OpError
	if errors.As(err, &oe) {
		return err // connection refused/reset
	}
	if se, ok := errors.AsType[slack.SlackErrorResponse](err); ok && transientCodes[se.Err] {
		return err
	}
	return delivery.Permanent(err)
}

// transientCodes are the Web API error codes that say Slack failed, not
// the request: worth another try.
var transientCodes = map[string]bool{
	"internal_error": true, "fatal_error": true, "service_unavailable": true, "request_timeout": true, "ratelimited": true,
}

// call runs f (one Web API call, paced by the rate limiter and then
// bounded by CallTimeout: see Options.HTTPClient) under the retry policy.
// f learns whether the call may have been made before (a retry after an
// ambiguous failure).
func (a *Adapter) call(ctx context.Context, op string, f func(ctx context.Context, again bool) error) error {
	return a.retry.Do(ctx, op, func(ctx context.Context, attempt int, prev error) error {
		return wireError(f(ctx, prev != nil && ambiguous(prev)))
	})
}

// post makes one chat.postMessage (in thread when threadTS is set) and
// returns its ts, never posting twice (see above).
func (a *Adapter) post(ctx context.Context, channel, threadTS string, m message) (string, error) {
	_, ts, err := a.postTo(ctx, channel, threadTS, m)
	return ts, err
}

// postTo is post that also returns the channel the message went to: to
// post to a learner's DM, channel may be their user id, and Slack answers
// with the DM's channel id (no conversations.open needed; the id is
// remembered for the file uploads that do need it).
func (a *Adapter) postTo(ctx context.Context, channel, threadTS string, m message) (string, string, error) {
	did, repeat := delivery.NextMessage(ctx)
	// The earliest moment a message with this delivery id can have been
	// posted: this process's first attempt, or, for work that may have
	// run before, when the work was first asked for.
	since := a.now()
	if k, ok := delivery.KeyFrom(ctx); ok && repeat {
		since = k.Since()
	}
	opts := []slack.MsgOption{
		slack.MsgOptionText(m.Text, false),
		slack.MsgOptionBlocks(m.Blocks...),
		slack.MsgOptionMetadata(slack.SlackMetadata{EventType: metaEvent, EventPayload: map[string]any{"id": did}}),
	}
	if threadTS != "" {
		opts = append(opts, slack.MsgOptionTS(threadTS))
	}
	var ch, ts string
	err := a.call(ctx, "chat.postMessage", func(ctx context.Context, again bool) error {
		if again || repeat {
			// A post to a user id went to their DM: look there.
			where := channel
			if isUser(channel) {
				dm, err := a.openDM(ctx, channel)
				if err != nil {
					return fmt.Errorf("could not confirm an earlier attempt: %w", err)
				}
				where = dm
			}
			t, err := a.findPost(ctx, where, threadTS, did, since)
			if err != nil {
				// Cannot tell whether the post was made: do not risk a
				// double; count it as another failed attempt.
				return fmt.Errorf("could not confirm an earlier attempt: %w", err)
			}
			if t != "" {
				ch, ts = where, t
				return nil
			}
		}
		c, t, err := a.api.PostMessageContext(ctx, channel, opts...)
		ch, ts = c, t
		return err
	})
	if err == nil && isUser(channel) && ch != "" {
		a.dms.Put(channel, ch)
	}
	if ch == "" {
		ch = channel
	}
	return ch, ts, err
}

// isUser reports whether id is a user id (U…, or W… for Enterprise Grid):
// a post to it goes to the bot's DM with that user.
func isUser(id string) bool { return strings.HasPrefix(id, "U") || strings.HasPrefix(id, "W") }

// clockSkew is how much earlier than our own clock says a look-up starts:
// room for Slack's clock to differ from ours.
const clockSkew = 5 * time.Minute

// lookupPage is the page size a look-up asks for. Slack may give fewer
// (15 at most to apps outside the Marketplace since 2025); the cursor
// brings the rest.
const lookupPage = 200

// findPost looks for a message carrying delivery id did in the thread (or,
// for a top-level post, the channel), among the messages posted since
// since (less clockSkew; zero reads them all). It pages through them, so
// the answer does not depend on how long the thread is, and bounding it by
// time keeps it to one call in the common case: conversations.replies and
// .history are among Slack's most tightly limited methods.
func (a *Adapter) findPost(ctx context.Context, channel, threadTS, did string, since time.Time) (string, error) {
	oldest := ""
	if !since.IsZero() {
		oldest = slackTime(since.Add(-clockSkew))
	}
	cursor := ""
	for {
		var (
			msgs []slack.Message
			more bool
			next string
		)
		if threadTS != "" {
			m, hasMore, nc, err := a.api.GetConversationRepliesContext(ctx, &slack.GetConversationRepliesParameters{
				ChannelID: channel, Timestamp: threadTS, Oldest: oldest, Cursor: cursor, Limit: lookupPage, IncludeAllMetadata: true})
			if err != nil {
				return "", fmt.Errorf("conversations.replies: %w", err)
			}
			msgs, more, next = m, hasMore, nc
		} else {
			h, err := a.api.GetConversationHistoryContext(ctx, &slack.GetConversationHistoryParameters{
				ChannelID: channel, Oldest: oldest, Cursor: cursor, Limit: lookupPage, IncludeAllMetadata: true})
			if err != nil {
				return "", fmt.Errorf("conversations.history: %w", err)
			}
			msgs, more, next = h.Messages, h.HasMore, h.ResponseMetaData.NextCursor
		}
		for _, m := range msgs {
			if m.Metadata.EventType == metaEvent && m.Metadata.EventPayload["id"] == did {
				return m.Timestamp, nil
			}
		}
		if !more || next == "" {
			return "", nil
		}
		cursor = next
	}
}

// slackTime is t as a Slack timestamp ("1750000000.000100").
func slackTime(t time.Time) string {
	return fmt.Sprintf("%d.%06d", t.Unix(), t.Nanosecond()/1000)
}

// update replaces a message's blocks (chat.update: safe to repeat). Under
// a context of ratelimit.Optional priority it is not made when the Tier 3
// budget is short: it then returns an error ratelimit.ErrSkipped matches.
func (a *Adapter) update(ctx context.Context, channel, ts string, m message) error {
	return a.call(ctx, "chat.update", func(ctx context.Context, _ bool) error {
		_, _, _, err := a.api.UpdateMessageContext(ctx, channel, ts, slack.MsgOptionText(m.Text, false), slack.MsgOptionBlocks(m.Blocks...))
		return err
	})
}

// ephemeral posts a message only user sees (chat.postEphemeral). A double
// is harmless here (it vanishes on reload), so it is retried like the rest.
func (a *Adapter) ephemeral(ctx context.Context, channel, user, threadTS string, m message) error {
	opts := []slack.MsgOption{slack.MsgOptionText(m.Text, false), slack.MsgOptionBlocks(m.Blocks...)}
	if threadTS != "" {
		opts = append(opts, slack.MsgOptionTS(threadTS))
	}
	return a.call(ctx, "chat.postEphemeral", func(ctx context.Context, _ bool) error {
		_, err := a.api.PostEphemeralContext(ctx, channel, user, opts...)
		return err
	})
}

// dmCacheSize is how many learners' DM channels the adapter remembers.
const dmCacheSize = 10000

// openDM returns the id of the bot's DM with user, which only file uploads
// and the look-up of an earlier post need (messages are posted to the user
// id: postTo). conversations.open is rate limited (Tier 3) and Slack gives
// a user and a bot one IM channel for good, so it is asked once per user
// while the adapter runs (for the last dmCacheSize users), unless a post
// to the user told it already; a failed open is not kept.
func (a *Adapter) openDM(ctx context.Context, user string) (string, error) {
	if id, ok := a.dms.Get(user); ok {
		return id, nil
	}
	var id string
	err := a.call(ctx, "conversations.open", func(ctx context.Context, _ bool) error {
		ch, _, _, err := a.api.OpenConversationContext(ctx, &slack.OpenConversationParameters{Users: []string{user}})
		if err == nil {
			id = ch.ID
		}
		return err
	})
	if err == nil && id != "" {
		a.dms.Put(user, id)
	}
	return id, err
}

// react adds an emoji reaction to a message; "already_reacted" is success.
func (a *Adapter) react(ctx context.Context, channel, ts, name string) error {
	return a.call(ctx, "reactions.add", func(ctx context.Context, _ bool) error {
		err := a.api.AddReactionContext(ctx, name, slack.NewRefToMessage(channel, ts))
		if err != nil && err.Error() == "already_reacted" {
			return nil
		}
		return err
	})
}

// respond posts to a response_url (ephemeral by default). Slack allows 5
// uses in 30 minutes; failures are retried like Web API calls.
func (a *Adapter) respond(ctx context.Context, url string, m message) error {
	return a.respondTo(ctx, url, responseMsg(m))
}

// respondTo posts resp to a response_url: a new ephemeral message, or one
// that replaces the message whose button was pressed (replaceOriginal).
func (a *Adapter) respondTo(ctx context.Context, url string, resp ephemeralResponse) error {
	body, err := json.Marshal(resp)
	if err != nil {
		return fmt.Errorf("response_url: encode: %w", err)
	}
	return a.call(ctx, "response_url", func(ctx context.Context, _ bool) error {
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
		if err != nil {
			return err
		}
		req.Header.Set("Content-Type", "application/json")
		resp, err := a.http.Do(req)
		if err != nil {
			return err
		}
		defer func() { _ = resp.Body.Close() }() // read-only, drained
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<16))
		if resp.StatusCode >= 300 { // 429 and 5xx are retried by call
			return slack.StatusCodeError{Code: resp.StatusCode, Status: resp.Status}
		}
		return nil
	})
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

// replaceOriginal is m in place of the message whose button was pressed
// (the only way to change an ephemeral message).
func replaceOriginal(m message) ephemeralResponse {
	r := responseMsg(m)
	r.ReplaceOriginal = true
	return r
}
