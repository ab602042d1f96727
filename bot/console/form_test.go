package console

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/coursebot/coursebot"
	"github.com/coursebot/coursebot/bot"
)

// A form's button prompts for its line; the next line (unless a command)
// is the form's command; a command leaves the form.
func TestFormPromptsForItsLine(t *testing.T) {
	t.Parallel()
	card := bot.Reply{Lesson: "4-4", Card: "c", Title: "Capstone", Blocks: []bot.Block{{Kind: bot.BlockMarkdown, Text: "Build it."}},
		Buttons: []bot.Button{{Label: "Next", Action: "next|4-4|c"}, {Label: "Check my repository", Action: bot.FormAction("repo", "4-4")}}}
	h := &script{card: card}
	var out bytes.Buffer
	c := New(h, coursebot.Learner{Platform: "console", UserID: "ada"}, &out, nil)
	c.Forms = bot.NewForms(bot.Form{Name: "repo", Label: "Your repository's URL", Placeholder: "https://github.com/you/project", MaxLength: 40, Command: "capstone", Args: "submit"})
	ctx := context.Background()
	for _, line := range []string{"/start-4-4", "2", "https://github.com/ada/an-address-that-is-far-too-long", "https://github.com/ada/svc",
		"check my repository", "/status", "this is an answer"} {
		if err := c.Line(ctx, line); err != nil {
			t.Fatal(err)
		}
	}
	var got []string
	for _, m := range h.got {
		got = append(got, m.Command+"|"+m.Args+"|"+m.Lesson+"|"+m.Text+"|"+m.Learner.Key())
	}
	want := []string{
		"start-4-4||||console:ada",
		"capstone|submit https://github.com/ada/svc|4-4||console:ada",
		"status||||console:ada",
		"||4-4|this is an answer|console:ada",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("messages:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	for _, w := range []string{"Your repository's URL (for example https://github.com/you/project), or a command to leave it:",
		"That is longer than 40 characters; type it again:"} {
		if !strings.Contains(out.String(), w) {
			t.Errorf("output lacks %q:\n%s", w, out.String())
		}
	}
}
