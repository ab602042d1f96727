package discord

import (
	"context"
	"crypto/sha256"
	"encoding/base32"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/bwmarrin/discordgo"

	"github.com/coursebot/coursebot/delivery"
	"github.com/coursebot/coursebot/ratelimit"
)

// rewriteClient returns a copy of base (or a default client) whose transport
// sends discordgo's fixed https://discord.com/api/v9/ URLs to apiURL instead,
// through the rate limiter (pace's options, whose Next is base's
// transport). discordgo computes its Endpoint* variables once at init, so
// this is the only way to point it at a REST proxy or a test server. The
// client's Timeout (default 20 s) bounds each call once its budget is
// there; the wait for the budget is not counted.
func rewriteClient(base *http.Client, apiURL string, limits ratelimit.DiscordLimits, pace ratelimit.Options) (*http.Client, *ratelimit.Transport) {
	c := &http.Client{Timeout: 20 * time.Second}
	if base != nil {
		cp := *base
		c = &cp
	}
	pace.Next = c.Transport
	if pace.Timeout <= 0 {
		pace.Timeout = c.Timeout
	}
	tr := ratelimit.NewDiscord(apiURL, limits, pace)
	c.Transport = &rewriteTransport{base: tr, from: discordgo.EndpointAPI, to: apiURL}
	c.Timeout = 0
	return c, tr
}

type rewriteTransport struct {
	base     http.RoundTripper
	from, to string
}

func (t *rewriteTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	full := req.URL.String()
	if !strings.HasPrefix(full, t.from) {
		return t.base.RoundTrip(req)
	}
	u, err := url.Parse(t.to + strings.TrimPrefix(full, t.from))
	if err != nil {
		return nil, errors.New("discord: bad api url")
	}
	r2 := req.Clone(req.Context())
	r2.URL = u
	r2.Host = u.Host
	return t.base.RoundTrip(r2)
}

// apiError is a Discord REST failure with the URL (which may hold an
// interaction token) left out.
type apiError struct {
	Status     int
	Code       int // Discord's JSON error code, 0 if none
	Message    string
	RetryAfter time.Duration
}

func (e *apiError) Error() string {
	if e.Status == http.StatusTooManyRequests {
		return fmt.Sprintf("HTTP 429 rate limited (retry after %v)", e.RetryAfter)
	}
	if e.Code != 0 {
		return fmt.Sprintf("HTTP %d (code %d: %s)", e.Status, e.Code, e.Message)
	}
	return fmt.Sprintf("HTTP %d", e.Status)
}

// Discord JSON error codes the adapter reacts to.
const (
	codeUnknownChannel = 10003
	codeUnknownMessage = 10008
	codeUnknownUser    = 10013
	codeCannotDM       = 50007 // "Cannot send messages to this user"
	codeThreadArchived = 50083
)

// sanitize turns discordgo's errors into ones that never carry a URL or a
// token: RESTError.Error includes only status and body, but url.Error and
// RateLimitError name the URL, and interaction URLs contain the token.
func sanitize(err error) error {
	if err == nil {
		return nil
	}
	var rl *discordgo.RateLimitError
	if errors.As(err, &rl) && rl.RateLimit != nil && rl.TooManyRequests != nil {
		return &apiError{Status: http.StatusTooManyRequests, RetryAfter: rl.RetryAfter}
	}
	var re *discordgo.RESTError
	if errors.As(err, &re) && re.Response != nil {
		ae := &apiError{Status: re.Response.StatusCode}
		if re.Message != nil {
			ae.Code = re.Message.Code
			ae.Message = re.Message.Message
		}
		return ae
	}
	var ue *url.Error
	if errors.As(err, &ue) {
		return fmt.Errorf("%s request: %w", ue.Op, ue.Err)
	}
	return err
}

// redact returns err with the bot token taken out of its text (a
// handler's error may carry what it was given), or err itself when the
// token is not in it.
func (a *Adapter) redact(err error) error {
	if a.opts.Token == "" || !strings.Contains(err.Error(), a.opts.Token) {
		return err
	}
	return errors.New(strings.ReplaceAll(err.Error(), a.opts.Token, "<secret>"))
}

func statusOf(err error) (status, code int) {
	var ae *apiError
	if errors.As(err, &ae) {
		return ae.Status, ae.Code
	}
	return 0, 0
}

// rest runs discordgo calls, one attempt each, under the delivery
// pipeline's retry policy: a 429 is delivery.RateLimited (wait
// retry_after), a 5xx or a network error is retried with backoff for calls
// that are safe to repeat (a message create with a nonce is), and anything
// else Discord refused, or an ambiguous failure of a call that is not safe
// to repeat, is delivery.Permanent. Every wait honours ctx, and because
// calls run on the calling learner's worker, a rate-limited learner waits
// alone.
type rest struct {
	s      *discordgo.Session
	policy delivery.Policy
}

// wireError turns a sanitized REST error into a delivery error (see rest).
func wireError(err error, idempotent bool) error {
	if errors.Is(err, ratelimit.ErrSkipped) {
		return delivery.Permanent(err) // an optional call not made: nothing to retry
	}
	status, _ := statusOf(err)
	switch {
	case status == http.StatusTooManyRequests:
		var ae *apiError
		errors.As(err, &ae)
		wait := ae.RetryAfter
		if wait <= 0 {
			wait = time.Second
		}
		return delivery.RateLimited(err, wait)
	case idempotent && (status >= 500 || status == 0):
		return err
	}
	return delivery.Permanent(err)
}

