package main

import (
	"bytes"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/coursebot/coursebot"
	"github.com/coursebot/coursebot/bot"
	"github.com/coursebot/coursebot/bot/slack"
	"github.com/coursebot/coursebot/capstone"
	"github.com/coursebot/coursebot/cohorts"
	"github.com/coursebot/coursebot/config"
	"github.com/coursebot/coursebot/course"
	"github.com/coursebot/coursebot/lessons"
	"github.com/coursebot/coursebot/links"
	"github.com/coursebot/coursebot/tutor"
	"github.com/coursebot/coursebot/tutor/tutortest"
)

// TestDiscordOptionsAreDescribed: every command that takes an argument
// passes Discord a real description of it, not a generated one.
func TestDiscordOptionsAreDescribed(t *testing.T) {
	t.Parallel()
	loaded, err := course.LoadBuiltin()
	if err != nil {
		t.Fatal(err)
	}
	cmds := discordCommands(commandList(loaded, config.Default()))
	want := map[string]string{
		"help-mlops": "A concept or term to look up, such as drift; leave empty for the list",
		"cohort":     "What to do, such as join CODE or leave NAME; empty for the list",
		"nudges":     "on or off",
		"lead-notes": "The lesson, such as 4-4",
	}
	for _, c := range cmds {
		if c.Usage != "" && c.UsageHelp == "" {
			t.Errorf("/%s takes %s but does not describe it", c.Name, c.Usage)
		}
		if w, ok := want[c.Name]; ok && c.UsageHelp != w {
			t.Errorf("/%s option described as %q, want %q", c.Name, c.UsageHelp, w)
		}
	}
}

// TestEveryCommandIsRegisteredAndListed: the commands a learner can type
// on a course with a capstone (/stuck) and those of the cohorts layer are
// registered with Discord, and /help in the console lists each of them.
func TestEveryCommandIsRegisteredAndListed(t *testing.T) {
	t.Parallel()
	loaded, err := course.LoadBuiltin()
	if err != nil {
		t.Fatal(err)
	}
	registered := map[string]bool{}
	for _, c := range discordCommands(commandList(loaded, config.Default())) {
		registered[c.Name] = true
	}
	var out, errb bytes.Buffer
	db := filepath.Join(t.TempDir(), "c.db")
	if code := run(t.Context(), []string{"console", "--db", db, "--user", "ada"}, strings.NewReader("/help\n"), &out, &errb, func(string) string { return "" }); code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	for _, name := range []string{"stuck", "cohort", "nudges", "status", "help-mlops", "forget-me"} {
		if !registered[name] {
			t.Errorf("/%s is not registered with Discord", name)
		}
		if !strings.Contains(out.String(), "- /"+name) {
			t.Errorf("/help does not list /%s:\n%s", name, out.String())
		}
	}
}

// table is the routing table as the console builds it, over the built-in
// course (it has quizzes? no; a capstone and repository rules: yes) and a
// store in a temporary directory; with the tutor on a fake model when
// tutorOn.
func table(t *testing.T, tutorOn bool) (*bot.Mux, features) {
	t.Helper()
	cfg := config.Default()
	cfg.Store.Path = filepath.Join(t.TempDir(), "c.db")
	if tutorOn {
		cfg.Tutor.Enabled, cfg.Tutor.BaseURL, cfg.Tutor.Model = true, tutortest.NewServer(t, tutortest.Good), "fake"
	}
	loaded, err := course.LoadBuiltin()
	if err != nil {
		t.Fatal(err)
	}
	db, err := openStore(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := db.Close(); err != nil {
			t.Error(err)
		}
	})
	var mux *bot.Mux
	engine := lessons.NewEngine(loaded, db, lessons.EngineOptions{Log: discardLogger(), Commands: func() []bot.Command { return mux.Commands() }})
	t.Cleanup(func() {
		if err := engine.Close(); err != nil {
			t.Error(err)
		}
	})
	cs, err := newCohorts(cfg, engine, db, discardLogger(), clock{})
	if err != nil {
		t.Fatal(err)
	}
	mux, f, err := newTable(cfg, engine, cs, db, nil, discardLogger(), nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	return mux, f
}

