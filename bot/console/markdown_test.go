package console

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/coursebot/coursebot"
	"github.com/coursebot/coursebot/bot"
)

// With a Markdown renderer, bold, headings and lists are styled; code
// blocks are printed byte for byte.
func TestStyledMarkdown(t *testing.T) {
	t.Parallel()
	md, err := Styled(80)
	if err != nil {
		t.Fatal(err)
	}
	card := bot.Reply{Lesson: "4-4", Blocks: []bot.Block{
		{Kind: bot.BlockMarkdown, Text: "## Heading\n\n**Choose a problem:**\n\n- one\n- two"},
		{Kind: bot.BlockCode, Text: "+--**x**--+\n| - a    |"},
	}}
	var out bytes.Buffer
	c := New(&script{card: card}, coursebot.Learner{Platform: "console", UserID: "ada"}, &out, nil)
	c.Markdown = md
	if err := c.Line(context.Background(), "/start-4-4"); err != nil {
		t.Fatal(err)
	}
	got := out.String()
	for _, gone := range []string{"**Choose", "## Heading", "- one"} {
		if strings.Contains(got, gone) {
			t.Errorf("%q left as Markdown:\n%s", gone, got)
		}
	}
	for _, want := range []string{"Choose a problem:", "Heading", "•", "one", "```\n+--**x**--+\n| - a    |\n```"} {
		if !strings.Contains(got, want) {
			t.Errorf("output lacks %q:\n%s", want, got)
		}
	}
}
