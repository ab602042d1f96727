package console

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/coursebot/coursebot"
	"github.com/coursebot/coursebot/bot"
)

// script is a handler that answers every message with a fixed card and
// records what it was sent.
type script struct {
	got  []bot.Message
	card bot.Reply
}

func (s *script) Handle(_ context.Context, m bot.Message) ([]bot.Reply, error) {
	s.got = append(s.got, m)
	return []bot.Reply{s.card}, nil
}

func TestLinesBecomeMessages(t *testing.T) {
	t.Parallel()
	card := bot.Reply{Lesson: "4-4", Card: "c", Title: "Checklist",
		Blocks: []bot.Block{
			{Kind: bot.BlockChecklist, Items: []bot.Item{{ID: "i1", Text: "Linting passes"}, {ID: "i2", Text: "Tests pass", Checked: true}}},
			{Kind: bot.BlockRating, Items: []bot.Item{{ID: "r1", Text: "Docker", Value: 3}}},
		},
		Buttons: []bot.Button{{Label: "Back", Action: "back|4-4|c"}, {Label: "Skip question", Action: "skip|4-4|c"}},
	}
	tests := []struct {
		line string
		want bot.Message
	}{
		{"/start-4-4", bot.Message{Kind: bot.KindCommand, Command: "start-4-4"}},
		{"/help-mlops  drift detection ", bot.Message{Kind: bot.KindCommand, Command: "help-mlops", Args: "drift detection"}},
		{"4", bot.Message{Kind: bot.KindAction, Action: "back|4-4|c", Lesson: "4-4"}},
		{"skip", bot.Message{Kind: bot.KindAction, Action: "skip|4-4|c", Lesson: "4-4"}},
		{"back", bot.Message{Kind: bot.KindAction, Action: "back|4-4|c", Lesson: "4-4"}},
		{"Skip Question", bot.Message{Kind: bot.KindAction, Action: "skip|4-4|c", Lesson: "4-4"}},
		{"1", bot.Message{Kind: bot.KindAction, Action: bot.CheckAction("4-4", "i1", true), Lesson: "4-4"}},
		{"2", bot.Message{Kind: bot.KindAction, Action: bot.CheckAction("4-4", "i2", false), Lesson: "4-4"}},
		{"3 4", bot.Message{Kind: bot.KindAction, Action: bot.RateAction("4-4", "r1", 4), Lesson: "4-4"}},
		{"MLOps is shipping models.", bot.Message{Kind: bot.KindText, Text: "MLOps is shipping models.", Lesson: "4-4"}},
	}
	for _, tt := range tests {
		h := &script{card: card}
		var out bytes.Buffer
		c := New(h, coursebot.Learner{Platform: "console", UserID: "ada"}, &out, nil)
		// Show the card first, as the engine would have.
		if err := c.Line(context.Background(), "/start-4-4"); err != nil {
			t.Fatal(err)
		}
		if err := c.Line(context.Background(), tt.line); err != nil {
			t.Fatal(err)
		}
		got := h.got[len(h.got)-1]
		got.Learner = coursebot.Learner{}
		if got != tt.want {
			t.Errorf("%q -> %+v, want %+v", tt.line, got, tt.want)
		}
	}
}

func TestNoticesDoNotReachTheEngine(t *testing.T) {
	t.Parallel()
	card := bot.Reply{Lesson: "4-4", Blocks: []bot.Block{{Kind: bot.BlockRating, Items: []bot.Item{{ID: "r1", Text: "Docker"}}}},
		Buttons: []bot.Button{{Label: "Next", Action: "next|4-4|c"}}}
	h := &script{card: card}
	var out bytes.Buffer
	c := New(h, coursebot.Learner{Platform: "console", UserID: "ada"}, &out, nil)
	ctx := context.Background()
	if err := c.Line(ctx, "/start-4-4"); err != nil {
		t.Fatal(err)
	}
	for _, line := range []string{"9", "1", "1 9", "2 1"} {
		if err := c.Line(ctx, line); err != nil {
			t.Error(err)
		}
	}
	if len(h.got) != 1 {
		t.Errorf("engine got %d messages, want only the first: %+v", len(h.got), h.got)
	}
	for _, want := range []string{"There is no choice 9 here: pick 1 to 2.", `Rate "Docker" by typing 1 followed by 1-5`, "A rating is a number from 1 to 5.",
		"Several numbers tick several checklist items or quiz options; 2 is not one."} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
}

