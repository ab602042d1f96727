package slack

import (
	"context"
	"fmt"
	"testing"
)

// TestCanSeeChannel: membership is read from conversations.members, every
// page of it; a channel the bot cannot see is nobody's.
func TestCanSeeChannel(t *testing.T) {
	t.Parallel()
	h := newHarness(t, nil, nil)
	var many []string
	for i := range 450 {
		many = append(many, fmt.Sprintf("U%04d", i))
	}
	h.fake.setMembers("C0ALPHA", append(many, "ULEAD")...)
	h.fake.setMembers("C0BETA", "UOTHER")
	h.fake.refuse("conversations.members", "C0SECRET", "not_in_channel")
	ctx := context.Background()
	for _, tt := range []struct {
		channel, user string
		want          bool
	}{
		{"C0ALPHA", "ULEAD", true}, // on the third page
		{"C0ALPHA", "U0001", true},
		{"C0BETA", "ULEAD", false},
		{"C0SECRET", "ULEAD", false},
		{"C0NONE", "ULEAD", false},
	} {
		got, err := h.a.CanSeeChannel(ctx, tt.channel, tt.user)
		if err != nil || got != tt.want {
			t.Errorf("CanSeeChannel(%s, %s) = %v, %v; want %v", tt.channel, tt.user, got, err, tt.want)
		}
	}
	if n := h.fake.count("conversations.members"); n < 3+1+1+1+1 {
		t.Errorf("%d conversations.members calls, want every page of C0ALPHA read", n)
	}
	// A failure that is not an answer is an error, not a "no".
	h.fake.fail("conversations.members", fault{status: 500}, fault{status: 500}, fault{status: 500}, fault{status: 500}, fault{status: 500}, fault{status: 500})
	if _, err := h.a.CanSeeChannel(ctx, "C0BETA", "UOTHER"); err == nil {
		t.Errorf("a failing Slack answered without an error")
	}
}
