package lessons_test

import (
	"strings"
	"testing"

	"github.com/coursebot/coursebot/bot"
	"github.com/coursebot/coursebot/bot/markup"
)

// /help-mlops shows the best cards with where to read them, lists as lists
// and tables as aligned code blocks.
func TestHelpSearchRendersPassages(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	l := h.learner("hs")
	r := l.cmd("help-mlops", "how do I roll back")
	all := text(r)
	if !r.Ephemeral || !strings.Contains(all, "What's Partially Implemented**\nLesson 4.4, card 14 of 41 · read it with /start-4-4") {
		t.Fatalf("no pointer to the rollback card in:\n%s", all)
	}
	var table, list bool
	for _, b := range r.Blocks {
		if b.Kind == bot.BlockCode && strings.Contains(b.Text, "Rollback     Manual               Automated rollback on failure") {
			table = true
		}
		if b.Kind == bot.BlockMarkdown && strings.Contains(b.Text, "- CI/CD pipeline functional\n- Rollback procedure documented") {
			list = true
		}
	}
	if !table || !list {
		t.Errorf("table as code block %v, list kept %v, in:\n%+v", table, list, r.Blocks)
	}
	if !hasButton(r, "Open Lesson 4.4") {
		t.Errorf("buttons %+v", r.Buttons)
	}
}

// The topic is echoed as typed, never as live Markdown or HTML (issue 14).
func TestHelpEscapesTopic(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	l := h.learner("he")
	for _, topic := range []string{"**bold** <b>x</b>", "zzqx **bold** <b>x</b> [a](http://e.x) # h"} {
		r := l.cmd("help-mlops", topic)
		if strings.Contains(r.Title, "<b>") || strings.Contains(r.Title, "**") {
			t.Errorf("title %q echoes the topic", r.Title)
		}
		first := r.Blocks[0].Text
		for _, raw := range []string{"**bold**", "<b>", "[a]("} {
			if strings.Contains(first, raw) {
				t.Errorf("%q echoed unescaped: %q", raw, first)
			}
		}
		if !strings.Contains(first, `\*\*bold\*\* \<b\>x\</b\>`) {
			t.Errorf("topic not shown escaped: %q", first)
		}
		// As the adapters render it: escaped on Discord (which shows HTML
		// as text), entities on Slack.
		if d := markup.ToDiscord(first); !strings.Contains(d, `\*\*bold\*\* <b>x</b>`) {
			t.Errorf("Discord: %q", d)
		}
		if s := markup.ToSlack(first); !strings.Contains(s, "**bold** &lt;b&gt;x&lt;/b&gt;") {
			t.Errorf("Slack: %q", s)
		}
	}
}

// /help says what to do first (the lesson to start), then the rest.
func TestGettingStarted(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	l := h.learner("gs")
	r := l.cmd("help")
	all := text(r)
	start := strings.Index(all, "**Start here:** /start-4-4")
	then := strings.Index(all, "/status: Check your progress")
	if !r.Ephemeral || start < 0 || then < start || !strings.Contains(all, "/help-mlops [topic]") || !hasButton(r, "Start Lesson 4.4") {
		t.Errorf("/help = %q %+v", all, r.Buttons)
	}
}
