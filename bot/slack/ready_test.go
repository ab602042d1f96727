package slack

import "testing"

func TestReady(t *testing.T) {
	t.Parallel()
	h := newHarness(t, nil, nil)
	if err := h.a.Ready(); err != nil {
		t.Fatalf("Ready while serving: %v", err)
	}
	h.stop()
	if err := h.a.Ready(); err == nil {
		t.Error("Ready after shutdown: want an error")
	}
}
