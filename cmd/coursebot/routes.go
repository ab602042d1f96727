// The routing table: where every command, button and answer goes.

package main

import (
	"context"
	"log/slog"
	"net/http"
	"time"

	"github.com/coursebot/coursebot/bot"
	"github.com/coursebot/coursebot/bot/discord"
	"github.com/coursebot/coursebot/bot/slack"
	"github.com/coursebot/coursebot/capstone"
	"github.com/coursebot/coursebot/cohorts"
	"github.com/coursebot/coursebot/config"
	"github.com/coursebot/coursebot/course"
	"github.com/coursebot/coursebot/lessons"
	"github.com/coursebot/coursebot/links"
	"github.com/coursebot/coursebot/store"
	"github.com/coursebot/coursebot/tutor"
)

// features are the handlers the routing table sends messages to, and what
// their command lists depend on.
type features struct {
	course func() *course.Course // the course loaded now
	cfg    config.Config         // the cohort commands' names
	// lessons is the engine, its cards carrying the buttons of the
	// features that have something for them (bot.Decorated).
	lessons  bot.Handler
	cohorts  bot.Handler
	capstone bot.Handler
	links    bot.Handler // /link, /unlink
	tutor    bot.Handler // nil: tutor.enabled is off
	// forget lists /forget-me: the store can forget a learner.
	forget bool
}

// newTable builds the features in front of engine and their routing
// table: the cohort layer (cs), the capstone check (GitHub through client;
// checks counts its results) and, when on, the tutor (obs sees its
// outcomes). The engine's cards carry the check's button, and the tutor's
// "I'm stuck" on top; the tutor hands what it leaves to the decorated
// engine.
func newTable(cfg config.Config, engine *lessons.Engine, cs *cohortSetup, db *store.DB, client *http.Client, log *slog.Logger, checks func(string), obs tutor.Observer) (*bot.Mux, features, error) {
	var shown bot.Handler // the cards as learners see them, for the check to show one again
	cards4check := bot.HandlerFunc(func(ctx context.Context, m bot.Message) ([]bot.Reply, error) { return shown.Handle(ctx, m) })
	checker, err := newCapstone(cfg, engine.Course, db, client, time.Now, log.With("component", "capstone"), checks, cards4check)
	if err != nil {
		return nil, features{}, err
	}
	cards := bot.Decorated(engine, checker.Decorate)
	linker, err := links.New(nil, links.Options{Store: db, Log: log.With("component", "links")})
	if err != nil {
		return nil, features{}, err
	}
	f := features{course: engine.Course, cfg: cfg, lessons: cards, cohorts: cs.Handler, capstone: checker, links: linker,
		forget: true} // the store, *store.DB, forgets (lessons.Forgetter)
	tut, err := newTutor(cfg, cards, engine, db, log, obs)
	if err != nil {
		return nil, features{}, err
	}
	if tut != nil {
		f.lessons, f.tutor = bot.Decorated(cards, tut.Decorate), tut
	}
	shown = f.lessons
	return routes(f), f, nil
}

// routes is the one routing table (bot.Mux). A command goes to the feature
// registered for its name, a button to the feature of its action's verb,
// an answer to the text route; what no route holds goes to the engine,
// which says what exists (and answers /help when the course has no /help
// of its own). The order of registration is the order of /help's list
// and of the commands Slack's manifest and Discord's registration get.
//
// A new feature's commands: add its Command (or CommandsOf, when they
// depend on the course) and its verbs here.
func routes(f features) *bot.Mux {
	mux := bot.NewMux(f.lessons)
	// The engine (package lessons): /start-X-Y, the course's status and
	// help commands, /review, /stuck; a lesson's buttons; answers.
	mux.CommandsOf(func() []bot.Command { return lessons.Commands(f.course()) }, f.lessons)
	mux.Verbs(lessons.Verbs, f.lessons)
	mux.Text(f.lessons)
	// Cohorts: /cohort, /nudges, /lead-notes (names from the config);
	// invitations, a nudge's snooze and on/off, /cohort answers' pages.
	for _, c := range cohorts.Commands(f.cfg.Cohorts.Command, f.cfg.Cohorts.NudgesCommand, f.cfg.Cohorts.LeadNotesCommand) {
		mux.Command(c, f.cohorts)
	}
	mux.Verbs(cohorts.Verbs, f.cohorts)
	// The capstone check: /capstone when the course has repository rules;
	// Check again.
	mux.CommandsOf(func() []bot.Command { return capstone.Commands(f.course()) }, f.capstone)
	mux.Verb(capstone.Verb, f.capstone)
	// One learner on every platform: /link, /unlink; the unlink
	// confirmation.
	for _, c := range links.Commands() {
		mux.Command(c, f.links)
	}
	mux.Verb(links.Verb, f.links)
	// /forget-me, last in the lists.
	if f.forget {
		mux.Command(lessons.Forget, f.lessons)
	}
	// The AI tutor, in front of the engine: /stuck, /help-mlops with a
	// question (it hands a bare /help-mlops to the engine), "I'm stuck",
	// and every answer (it replies in place of the fixed follow-up).
	if f.tutor != nil {
		mux.InFront(func() []string {
			return []string{tutor.StuckCommand, course.HelpCommand(f.course())}
		}, f.tutor)
		mux.Verb(tutor.VerbStuck, f.tutor)
		mux.Text(f.tutor)
	}
	return mux
}

// commandList is the routing table's command list without handlers: for
// `slack manifest` and `discord register`, which answer no messages.
func commandList(c *course.Course, cfg config.Config) []bot.Command {
	none := noMessages{}
	return routes(features{course: func() *course.Course { return c }, cfg: cfg,
		lessons: none, cohorts: none, capstone: none, links: none, forget: true}).Commands()
}

// slackCommands are the table's commands for Slack's manifest.
func slackCommands(cmds []bot.Command) []slack.Command {
	out := make([]slack.Command, 0, len(cmds))
	for _, c := range cmds {
		out = append(out, slack.Command{Name: c.Name, Description: c.Description, Usage: c.Usage, Opens: c.Lesson != "" && c.Installed})
	}
	return out
}

// discordCommands are the table's commands for Discord's registration.
func discordCommands(cmds []bot.Command) []discord.Command {
	out := make([]discord.Command, 0, len(cmds))
	for _, c := range cmds {
		out = append(out, discord.Command{Name: c.Name, Description: c.Description, Usage: c.Usage, UsageHelp: c.UsageHelp, Lesson: c.Lesson != ""})
	}
	return out
}