// TestEveryCommandReachesItsFeature: each command the table lists, and
// each button verb a feature registers, goes to that feature; sent, a
// command is answered by it, never with "There is no /x command".
func TestEveryCommandReachesItsFeature(t *testing.T) {
	t.Parallel()
	for _, tutorOn := range []bool{false, true} {
		t.Run(fmt.Sprintf("tutor %v", tutorOn), func(t *testing.T) {
			t.Parallel()
			mux, f := table(t, tutorOn)
			c := f.course()
			owner := map[string]bot.Handler{}
			for _, cmd := range lessons.Commands(c) {
				owner[cmd.Name] = f.lessons
			}
			owner[lessons.ForgetCommand] = f.lessons
			for _, cmd := range cohorts.Commands("cohort", "nudges", "lead-notes") {
				owner[cmd.Name] = f.cohorts
			}
			owner[capstone.Command] = f.capstone
			for _, cmd := range links.Commands() {
				owner[cmd.Name] = f.links
			}
			if tutorOn {
				owner[tutor.StuckCommand], owner[course.HelpCommand(c)] = f.tutor, f.tutor
			}
			listed := map[string]bool{}
			for _, cmd := range mux.Commands() {
				listed[cmd.Name] = true
				m := bot.Message{Learner: coursebot.Learner{Platform: "console", UserID: "ada"}, Kind: bot.KindCommand, Command: cmd.Name}
				if want, ok := owner[cmd.Name]; !ok || mux.Route(m) != want {
					t.Errorf("/%s goes to %T, want %T", cmd.Name, mux.Route(m), want)
				}
				rs, err := mux.Handle(t.Context(), m)
				if err != nil || len(rs) == 0 {
					t.Errorf("/%s: %d replies, %v", cmd.Name, len(rs), err)
				}
				for _, r := range rs {
					for _, b := range r.Blocks {
						if strings.Contains(b.Text, "There is no /"+cmd.Name) {
							t.Errorf("/%s answered as unknown: %s", cmd.Name, b.Text)
						}
					}
				}
			}
			for name := range owner {
				inFront := tutorOn && (name == tutor.StuckCommand || name == course.HelpCommand(c))
				if !listed[name] && !inFront {
					t.Errorf("/%s is routed but not listed", name)
				}
			}
			verbs := map[string]bot.Handler{capstone.Verb: f.capstone, links.Verb: f.links}
			for _, v := range lessons.Verbs {
				verbs[v] = f.lessons
			}
			for _, v := range cohorts.Verbs {
				verbs[v] = f.cohorts
			}
			if tutorOn {
				verbs[tutor.VerbStuck] = f.tutor
			}
			for v, want := range verbs {
				m := bot.Message{Kind: bot.KindAction, Action: bot.Action{Verb: v, Lesson: "4-4"}.Encode()}
				if got := mux.Route(m); got != want {
					t.Errorf("a %q press goes to %T, want %T", v, got, want)
				}
			}
			text := bot.Message{Kind: bot.KindText, Text: "an answer"}
			if want := map[bool]bot.Handler{false: f.lessons, true: f.tutor}[tutorOn]; mux.Route(text) != want {
				t.Errorf("an answer goes to %T, want %T", mux.Route(text), want)
			}
		})
	}
}

// TestPlatformListsAreTheTable: Slack's manifest and Discord's
// registration list the table's commands, those of `slack manifest` and
// `discord register` (built without a store) are the served table's, and
// every command they register is routed.
func TestPlatformListsAreTheTable(t *testing.T) {
	t.Parallel()
	mux, f := table(t, true)
	names := func(cmds []bot.Command) string {
		var out []string
		for _, c := range cmds {
			out = append(out, c.Name)
		}
		return strings.Join(out, " ")
	}
	served := names(mux.Commands())
	if listOnly := names(commandList(f.course(), config.Default())); listOnly != served {
		t.Errorf("slack manifest / discord register list\n%s\nthe served table lists\n%s", listOnly, served)
	}
	manifest, err := slack.Manifest(slackCommands(mux.Commands()), "https://bot.example.com", false)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range mux.Commands() {
		if !bytes.Contains(manifest, []byte("- command: /"+c.Name+"\n")) {
			t.Errorf("the Slack manifest has no /%s", c.Name)
		}
	}
	if got := strings.Count(string(manifest), "- command: /"); got != len(mux.Commands()) {
		t.Errorf("the Slack manifest has %d commands, the table %d", got, len(mux.Commands()))
	}
	for _, c := range discordCommands(mux.Commands()) {
		if !mux.HasCommand(c.Name) {
			t.Errorf("/%s is registered with Discord but not routed", c.Name)
		}
	}
	for _, c := range slackCommands(mux.Commands()) {
		if _, isLesson := course.LessonOfCommand(c.Name); c.Opens && !isLesson {
			t.Errorf("/%s answers at once like a lesson's start", c.Name)
		}
	}
	if !strings.Contains(served, "start-4-4") || !strings.Contains(served, "capstone") || !strings.HasSuffix(served, "forget-me") {
		t.Errorf("the table lists %s", served)
	}
}
