package slack

import (
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"testing"

	"github.com/coursebot/coursebot/bot"
	"github.com/coursebot/coursebot/internal/walktest"
	"github.com/coursebot/coursebot/lessons"
	"github.com/coursebot/coursebot/store"
)

// slackLearner is walktest's learner in Slack: slash commands, presses
// and thread replies through the adapter's real routes, read back from the
// fake's messages and response_url posts.
type slackLearner struct {
	t      *testing.T
	h      *harness
	events int
	notice map[string]any // the last ephemeral answer of that action, if any
	walktest.Stored
}

const walker = "UWALK"

// act runs f and keeps the ephemeral answer it got (a notice, /status).
func (l *slackLearner) act(f func()) {
	l.t.Helper()
	_, _, before := l.h.fake.snapshot()
	f()
	l.h.idle()
	_, _, rs := l.h.fake.snapshot()
	l.notice = nil
	for _, r := range rs[len(before):] {
		if r["replace_original"] != true {
			l.notice = r
		}
	}
}

func (l *slackLearner) Command(name string) {
	body := ""
	l.act(func() {
		var code int
		if code, body = l.h.command(walker, name, "C1"); code != 200 {
			l.t.Fatalf("/%s: %d", name, code)
		}
	})
	if body != "" { // answered in the HTTP response itself
		l.notice = nil
		if err := json.Unmarshal([]byte(body), &l.notice); err != nil {
			l.t.Fatalf("/%s answered %q: %v", name, body, err)
		}
	}
}

func (l *slackLearner) thread() []fakeMsg {
	th := l.h.lessonThread(walker, l.Lesson)
	return l.h.fake.thread(th.Channel, th.ThreadID)
}

// controls is the thread's live controls message (only the current card's
// are live: every earlier one was spent).
func (l *slackLearner) controls() (fakeMsg, bool) {
	thread := l.thread()
	for i := len(thread) - 1; i >= 0; i-- {
		if hasActionPrefix(thread[i], actNav) {
			return thread[i], true
		}
	}
	return fakeMsg{}, false
}

func noticeBlocks(n map[string]any) []map[string]any {
	var out []map[string]any
	bs, _ := n["blocks"].([]any)
	for _, b := range bs {
		if m, ok := b.(map[string]any); ok {
			out = append(out, m)
		}
	}
	return out
}

func labels(blocks []map[string]any) []string {
	var out []string
	for _, b := range blocks {
		els, _ := b["elements"].([]any)
		for _, e := range els {
			el, _ := e.(map[string]any)
			if id, _ := el["action_id"].(string); strings.HasPrefix(id, actNav) {
				txt, _ := el["text"].(map[string]any)
				out = append(out, fmt.Sprint(txt["text"]))
			}
		}
	}
	return out
}

func (l *slackLearner) Buttons() []string {
	out := labels(noticeBlocks(l.notice))
	if c, ok := l.controls(); ok {
		out = append(out, labels(c.Blocks)...)
	}
	return out
}

func navID(blocks []map[string]any, label string) string {
	for _, b := range blocks {
		els, _ := b["elements"].([]any)
		for _, e := range els {
			el, _ := e.(map[string]any)
			txt, _ := el["text"].(map[string]any)
			if id, _ := el["action_id"].(string); strings.HasPrefix(id, actNav) && walktest.Matches(fmt.Sprint(txt["text"]), label) {
				return id
			}
		}
	}
	return ""
}

func (l *slackLearner) Press(label string) {
	l.t.Helper()
	if blocks := noticeBlocks(l.notice); navID(blocks, label) != "" {
		th := l.h.lessonThread(walker, l.Lesson)
		l.act(func() { l.h.pressEphemeral(walker, th.Channel, blocks, navID(blocks, label)) })
		return
	}
	c, ok := l.controls()
	if !ok || navID(c.Blocks, label) == "" {
		l.t.Fatalf("no button %q to press: %q", label, l.Buttons())
	}
	l.act(func() { l.h.press(walker, c, navID(c.Blocks, label)) })
}

func (l *slackLearner) Type(text string) {
	l.t.Helper()
	th := l.h.lessonThread(walker, l.Lesson)
	l.events++
	l.act(func() { l.h.reply(walker, th.Channel, th.ThreadID, text, fmt.Sprintf("EvWalk%d", l.events)) })
}

// Said is the notice when the last action got one, else the thread's
// messages since the previous live controls.
func (l *slackLearner) Said() string {
	var sb strings.Builder
	if l.notice != nil {
		sb.WriteString(fmt.Sprint(l.notice["text"]) + "\n")
		for _, b := range noticeBlocks(l.notice) {
			sb.WriteString(sectionTexts(fakeMsg{Blocks: []map[string]any{b}}) + headerText(fakeMsg{Blocks: []map[string]any{b}}) + "\n")
		}
		return sb.String()
	}
	thread := l.thread()
	for i := max(1, len(thread)-4); i < len(thread); i++ {
		sb.WriteString(headerText(thread[i]) + "\n" + sectionTexts(thread[i]) + "\n")
	}
	return sb.String()
}

// TestEveryStateHasAWayOn walks every card of the built-in lesson and of
// the quiz course in Slack (see walktest.Walk).
func TestEveryStateHasAWayOn(t *testing.T) {
	t.Parallel()
	walktest.Each(t, "../..", func(t *testing.T, tc walktest.Case) (walktest.Platform, func()) {
		h := newHarness(t, func(db *store.DB) bot.Handler {
			return lessons.NewEngine(tc.Course, db, lessons.EngineOptions{Log: slog.New(slog.DiscardHandler)})
		}, nil)
		l := &slackLearner{t: t, h: h, Stored: walktest.Stored{T: t, DB: h.db, Key: Platform + ":" + walker, Lesson: tc.Lesson.ID}}
		return l, func() {
			if strings.Contains(h.logs.String(), "level=ERROR") {
				t.Errorf("errors logged on the way:\n%s", h.logs.String())
			}
		}
	})
}
