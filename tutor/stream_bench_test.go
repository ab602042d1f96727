package tutor_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/coursebot/coursebot"
	"github.com/coursebot/coursebot/bot"
	"github.com/coursebot/coursebot/course"
	"github.com/coursebot/coursebot/search"
	"github.com/coursebot/coursebot/tutor"
)

// memStore is an in-memory tutor.Store: the benchmark measures the reply,
// not bbolt's fsync.
type memStore struct {
	mu  sync.Mutex
	rec map[string]coursebot.TutorRecord
}

func (m *memStore) Learner(context.Context, string) (coursebot.LearnerRecord, error) {
	return coursebot.LearnerRecord{}, nil
}

func (m *memStore) Progress(context.Context, string, string) (coursebot.Progress, error) {
	return coursebot.Progress{}, nil
}

func (m *memStore) TutorRecord(_ context.Context, who string) (coursebot.TutorRecord, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.rec[who], nil
}

func (m *memStore) UpdateTutor(_ context.Context, who string, fn func(*coursebot.TutorRecord) error) (coursebot.TutorRecord, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.rec == nil {
		m.rec = map[string]coursebot.TutorRecord{}
	}
	r := m.rec[who]
	r.Exchanges = append([]coursebot.TutorExchange(nil), r.Exchanges...)
	if err := fn(&r); err != nil {
		return r, err
	}
	m.rec[who] = r
	return r, nil
}

// oneResult is a Searcher that always finds the same passage.
type oneResult struct{}

func (oneResult) Search(context.Context, string, int) ([]search.Result, error) {
	return []search.Result{{Lesson: "4-4", Command: "start-4-4", Card: 1, Cards: 30, CardTitle: "Drift",
		Passages: []search.Passage{{Text: "Drift detection compares live data with the training data."}}}}, nil
}

type nextNothing struct{}

func (nextNothing) Handle(context.Context, bot.Message) ([]bot.Reply, error) { return nil, nil }

// countingBody counts the bytes the client read of a response.
type countingBody struct {
	io.ReadCloser
	n *atomic.Int64
}

func (c countingBody) Read(p []byte) (int, error) {
	n, err := c.ReadCloser.Read(p)
	c.n.Add(int64(n))
	return n, err
}

type countingTransport struct{ n atomic.Int64 }

func (t *countingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	resp, err := http.DefaultTransport.RoundTrip(r)
	if err == nil {
		resp.Body = countingBody{resp.Body, &t.n}
	}
	return resp, err
}

// BenchmarkStream10MB is one tutor reply from a model that streams 10 MB
// of text in 1 KB pieces (a model that never stops, or a hostile server),
// through the real client and the handler's live reply. The reply shown is
// at most tutor.MaxReplyChars, so the cost must not grow with what the
// server sends: the client stops reading past the cap. Figures per reply:
// the time, the memory allocated (alloc-MB) and what was read of the
// server's answer (read-KB).
func BenchmarkStream10MB(b *testing.B) {
	piece := strings.Repeat("drift ", 170) // ~1 KB
	const total = 10 << 20
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "text/event-stream")
		c, _ := json.Marshal(map[string]any{"id": "c", "object": "chat.completion.chunk", "created": 1, "model": "m",
			"choices": []any{map[string]any{"index": 0, "delta": map[string]any{"content": piece}}}})
		line := []byte(fmt.Sprintf("data: %s\n\n", c))
		for sent := 0; sent < total; sent += len(piece) {
			if _, err := w.Write(line); err != nil {
				return // the client stopped reading
			}
		}
		_, _ = io.WriteString(w, "data: [DONE]\n\n")
	}))
	defer srv.Close()
	loaded, err := course.LoadBuiltin()
	if err != nil {
		b.Fatal(err)
	}
	tr := &countingTransport{}
	h, err := tutor.New(nextNothing{}, tutor.Options{
		Model:     tutor.NewClient(tutor.ClientOptions{BaseURL: srv.URL + "/v1", Model: "m", HTTPClient: &http.Client{Transport: tr}}),
		ModelName: "m", Store: &memStore{}, Course: func() *course.Course { return loaded }, Search: oneResult{},
		DailyBudget: 1 << 30, Timeout: time.Hour, Log: slog.New(slog.NewTextHandler(io.Discard, nil)),
	})
	if err != nil {
		b.Fatal(err)
	}
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		rs, err := h.Handle(context.Background(), bot.Message{Kind: bot.KindCommand, Command: "help-mlops", Args: "drift",
			Learner: coursebot.Learner{Platform: "console", UserID: fmt.Sprint("u", i)}})
		if err != nil || len(rs) != 1 || rs[0].Live == nil {
			b.Fatalf("help: %v %v", rs, err)
		}
		final := rs[0].Live.Run(context.Background(), func(string) {})
		if got := final.Blocks[rs[0].Live.Block].Text; !strings.HasPrefix(got, "drift drift") || len([]rune(got)) > tutor.MaxReplyChars+2 {
			b.Fatalf("reply of %d chars: %.80q", len([]rune(got)), got)
		}
	}
	b.StopTimer()
	runtime.ReadMemStats(&after)
	b.ReportMetric(float64(after.TotalAlloc-before.TotalAlloc)/float64(b.N)/(1<<20), "alloc-MB")
	b.ReportMetric(float64(tr.n.Load())/float64(b.N)/1024, "read-KB")
}
