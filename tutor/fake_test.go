package tutor_test

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
)

// fakeLLM is an OpenAI-compatible Chat Completions server speaking the real
// wire format: POST /v1/chat/completions with a JSON body, answered with
// text/event-stream chunks ("data: {json}", a usage chunk, "data: [DONE]")
// or an error body.
type fakeLLM struct {
	srv *httptest.Server
	mu  sync.Mutex
	// reqs are the decoded request bodies, auths their Authorization headers.
	reqs    []chatRequest
	auths   []string
	headers []http.Header
	// reply answers a request; default streams "Good start." in pieces.
	reply func(w http.ResponseWriter, r *http.Request)
	// arrived gets a value when a request has been read (buffered).
	arrived chan struct{}
}

type chatRequest struct {
	Model    string `json:"model"`
	Messages []struct {
		Role    string `json:"role"`
		Content string `json:"content"`
	} `json:"messages"`
	Stream        bool `json:"stream"`
	StreamOptions struct {
		IncludeUsage bool `json:"include_usage"`
	} `json:"stream_options"`
	MaxTokens           int `json:"max_tokens"`
	MaxCompletionTokens int `json:"max_completion_tokens"`
	// raw is the body as sent.
	raw map[string]json.RawMessage
}

func newFakeLLM(t *testing.T) *fakeLLM {
	t.Helper()
	f := &fakeLLM{arrived: make(chan struct{}, 100)}
	f.reply = streamPieces("Good ", "start: ", "you named delivery.")
	f.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost || r.URL.Path != "/v1/chat/completions" {
			http.Error(w, `{"error":{"message":"not found","type":"invalid_request_error"}}`, http.StatusNotFound)
			return
		}
		body, _ := io.ReadAll(r.Body)
		var req chatRequest
		if err := json.Unmarshal(body, &req); err != nil {
			t.Errorf("fake LLM: request body is not JSON: %v: %s", err, body)
		}
		_ = json.Unmarshal(body, &req.raw)
		f.mu.Lock()
		f.reqs = append(f.reqs, req)
		f.auths = append(f.auths, r.Header.Get("Authorization"))
		f.headers = append(f.headers, r.Header.Clone())
		reply := f.reply
		f.mu.Unlock()
		f.arrived <- struct{}{}
		reply(w, r)
	}))
	t.Cleanup(f.srv.Close)
	return f
}

func (f *fakeLLM) URL() string { return f.srv.URL + "/v1" }

func (f *fakeLLM) setReply(reply func(w http.ResponseWriter, r *http.Request)) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.reply = reply
}

// setReplyFor answers with reply, which sees the decoded request.
func (f *fakeLLM) setReplyFor(reply func(w http.ResponseWriter, r *http.Request, req chatRequest)) {
	f.setReply(func(w http.ResponseWriter, r *http.Request) {
		reqs := f.requests()
		reply(w, r, reqs[len(reqs)-1])
	})
}

func (f *fakeLLM) requests() []chatRequest {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]chatRequest(nil), f.reqs...)
}

func (f *fakeLLM) last(t *testing.T) chatRequest {
	t.Helper()
	reqs := f.requests()
	if len(reqs) == 0 {
		t.Fatal("the fake LLM got no request")
	}
	return reqs[len(reqs)-1]
}

// streamPieces answers with one chunk per piece, a usage chunk and [DONE].
func streamPieces(pieces ...string) func(w http.ResponseWriter, r *http.Request) {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		fl, _ := w.(http.Flusher)
		for i, p := range pieces {
			delta := map[string]any{"content": p}
			if i == 0 {
				delta["role"] = "assistant"
			}
			chunk(w, map[string]any{"index": 0, "delta": delta, "finish_reason": nil}, nil)
			if fl != nil {
				fl.Flush()
			}
		}
		chunk(w, map[string]any{"index": 0, "delta": map[string]any{}, "finish_reason": "stop"}, nil)
		chunk(w, nil, map[string]any{"prompt_tokens": 321, "completion_tokens": 12, "total_tokens": 333})
		_, _ = fmt.Fprint(w, "data: [DONE]\n\n")
	}
}

func chunk(w io.Writer, choice map[string]any, usage map[string]any) {
	c := map[string]any{"id": "chatcmpl-1", "object": "chat.completion.chunk", "created": 1764600000, "model": "fake-model", "choices": []any{}}
	if choice != nil {
		c["choices"] = []any{choice}
	}
	if usage != nil {
		c["usage"] = usage
	}
	b, _ := json.Marshal(c)
	_, _ = fmt.Fprintf(w, "data: %s\n\n", b)
}

// errorReply answers with an OpenAI error body.
func errorReply(status int, typ string) func(w http.ResponseWriter, r *http.Request) {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		if status == http.StatusTooManyRequests {
			w.Header().Set("Retry-After", "20")
		}
		w.WriteHeader(status)
		_, _ = fmt.Fprintf(w, `{"error":{"message":"fake %d","type":%q,"code":null}}`, status, typ)
	}
}

// rawStream answers 200 text/event-stream with body as written.
func rawStream(body string) func(w http.ResponseWriter, r *http.Request) {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		_, _ = io.WriteString(w, body)
	}
}

// hang sends one piece, then waits until the client gives up.
func hang(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/event-stream")
	chunk(w, map[string]any{"index": 0, "delta": map[string]any{"role": "assistant", "content": "Let me"}}, nil)
	w.(http.Flusher).Flush()
	<-r.Context().Done()
}

func systemOf(req chatRequest) string {
	if len(req.Messages) == 0 || req.Messages[0].Role != "system" {
		return ""
	}
	return req.Messages[0].Content
}

func userMessages(req chatRequest) []string {
	var out []string
	for _, m := range req.Messages {
		if m.Role == "user" {
			out = append(out, m.Content)
		}
	}
	return out
}
