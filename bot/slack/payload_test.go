package slack

import (
	"encoding/json"
	"strings"

	"testing"

	"github.com/coursebot/coursebot/bot"
)

// TestThreadRootNamesTheLessonOnce: the lesson's first card opens its
// thread, under an intro line that names the lesson once (the card's
// title already says "Lesson 4.4: …"), with the card's buttons in it.
func TestThreadRootNamesTheLessonOnce(t *testing.T) {
	t.Parallel()
	h := newHarness(t, nil, nil)
	h.command("U1", "start-4-4", "C1")
	h.idle()
	th := h.lessonThread("U1", "4-4")
	thread := h.fake.thread(th.Channel, th.ThreadID)
	if len(thread) != 1 {
		t.Fatalf("%d messages for a start, want 1: the first card, which opens the thread", len(thread))
	}
	root := thread[0]
	if root.Text != "Lesson 4.4: Putting It All Together (Capstone)" {
		t.Errorf("root text %q", root.Text)
	}
	got, _ := json.Marshal(root.Blocks[0])
	want := `{"block_id":"intro","elements":[{"text":"*Lesson 4.4* · *Putting It All Together (Capstone)* — the lesson runs in this thread: press the buttons to move on; answer questions by replying in the thread.","type":"mrkdwn"}],"type":"context"}`
	if string(got) != want {
		t.Errorf("root's first block\n got %s\nwant %s", got, want)
	}
	if headerText(root) != "Lesson 4.4: Putting It All Together (Capstone)" || !hasActionPrefix(root, actNav) || th.LastMessage != root.TS {
		t.Errorf("the root is not the first card with its buttons: %s, thread %+v", root.Blocks, th)
	}
}

func TestTitleAfterLabel(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"Lesson 4.4: Putting It All Together (Capstone)": "Putting It All Together (Capstone)",
		"Opener":        "Opener",
		"Lesson 4.4":    "",
		"Lesson 4.40 x": "Lesson 4.40 x",
	} {
		if got := titleAfterLabel("4-4", in); got != want {
			t.Errorf("titleAfterLabel(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestGroupDMLessonTakesReplies: a lesson placed in a group DM (channel
// placement, the command typed in one) takes replies in its thread, which
// Slack delivers as message.mpim events (the manifest subscribes to them).
func TestGroupDMLessonTakesReplies(t *testing.T) {
	t.Parallel()
	got := make(chan bot.Message, 8)
	h := newHarness(t, stub(got), func(o *Options) { o.Placement = PlaceChannel })
	h.command("U1", "start-9-9", "G1")
	h.idle()
	th := h.lessonThread("U1", "9-9")
	if th.Channel != "G1" {
		t.Fatalf("lesson in %s, want the group DM G1", th.Channel)
	}
	h.reply("U1", "G1", th.ThreadID, "my answer", "EvMPIM1")
	h.idle()
	for _, m := range drain(got) {
		if m.Kind == bot.KindText && m.Text == "my answer" && m.Lesson == "9-9" {
			return
		}
	}
	t.Fatal("the reply in the group DM's lesson thread was not taken as an answer")
}

// TestStartWithoutMaterialSaysSoInstead: /start-1-1 (a lesson listed in
// the course without material) is answered with the engine's sentence
// alone, not "Starting Lesson 1.1 … it opens in our direct messages"
// followed by a refusal; /start-4-4 says where it opens at once. Both
// answers are the commands' HTTP responses: no response_url call.
func TestStartWithoutMaterialSaysSoInstead(t *testing.T) {
	t.Parallel()
	h := newHarness(t, nil, nil)
	code, body := h.command("U1", "start-1-1", "C1")
	if code != 200 || strings.Contains(body, "Starting") || !strings.Contains(body, "material is not installed yet") || !strings.Contains(body, `"response_type":"ephemeral"`) {
		t.Errorf("/start-1-1 answered %d %s", code, body)
	}
	h.idle()
	if n := h.fake.count("chat.postMessage"); n != 0 {
		t.Errorf("a lesson that cannot start posted %d messages", n)
	}
	if _, body := h.command("U1", "start-4-4", "C1"); !strings.Contains(body, "Starting Lesson 4.4 … it opens in our direct messages.") {
		t.Errorf("/start-4-4 answered %s", body)
	}
	h.idle()
	if _, _, responses := h.fake.snapshot(); len(responses) != 0 {
		t.Errorf("response_url got %v", responses)
	}
}

// TestAnswerModalShowsTheQuestion: the modal opened by Answer shows the
// question it answers, as the card showed it, above the input.
func TestAnswerModalShowsTheQuestion(t *testing.T) {
	t.Parallel()
	h := newHarness(t, nil, nil)
	h.command("U1", "start-4-4", "C1")
	h.idle()
	th := h.lessonThread("U1", "4-4")
	for step := 0; ; step++ {
		if step > 10 {
			t.Fatal("no question in the first ten cards")
		}
		content, ctrl := currentCard(t, h.fake.thread(th.Channel, th.ThreadID))
		if m, el, ok := firstControl(content, actAnswer); ok {
			h.press("U1", m, el["action_id"].(string))
			break
		}
		h.press("U1", ctrl, navButton(ctrl, "Next"))
		h.idle()
	}
	waitFor(t, func() bool { h.fake.mu.Lock(); defer h.fake.mu.Unlock(); return len(h.fake.views) == 1 })
	h.fake.mu.Lock()
	view := h.fake.views[0].Get("view")
	h.fake.mu.Unlock()
	var v struct {
		Blocks []map[string]any `json:"blocks"`
	}
	if err := json.Unmarshal([]byte(view), &v); err != nil || len(v.Blocks) != 2 {
		t.Fatalf("modal %s (%v)", view, err)
	}
	got, _ := json.Marshal(v.Blocks[0])
	want := `{"text":{"text":"*Question:* If you had to explain MLOps to a colleague in one sentence, what would you say?","type":"mrkdwn"},"type":"section"}`
	if string(got) != want {
		t.Errorf("modal's first block\n got %s\nwant %s", got, want)
	}
}

// TestSlackTypedTextPostedAsTyped: a block marked as a Slack user's own
// text (a lead's reminder) is posted unchanged: Slack bold stays bold, a
// typed link stays a link. CommonMark text is still converted.
func TestSlackTypedTextPostedAsTyped(t *testing.T) {
	t.Parallel()
	typed := "Standup at *10*, see <https://example.com|the board>"
	for _, tc := range []struct {
		dialect, want string
	}{
		{bot.DialectSlack, "Standup at *10*, see <https://example.com|the board>"},
		{"", "Standup at _10_, see &lt;https://example.com|the board&gt;"},
	} {
		out := render(bot.Reply{Blocks: []bot.Block{{Kind: bot.BlockMarkdown, Text: typed, Dialect: tc.dialect}}})
		got, _ := json.Marshal(out.Content[0].Blocks)
		want, _ := json.Marshal([]any{section(tc.want)})
		if string(got) != string(want) {
			t.Errorf("dialect %q:\n got %s\nwant %s", tc.dialect, got, want)
		}
	}
}