func TestRenderShowsNumbersStateAndCode(t *testing.T) {
	t.Parallel()
	var out bytes.Buffer
	c := New(&script{}, coursebot.Learner{Platform: "console", UserID: "ada"}, &out, nil)
	c.render(bot.Reply{Lesson: "4-4", Title: "Architecture", Context: "card 5 of 42",
		Blocks: []bot.Block{
			{Kind: bot.BlockCode, Text: "┌──┐\n│ A│\n└──┘"},
			{Kind: bot.BlockChecklist, Items: []bot.Item{{ID: "a", Group: "Code Quality", Text: "Linting passes", Checked: true}}},
			{Kind: bot.BlockRating, Items: []bot.Item{{ID: "b", Text: "Docker", Value: 4}}},
			{Kind: bot.BlockQuestion, Question: &bot.Question{Prompt: "Why?", Answered: true, Answer: "Because."}},
		},
		Buttons: []bot.Button{{Label: "Next", Action: "n"}}})
	want := "== Architecture ==\ncard 5 of 42\n\n```\n┌──┐\n│ A│\n└──┘\n```\n\n" +
		"Tick an item by typing its number (again to untick); several as \"3 4 5\".\n  Code Quality\n     1. [x] Linting passes\n\n" +
		"Rate each from 1 to 5: type the number, a space and your rating (\"2 4\"; several as \"2 4, 3 3\").\n     2. ●●●●○ 4  Docker\n\n" +
		"Question: Why?\nYour answer: Because.\n\n[3] Next  \n"
	if got := strings.TrimPrefix(out.String(), "\n"); got != want {
		t.Errorf("render =\n%s\nwant\n%s", got, want)
	}
}

// Several numbers tick several items in one line; the card is shown once.
func TestSeveralTicks(t *testing.T) {
	t.Parallel()
	var items []bot.Item
	for _, id := range []string{"a", "b", "c", "d", "e"} {
		items = append(items, bot.Item{ID: id, Text: "item " + id})
	}
	card := bot.Reply{Lesson: "4-4", Card: "c", Blocks: []bot.Block{{Kind: bot.BlockChecklist, Items: items}},
		Buttons: []bot.Button{{Label: "Next", Action: "next|4-4|c"}}}
	for _, tt := range []struct {
		line string
		want []string
	}{
		{"3 4 5", []string{"c", "d", "e"}},
		{"3,4", []string{"c", "d"}},
		{"1, 2 2", []string{"a", "b"}},
	} {
		h := &script{card: card}
		var out bytes.Buffer
		c := New(h, coursebot.Learner{Platform: "console", UserID: "ada"}, &out, nil)
		if err := c.Line(context.Background(), "/start-4-4"); err != nil {
			t.Error(err)
		}
		out.Reset()
		if err := c.Line(context.Background(), tt.line); err != nil {
			t.Error(err)
		}
		var got []string
		for _, m := range h.got[1:] {
			a, _ := bot.ParseAction(m.Action)
			got = append(got, a.Item)
		}
		if strings.Join(got, " ") != strings.Join(tt.want, " ") {
			t.Errorf("%q ticked %v, want %v", tt.line, got, tt.want)
		}
		if n := strings.Count(out.String(), "Tick an item"); n != 1 {
			t.Errorf("%q: card shown %d times", tt.line, n)
		}
	}
}

// On a question card, a word naming a button presses it ("skip"); a word
// naming a button that is not there ("next") goes to the engine, which
// never saves it as the answer (lessons: TestNavWordsAreNeverAnswers).
func TestButtonWordsOnAQuestionCard(t *testing.T) {
	t.Parallel()
	card := bot.Reply{Lesson: "4-4", Card: "q", Blocks: []bot.Block{{Kind: bot.BlockQuestion, Question: &bot.Question{ID: "q1", Prompt: "Why?"}}},
		Buttons: []bot.Button{{Label: "Back", Action: "back|4-4|q"}, {Label: "Skip question", Action: "skip|4-4|q"}}}
	h := &script{card: card}
	var out bytes.Buffer
	c := New(h, coursebot.Learner{Platform: "console", UserID: "ada"}, &out, nil)
	ctx := context.Background()
	if err := c.Line(ctx, "/start-4-4"); err != nil {
		t.Fatal(err)
	}
	if err := c.Line(ctx, "next"); err != nil {
		t.Fatal(err)
	}
	if last := h.got[len(h.got)-1]; last.Kind != bot.KindText || last.Text != "next" || last.Lesson != "4-4" {
		t.Errorf("next = %+v, want it passed on as text of Lesson 4-4", last)
	}
	if err := c.Line(ctx, "skip"); err != nil {
		t.Fatal(err)
	}
	if last := h.got[len(h.got)-1]; last.Action != "skip|4-4|q" {
		t.Errorf("skip = %+v, want the Skip question button", last)
	}
	if err := c.Line(ctx, "A real answer"); err != nil {
		t.Fatal(err)
	}
	if last := h.got[len(h.got)-1]; last.Text != "A real answer" {
		t.Errorf("answer = %+v", last)
	}
}
