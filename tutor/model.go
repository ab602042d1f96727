package tutor

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
	"unicode/utf8"

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

// Reply is what a Model wrote.
type Reply struct {
	Text  string
	Usage Usage
	// Cut is true when reading stopped before the model finished: the
	// reply reached the client's cap, or delta asked to stop.
	Cut bool
}

// Model streams a reply to msgs, calling delta with each piece of text as
// it arrives; delta returns false to stop reading (the reply is long
// enough, or it will not be shown), and Stream then closes the connection
// and returns what it read, with Cut set. An error is a *ModelError.
type Model interface {
	Stream(ctx context.Context, msgs []Message, delta func(string) bool) (Reply, error)
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
	// The output guard (guard.go): the reply carried protected text and
	// was not shown.
	CauseLeakedNotes    = "leaked_notes"    // lead-only teaching notes or instructions to the tutor
	CauseLeakedSolution = "leaked_solution" // text the course marks as the solution
	CauseLeakedPrompt   = "leaked_prompt"   // the tutor's own instructions
)

// ModelError is a failed model request with its cause.
type ModelError struct {
	Cause string
	Err   error
}

func (e *ModelError) Error() string { return "tutor model: " + e.Cause + ": " + e.Err.Error() }
func (e *ModelError) Unwrap() error { return e.Err }

// Token limit parameters: how a request bounds the reply's length.
const (
	// TokensAuto sends max_completion_tokens to OpenAI's own API and
	// max_tokens elsewhere (Ollama reads only max_tokens and ignores the
	// other), and switches once to the other name when the server refuses
	// the one sent.
	TokensAuto = "auto"
	// TokensMaxCompletion sends max_completion_tokens: OpenAI's name since
	// its reasoning models, which refuse max_tokens.
	TokensMaxCompletion = "max_completion_tokens"
	// TokensMax sends the older max_tokens.
	TokensMax = "max_tokens"
)

// ClientOptions configure a Client.
type ClientOptions struct {
	// BaseURL is the OpenAI-compatible endpoint ("http://127.0.0.1:11434/v1").
	BaseURL string
	// Model is the model's name on that server ("llama3.2").
	Model string
	// APIKey is sent as a bearer token; "" for local servers (then no
	// Authorization header is sent).
	APIKey string
	// Headers are further headers to send (an OpenAI project), as the
	// configuration names them; nothing else is taken from the environment.
	Headers map[string]string
	// MaxTokens bounds a reply's length (default 400).
	MaxTokens int
	// TokenParam names the parameter that carries MaxTokens: TokensAuto
	// (the default), TokensMaxCompletion or TokensMax.
	TokenParam string
	// MaxReplyBytes is where the client stops reading a reply's text
	// (default DefaultMaxReplyBytes), however much more the server sends.
	MaxReplyBytes int
	// HTTPClient defaults to a client with no overall timeout: the caller's
	// context bounds each request.
	HTTPClient *http.Client
}

// Caps on what the client reads of one reply.
const (
	// DefaultMaxReplyBytes is the text read of one reply: several times the
	// tutor's MaxReplyChars and the 400 tokens asked for.
	DefaultMaxReplyBytes = 16 << 10
	// maxBodyBytes bounds the whole answer on the wire (the text, the
	// JSON around each piece, usage, keep-alives); a single unending line
	// would otherwise be buffered whole.
	maxBodyBytes = 4 << 20
)

// Client is a Model over any OpenAI-compatible Chat Completions endpoint,
// through the official Go client (github.com/openai/openai-go).
type Client struct {
	chat     openai.ChatCompletionService
	model    string
	max      int
	maxReply int
	auto     bool
	// completion is true while requests send max_completion_tokens (auto
	// switches it when the server refuses the name sent).
	completion atomic.Bool
}

var _ Model = (*Client)(nil)

// NewClient returns a client for o. It reads nothing from the
// environment: openai-go's NewClient would take OPENAI_BASE_URL,
// OPENAI_API_KEY, OPENAI_ADMIN_KEY, OPENAI_ORG_ID, OPENAI_PROJECT_ID and
// OPENAI_CUSTOM_HEADERS from it and send them to whatever BaseURL is, so the
// client is built from the chat service alone, with only o's settings, and
// the request carries only the headers o names.
func NewClient(o ClientOptions) *Client {
	if o.HTTPClient == nil {
		o.HTTPClient = &http.Client{}
	}
	if o.MaxTokens <= 0 {
		o.MaxTokens = 400
	}
	if o.MaxReplyBytes <= 0 {
		o.MaxReplyBytes = DefaultMaxReplyBytes
	}
	opts := []option.RequestOption{
		option.WithBaseURL(strings.TrimSuffix(o.BaseURL, "/") + "/"),
		option.WithHTTPClient(o.HTTPClient),
		// The tutor falls back instead of retrying: a learner waits for
		// one request at most.
		option.WithMaxRetries(0),
		option.WithMiddleware(onlyConfigured(o.APIKey != "", o.Headers), requireEventStream),
	}
	if o.APIKey != "" {
		opts = append(opts, option.WithAPIKey(o.APIKey))
	}
	for k, v := range o.Headers {
		opts = append(opts, option.WithHeader(k, v))
	}
	c := &Client{chat: openai.NewChatCompletionService(opts...), model: o.Model, max: o.MaxTokens, maxReply: o.MaxReplyBytes}
	switch o.TokenParam {
	case TokensMaxCompletion:
		c.completion.Store(true)
	case TokensMax:
	default:
		c.auto = true
		c.completion.Store(isOpenAI(o.BaseURL))
	}
	return c
}

// isOpenAI reports whether base is OpenAI's own API.
func isOpenAI(base string) bool {
	u, err := url.Parse(base)
	return err == nil && strings.EqualFold(u.Hostname(), "api.openai.com")
}

