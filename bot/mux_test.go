package bot_test

import (
	"context"
	"strings"
	"testing"

	"github.com/coursebot/coursebot"
	"github.com/coursebot/coursebot/bot"
)

// named answers with its name, so a test sees where a message went.
type named string

func (n named) Handle(_ context.Context, m bot.Message) ([]bot.Reply, error) {
	if m.Text == "refuse" {
		return nil, coursebot.Errorf(coursebot.EINVALID, "no, says %s", n)
	}
	return []bot.Reply{{Title: string(n), Lesson: "4-4", Card: "c", Buttons: []bot.Button{{Label: "Next"}}}}, nil
}

func TestMuxRoutesByTheTable(t *testing.T) {
	t.Parallel()
	lessonCmds := []bot.Command{{Name: "start-4-4", Lesson: "4-4", Installed: true}, {Name: "status"}, {Name: "stuck"}}
	mux := bot.NewMux(named("fallback"))
	mux.CommandsOf(func() []bot.Command { return lessonCmds }, named("engine"))
	mux.Verbs([]string{bot.VerbNext, bot.VerbCheck}, named("engine"))
	mux.Command(bot.Command{Name: "/Cohort", Description: "Cohorts"}, named("cohorts"))
	mux.Verb(bot.VerbSnooze, named("cohorts"))
	mux.InFront(func() []string { return []string{"stuck", ""} }, named("tutor"))
	mux.Text(named("tutor"))

	for _, tc := range []struct {
		m    bot.Message
		want string
	}{
		{bot.Message{Kind: bot.KindCommand, Command: "start-4-4"}, "engine"},
		{bot.Message{Kind: bot.KindCommand, Command: "status"}, "engine"},
		{bot.Message{Kind: bot.KindCommand, Command: "cohort"}, "cohorts"},
		{bot.Message{Kind: bot.KindCommand, Command: "stuck"}, "tutor"}, // in front of the engine's /stuck
		{bot.Message{Kind: bot.KindCommand, Command: "no-such"}, "fallback"},
		{bot.Message{Kind: bot.KindCommand, Command: ""}, "fallback"},
		{bot.Message{Kind: bot.KindAction, Action: bot.Action{Verb: bot.VerbNext, Lesson: "4-4"}.Encode()}, "engine"},
		{bot.Message{Kind: bot.KindAction, Action: bot.Action{Verb: bot.VerbSnooze}.Encode()}, "cohorts"},
		{bot.Message{Kind: bot.KindAction, Action: bot.Action{Verb: "gone"}.Encode()}, "fallback"},
		{bot.Message{Kind: bot.KindAction, Action: "not an action"}, "fallback"},
		{bot.Message{Kind: bot.KindText, Text: "my answer"}, "tutor"},
	} {
		rs, err := mux.Handle(t.Context(), tc.m)
		if err != nil || len(rs) != 1 || rs[0].Title != tc.want {
			t.Errorf("%+v went to %+v (%v), want %s", tc.m, rs, err, tc.want)
		}
	}

	var names []string
	for _, c := range mux.Commands() {
		names = append(names, c.Name)
	}
	if got := strings.Join(names, " "); got != "start-4-4 status stuck cohort" {
		t.Errorf("listed %q: want the registration order, each once, the InFront names unlisted and names normalised", got)
	}
	if !mux.HasCommand("cohort") || !mux.HasCommand("stuck") || mux.HasCommand("no-such") {
		t.Error("HasCommand does not follow the table")
	}
	lessonCmds = append(lessonCmds, bot.Command{Name: "start-5-1"}) // a reloaded course
	if !mux.HasCommand("start-5-1") {
		t.Error("a CommandsOf list is not asked again")
	}
}

func TestMuxAnswersARefusalAndDecoratedAddsButtons(t *testing.T) {
	t.Parallel()
	addStuck := func(rs []bot.Reply) []bot.Reply {
		for i := range rs {
			rs[i].Buttons = append(rs[i].Buttons, bot.Button{Label: "I'm stuck"})
		}
		return rs
	}
	mux := bot.NewMux(bot.Decorated(named("engine"), addStuck))
	rs, err := mux.Handle(t.Context(), bot.Message{Kind: bot.KindText, Text: "an answer", Lesson: "4-4"})
	if err != nil || len(rs) != 1 || len(rs[0].Buttons) != 2 || rs[0].Buttons[1].Label != "I'm stuck" {
		t.Errorf("decorated reply = %+v, %v", rs, err)
	}
	rs, err = mux.Handle(t.Context(), bot.Message{Kind: bot.KindText, Text: "refuse", Lesson: "4-4"})
	if err != nil || len(rs) != 1 || !rs[0].Refused || !rs[0].Ephemeral || rs[0].Lesson != "4-4" || rs[0].Blocks[0].Text != "no, says engine" {
		t.Errorf("refusal = %+v, %v", rs, err)
	}
}

func TestMuxVerbTwiceIsAWiringMistake(t *testing.T) {
	t.Parallel()
	defer func() {
		if recover() == nil {
			t.Error("a verb registered twice did not panic")
		}
	}()
	mux := bot.NewMux(named("fallback"))
	mux.Verb("next", named("a"))
	mux.Verb("next", named("b"))
}

func TestCommandName(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{"/Start-4-4 ": "start-4-4", "status": "status", " /HELP-mlops": "help-mlops", "": ""} {
		if got := bot.CommandName(in); got != want {
			t.Errorf("CommandName(%q) = %q, want %q", in, got, want)
		}
	}
}