// call runs fn, retrying as described on rest. idempotent says a 5xx or a
// network error may be retried (the request cannot have taken effect twice).
func (r *rest) call(ctx context.Context, what string, idempotent bool, fn func(opt discordgo.RequestOption) error) error {
	err := r.policy.Do(ctx, what, func(ctx context.Context, _ int, _ error) error {
		err := sanitize(fn(discordgo.WithContext(ctx)))
		if err == nil {
			return nil
		}
		return wireError(err, idempotent)
	})
	if err != nil {
		return fmt.Errorf("discord %w", err)
	}
	return nil
}

// outMsg is one Discord message: content within 2000 characters and at most
// five action rows.
type outMsg struct {
	Content    string
	Components []discordgo.MessageComponent
}

// messageCreate is POST /channels/{id}/messages with a nonce: with
// enforce_nonce Discord returns the earlier message instead of creating a
// second one when a retry repeats a request that had in fact succeeded.
type messageCreate struct {
	Content         string                            `json:"content"`
	Components      []discordgo.MessageComponent      `json:"components"`
	Nonce           string                            `json:"nonce,omitempty"`
	EnforceNonce    bool                              `json:"enforce_nonce,omitempty"`
	AllowedMentions *discordgo.MessageAllowedMentions `json:"allowed_mentions,omitempty"`
	Attachments     []attachment                      `json:"attachments,omitempty"`
}

// noMentions keeps course text from pinging anyone; only the learner is
// mentioned where we say so.
func noMentions(users ...string) *discordgo.MessageAllowedMentions {
	return &discordgo.MessageAllowedMentions{Parse: []discordgo.AllowedMentionType{}, Users: users}
}

// nonce derives a stable ≤25-character nonce from the work item and the
// message's place in it, so retries (including after a restart) reuse it.
func nonce(parts ...string) string {
	h := sha256.Sum256([]byte(strings.Join(parts, "\x00")))
	return strings.ToLower(base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(h[:]))[:25]
}

func (r *rest) send(ctx context.Context, channelID string, m outMsg, nonceKey string) (*discordgo.Message, error) {
	data := messageCreate{Content: m.Content, Components: m.Components, Nonce: nonceKey, EnforceNonce: nonceKey != "", AllowedMentions: noMentions()}
	if data.Components == nil {
		data.Components = []discordgo.MessageComponent{}
	}
	var msg *discordgo.Message
	ep := discordgo.EndpointChannelMessages(channelID)
	err := r.call(ctx, "send message", nonceKey != "", func(opt discordgo.RequestOption) error {
		body, err := r.s.RequestWithBucketID("POST", ep, data, ep, opt)
		if err != nil {
			return err
		}
		return json.Unmarshal(body, &msg)
	})
	return msg, err
}

func (r *rest) edit(ctx context.Context, channelID, messageID string, m *outMsg, components []discordgo.MessageComponent) error {
	body := messageEdit{AllowedMentions: noMentions()}
	if m != nil {
		body.Content = &m.Content
		components = m.Components
	}
	if components == nil {
		components = []discordgo.MessageComponent{}
	}
	body.Components = &components
	ep := discordgo.EndpointChannelMessage(channelID, messageID)
	return r.call(ctx, "edit message", true, func(opt discordgo.RequestOption) error {
		_, err := r.s.RequestWithBucketID("PATCH", ep, body, discordgo.EndpointChannelMessage(channelID, ""), opt)
		return err
	})
}

func (r *rest) respond(ctx context.Context, i *discordgo.Interaction, resp *discordgo.InteractionResponse) error {
	ep := discordgo.EndpointInteractionResponse(i.ID, i.Token)
	body := responseBody(resp)
	return r.call(ctx, "interaction response", true, func(opt discordgo.RequestOption) error {
		_, err := r.s.RequestWithBucketID("POST", ep, body, ep, opt)
		return err
	})
}

func (r *rest) editOriginal(ctx context.Context, i *discordgo.Interaction, m outMsg) (*discordgo.Message, error) {
	comps := m.Components
	if comps == nil {
		comps = []discordgo.MessageComponent{}
	}
	var msg *discordgo.Message
	err := r.call(ctx, "edit interaction response", true, func(opt discordgo.RequestOption) error {
		var err error
		msg, err = r.s.InteractionResponseEdit(i, &discordgo.WebhookEdit{Content: &m.Content, Components: &comps, AllowedMentions: noMentions()}, opt)
		return err
	})
	return msg, err
}

// followup posts a follow-up message. Webhook executes take no nonce, so a
// 5xx is not retried (it might have been delivered); 429s are.
func (r *rest) followup(ctx context.Context, i *discordgo.Interaction, m outMsg, ephemeral bool) error {
	p := &discordgo.WebhookParams{Content: m.Content, Components: m.Components, AllowedMentions: noMentions()}
	if p.Components == nil {
		p.Components = []discordgo.MessageComponent{}
	}
	if ephemeral {
		p.Flags = discordgo.MessageFlagsEphemeral
	}
	return r.call(ctx, "follow-up", false, func(opt discordgo.RequestOption) error {
		_, err := r.s.FollowupMessageCreate(i, true, p, opt)
		return err
	})
}
