package slack

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/coursebot/coursebot/bot"
	"github.com/coursebot/coursebot/delivery"
)

// longThread puts a thread in channel D1 of the fake: its root an hour
// before the harness's clock and n replies, one a second, all older than
// any post the test makes. It returns the root's ts.
func longThread(h *harness, n int) string {
	h.fake.mu.Lock()
	defer h.fake.mu.Unlock()
	start := h.now.Add(-time.Hour).Unix()
	root := fmt.Sprintf("%d.000000", start)
	h.fake.msgs = append(h.fake.msgs, &fakeMsg{Channel: "D1", TS: root, Text: "Lesson 9.9"})
	for i := 1; i <= n; i++ {
		h.fake.msgs = append(h.fake.msgs, &fakeMsg{Channel: "D1", TS: fmt.Sprintf("%d.000000", start+int64(i)), ThreadTS: root,
			Text: fmt.Sprintf("reply %d", i), MetaID: fmt.Sprintf("old/%d", i)})
	}
	return root
}

// TestPostFoundInAThreadOfMoreThan200Messages: a post whose first attempt
// was made but answered 500 is found, not posted again, in a thread of 250
// messages, also by an app that Slack gives only 15 messages a page; and
// the look-up starts at the first attempt (less the clock-skew margin), so
// it costs one conversations.replies call, not one per page of the thread.
func TestPostFoundInAThreadOfMoreThan200Messages(t *testing.T) {
	t.Parallel()
	for _, pageMax := range []int{1000, 15} {
		t.Run(fmt.Sprint("page max ", pageMax), func(t *testing.T) {
			h := newHarness(t, stub(make(chan bot.Message, 1)), nil)
			h.fake.pageMax = pageMax
			root := longThread(h, 250)
			h.fake.fail("chat.postMessage", fault{status: 500, applied: true})
			ctx := delivery.WithKey(context.Background(), "item1", false, h.now)
			ts, err := h.a.post(ctx, "D1", root, message{Text: "the new card"})
			if err != nil {
				t.Fatal(err)
			}
			var made []fakeMsg
			for _, m := range h.fake.thread("D1", root) {
				if m.MetaID == "item1/1" {
					made = append(made, m)
				}
			}
			if len(made) != 1 || made[0].TS != ts {
				t.Fatalf("the post is in the thread %d times (%+v; post returned %q), want once", len(made), made, ts)
			}
			if n := h.fake.count("conversations.replies"); n != 1 {
				t.Errorf("%d conversations.replies calls to find it, want 1 (bounded by the first attempt's time)", n)
			}
		})
	}
}

// TestRecoveredPostFoundPastTheFirstPage: work recovered after a restart
// looks for each of its posts from the time the work was first asked for
// (the inbox item's receipt). The post, made before the crash, is the
// 252nd message of the thread, past the first page of any size Slack
// gives; 300 more followed it.
func TestRecoveredPostFoundPastTheFirstPage(t *testing.T) {
	t.Parallel()
	h := newHarness(t, stub(make(chan bot.Message, 1)), nil)
	h.fake.pageMax = 15
	root := longThread(h, 250)
	received := h.now.Add(-30 * time.Minute)
	h.fake.mu.Lock()
	h.fake.msgs = append(h.fake.msgs, &fakeMsg{Channel: "D1", TS: fmt.Sprintf("%d.000001", received.Unix()+1), ThreadTS: root, Text: "made before the crash", MetaID: "item2/1"})
	for i := range 300 {
		h.fake.msgs = append(h.fake.msgs, &fakeMsg{Channel: "D1", TS: fmt.Sprintf("%d.000000", received.Unix()+2+int64(i)), ThreadTS: root, Text: "later"})
	}
	h.fake.mu.Unlock()
	ctx := delivery.WithKey(context.Background(), "item2", true, received)
	ts, err := h.a.post(ctx, "D1", root, message{Text: "made before the crash"})
	if err != nil {
		t.Fatal(err)
	}
	if n := h.fake.count("chat.postMessage"); n != 0 {
		t.Errorf("%d chat.postMessage calls, want 0: the post was made before the crash", n)
	}
	if want := fmt.Sprintf("%d.000001", received.Unix()+1); ts != want {
		t.Errorf("post returned %q, want the earlier message's %q", ts, want)
	}
	var oldest []string
	calls, _, _ := h.fake.snapshot()
	for _, c := range calls {
		if c.Method == "conversations.replies" {
			oldest = append(oldest, c.Form.Get("oldest"))
		}
	}
	if len(oldest) != 1 || !strings.HasPrefix(oldest[0], fmt.Sprint(received.Add(-clockSkew).Unix())) {
		t.Errorf("look-up calls with oldest=%q, want one starting at the item's receipt less %v", oldest, clockSkew)
	}
}
