package recovery

import (
	"bytes"
	"log/slog"
	"strings"
	"sync"
	"testing"
)

func TestPanicsRecoverCountsAndLogsOnce(t *testing.T) {
	var buf bytes.Buffer
	var mu sync.Mutex
	counted := map[string]int{}
	p := &Panics{Log: slog.New(slog.NewTextHandler(&buf, nil)), Count: func(where string, _ any) {
		mu.Lock()
		counted[where]++
		mu.Unlock()
	}}
	done := make(chan struct{})
	go func() {
		defer close(done)
		defer p.Recover("test worker")
		panic("boom")
	}()
	<-done
	if counted["test worker"] != 1 {
		t.Fatalf("counted %v, want one panic at test worker", counted)
	}
	out := buf.String()
	if strings.Count(out, "panic recovered") != 1 || !strings.Contains(out, "where=\"test worker\"") || !strings.Contains(out, "panic=boom") {
		t.Fatalf("log:\n%s", out)
	}
}

func TestNilPanicsStillRecovers(t *testing.T) {
	var p *Panics
	done := make(chan struct{})
	go func() {
		defer close(done)
		defer p.Recover("nil")
		panic("boom")
	}()
	<-done // the process is still alive: the panic was recovered
}

func TestPanicsRecoverWithoutPanicDoesNothing(t *testing.T) {
	called := false
	p := &Panics{Count: func(string, any) { called = true }}
	func() { defer p.Recover("calm") }()
	if called {
		t.Fatal("Count called without a panic")
	}
}
