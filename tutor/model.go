package tutor

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"

	"github.com/openai/openai-go/v3"
	"github.com/openai/openai-go/v3/option"
)

// Message is one message of a chat completion request.
type Message struct {
	Role    string // "system", "user" or "assistant"
	Content string
}

// Usage is what a reply cost, as the server counted it (0 when it did not
// say).
type Usage struct {
	In, Out int
}

// Model streams a reply to messages, calling delta with each piece of text
// as it arrives, and returns the whole text. An error is a *ModelError.
type Model interface {
	Stream(ctx context.Context, msgs []Message, delta func(string)) (string, Usage, error)
}

// Causes of a failed model request, as counted in the metrics.
const (
	CauseTimeout     = "timeout"      // no complete reply within tutor.timeout
	CauseRateLimited = "rate_limited" // HTTP 429
	CauseServer      = "server_error" // HTTP 5xx
	CauseRefused     = "refused"      // another HTTP 4xx (bad key, unknown model)
	CauseUnreachable = "unreachable"  // connection refused, DNS, TLS
	CauseGarbage     = "garbage"      // a reply that is not the wire format
	CauseEmpty       = "empty"        // a well-formed reply with no text
	CauseBudget      = "budget"       // the learner's daily budget is spent
	CauseCanceled    = "canceled"     // the request's context ended (shutdown)
)

// ModelError is a failed model request with its cause.
type ModelError struct {
	Cause string
	Err   error
}

func (e *ModelError) Error() string { return "tutor model: " + e.Cause + ": " + e.Err.Error() }
func (e *ModelError) Unwrap() error { return e.Err }

// ClientOptions configure a Client.
type ClientOptions struct {
	// BaseURL is the OpenAI-compatible endpoint ("http://127.0.0.1:11434/v1").
	BaseURL string
	// Model is the model's name on that server ("llama3.2").
	Model string
	// APIKey is sent as a bearer token; "" for local servers.
	APIKey string
	// MaxTokens bounds a reply's length (default 400).
	MaxTokens int
	// HTTPClient defaults to a client with no overall timeout: the caller's
	// context bounds each request.
	HTTPClient *http.Client
}

// Client is a Model over any OpenAI-compatible Chat Completions endpoint,
// through the official Go client (github.com/openai/openai-go).
type Client struct {
	c     openai.Client
	model string
	max   int
}

var _ Model = (*Client)(nil)

// NewClient returns a client for o. It reads no OPENAI_* variables that
// could send another credential to this endpoint: the key is o.APIKey.
func NewClient(o ClientOptions) *Client {
	if o.HTTPClient == nil {
		o.HTTPClient = &http.Client{}
	}
	if o.MaxTokens <= 0 {
		o.MaxTokens = 400
	}
	c := openai.NewClient(
		option.WithBaseURL(strings.TrimSuffix(o.BaseURL, "/")+"/"),
		// Set even when empty, so an OPENAI_API_KEY in the environment is
		// never sent to a local server.
		option.WithAPIKey(o.APIKey),
		option.WithHTTPClient(o.HTTPClient),
		// The tutor falls back instead of retrying: a learner waits for
		// one request at most.
		option.WithMaxRetries(0),
		option.WithMiddleware(requireEventStream),
	)
	return &Client{c: c, model: o.Model, max: o.MaxTokens}
}

// Name is the model's name, for metrics.
func (c *Client) Name() string { return c.model }

// Stream implements Model with a streaming chat completion that asks for
// usage in its last chunk.
func (c *Client) Stream(ctx context.Context, msgs []Message, delta func(string)) (string, Usage, error) {
	params := openai.ChatCompletionNewParams{
		Model:         c.model,
		MaxTokens:     openai.Int(int64(c.max)),
		StreamOptions: openai.ChatCompletionStreamOptionsParam{IncludeUsage: openai.Bool(true)},
	}
	for _, m := range msgs {
		switch m.Role {
		case "system":
			params.Messages = append(params.Messages, openai.SystemMessage(m.Content))
		case "assistant":
			params.Messages = append(params.Messages, openai.AssistantMessage(m.Content))
		default:
			params.Messages = append(params.Messages, openai.UserMessage(m.Content))
		}
	}
	stream := c.c.Chat.Completions.NewStreaming(ctx, params)
	defer func() { _ = stream.Close() }() // read-only; stream.Err() below reports a failed read
	var sb strings.Builder
	var u Usage
	for stream.Next() {
		chunk := stream.Current()
		if chunk.Usage.PromptTokens > 0 || chunk.Usage.CompletionTokens > 0 {
			u = Usage{In: int(chunk.Usage.PromptTokens), Out: int(chunk.Usage.CompletionTokens)}
		}
		for _, ch := range chunk.Choices {
			if ch.Index != 0 || ch.Delta.Content == "" {
				continue
			}
			sb.WriteString(ch.Delta.Content)
			if delta != nil {
				delta(ch.Delta.Content)
			}
		}
	}
	if err := stream.Err(); err != nil {
		return sb.String(), u, classify(ctx, err)
	}
	if strings.TrimSpace(sb.String()) == "" {
		return "", u, &ModelError{Cause: CauseEmpty, Err: errors.New("the reply had no text")}
	}
	return sb.String(), u, nil
}

// errNotAStream is a 200 answer to a streaming request that is not an
// event stream (a proxy's HTML page, a server that ignored "stream").
var errNotAStream = errors.New("the answer is not text/event-stream")

// requireEventStream fails a successful answer that is not an event stream,
// which the client would otherwise read as an empty reply.
func requireEventStream(req *http.Request, next option.MiddlewareNext) (*http.Response, error) {
	resp, err := next(req)
	if err != nil || resp.StatusCode >= 300 {
		return resp, err
	}
	if !strings.HasPrefix(strings.ToLower(resp.Header.Get("Content-Type")), "text/event-stream") {
		_ = resp.Body.Close() // unread and refused: nothing of it matters
		return nil, fmt.Errorf("%w (Content-Type %q)", errNotAStream, resp.Header.Get("Content-Type"))
	}
	return resp, nil
}

// classify names the cause of a failed request.
func classify(ctx context.Context, err error) error {
	var apiErr *openai.Error
	var netErr net.Error
	var opErr *net.OpError
	cause := CauseGarbage
	switch {
	case ctx.Err() != nil:
		cause = CauseCanceled
	case errors.As(err, &apiErr) && apiErr.StatusCode == http.StatusTooManyRequests:
		cause = CauseRateLimited
	case errors.As(err, &apiErr) && apiErr.StatusCode >= 500:
		cause = CauseServer
	case errors.As(err, &apiErr) && apiErr.StatusCode >= 400:
		cause = CauseRefused
	case errors.As(err, &opErr), errors.As(err, &netErr):
		cause = CauseUnreachable
	}
	return &ModelError{Cause: cause, Err: fmt.Errorf("chat completion: %w", err)}
}

// causeOf returns the cause of a Model error.
func causeOf(err error) string {
	var me *ModelError
	if errors.As(err, &me) {
		return me.Cause
	}
	return CauseGarbage
}