// Name is the model's name, for metrics.
func (c *Client) Name() string { return c.model }

// TokenParam is the name requests now carry the length limit under.
func (c *Client) TokenParam() string {
	if c.completion.Load() {
		return TokensMaxCompletion
	}
	return TokensMax
}

// Stream implements Model with a streaming chat completion that asks for
// usage in its last chunk. In auto mode a request the server refuses for
// the token parameter's name is sent once more with the other name, which
// later requests keep.
func (c *Client) Stream(ctx context.Context, msgs []Message, delta func(string) bool) (Reply, error) {
	params := openai.ChatCompletionNewParams{
		Model:         c.model,
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
	completion := c.completion.Load()
	r, started, err := c.stream(ctx, params, completion, delta)
	if err != nil && !started && c.auto && refusesParam(err, completion) {
		c.completion.CompareAndSwap(completion, !completion)
		r, _, err = c.stream(ctx, params, !completion, delta)
	}
	return r, err
}

// stream sends one request; started is true once the server accepted it.
func (c *Client) stream(ctx context.Context, params openai.ChatCompletionNewParams, completion bool, delta func(string) bool) (Reply, bool, error) {
	if completion {
		params.MaxCompletionTokens = openai.Int(int64(c.max))
	} else {
		params.MaxTokens = openai.Int(int64(c.max))
	}
	stream := c.chat.NewStreaming(ctx, params)
	defer func() { _ = stream.Close() }() // read-only; stream.Err() below reports a failed read
	var sb strings.Builder
	var r Reply
	started := false
	for !r.Cut && stream.Next() {
		started = true
		chunk := stream.Current()
		if chunk.Usage.PromptTokens > 0 || chunk.Usage.CompletionTokens > 0 {
			r.Usage = Usage{In: int(chunk.Usage.PromptTokens), Out: int(chunk.Usage.CompletionTokens)}
		}
		for _, ch := range chunk.Choices {
			piece := ch.Delta.Content
			if ch.Index != 0 || piece == "" {
				continue
			}
			if room := c.maxReply - sb.Len(); len(piece) > room {
				piece = cutUTF8(piece, room)
				r.Cut = true
			}
			sb.WriteString(piece)
			if delta != nil && piece != "" && !delta(piece) {
				r.Cut = true
			}
			if r.Cut {
				break
			}
		}
	}
	r.Text = sb.String()
	if r.Cut {
		return r, true, nil
	}
	if err := stream.Err(); err != nil {
		return r, started, classify(ctx, err)
	}
	if strings.TrimSpace(r.Text) == "" {
		return r, true, &ModelError{Cause: CauseEmpty, Err: errors.New("the reply had no text")}
	}
	return r, true, nil
}

// cutUTF8 returns at most n bytes of s, not splitting a character.
func cutUTF8(s string, n int) string {
	if n <= 0 {
		return ""
	}
	if n >= len(s) {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

// refusesParam reports whether err is the server refusing the token
// parameter's name (OpenAI: 400 "unsupported_parameter" naming
// max_tokens; a strict server: 400 naming an unknown max_completion_tokens).
func refusesParam(err error, completion bool) bool {
	var apiErr *openai.Error
	if !errors.As(err, &apiErr) || apiErr.StatusCode != http.StatusBadRequest {
		return false
	}
	name := TokensMax
	if completion {
		name = TokensMaxCompletion
	}
	if apiErr.Param == name {
		return true
	}
	// Not every server fills "param": look for the name as a word of the
	// message ("max_tokens" is also inside "max_completion_tokens").
	msg := apiErr.Message
	if msg == "" {
		msg = apiErr.RawJSON()
	}
	for i := 0; ; {
		j := strings.Index(msg[i:], name)
		if j < 0 {
			return false
		}
		at := i + j
		end := at + len(name)
		before := at == 0 || !isIdentByte(msg[at-1])
		after := end == len(msg) || !isIdentByte(msg[end])
		if before && after {
			return true
		}
		i = end
	}
}

func isIdentByte(b byte) bool {
	return b == '_' || b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z' || b >= '0' && b <= '9'
}

// onlyConfigured sends only the headers the configuration names: the
// client library adds its own (X-Stainless-*: its version, the OS, the
// architecture, the Go version) to every request, which a server of the
// operator's choosing has no need of. Content-Type, Accept, Content-Length,
// User-Agent, the configured Authorization and o.Headers stay.
func onlyConfigured(auth bool, extra map[string]string) option.Middleware {
	keep := map[string]bool{"Content-Type": true, "Accept": true, "Content-Length": true, "User-Agent": true}
	if auth {
		keep["Authorization"] = true
	}
	for k := range extra {
		keep[http.CanonicalHeaderKey(k)] = true
	}
	return func(req *http.Request, next option.MiddlewareNext) (*http.Response, error) {
		for k := range req.Header {
			if !keep[http.CanonicalHeaderKey(k)] {
				req.Header.Del(k)
			}
		}
		req.Header.Set("User-Agent", "coursebot")
		return next(req)
	}
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
	resp.Body = &limitedBody{ReadCloser: resp.Body, left: maxBodyBytes}
	return resp, nil
}

// errTooLarge is an answer longer on the wire than maxBodyBytes.
var errTooLarge = fmt.Errorf("the answer is over %d bytes", maxBodyBytes)

// limitedBody fails a read past its limit.
type limitedBody struct {
	io.ReadCloser
	left int64
}

func (b *limitedBody) Read(p []byte) (int, error) {
	if b.left <= 0 {
		return 0, errTooLarge
	}
	if int64(len(p)) > b.left {
		p = p[:b.left]
	}
	n, err := b.ReadCloser.Read(p)
	b.left -= int64(n)
	return n, err
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
