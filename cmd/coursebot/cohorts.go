package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"time"

	"github.com/coursebot/coursebot"
	"github.com/coursebot/coursebot/bot"
	"github.com/coursebot/coursebot/bot/console"
	"github.com/coursebot/coursebot/cohorts"
	"github.com/coursebot/coursebot/config"
	"github.com/coursebot/coursebot/internal/recovery"
	"github.com/coursebot/coursebot/lessons"
	"github.com/coursebot/coursebot/scheduler"
	"github.com/coursebot/coursebot/store"
)

// clock is the time seam of the cohort layer; the zero value is the real
// clock.
type clock struct {
	now   func() time.Time
	after func(time.Duration) <-chan time.Time
}

// cohortSetup is the cohort layer and the scheduler behind it, wired from
// config.
type cohortSetup struct {
	Handler *cohorts.Handler
	// Forms are the forms buttons open (the capstone check's).
	Forms bot.Forms
	// Table is the routing table the console talks to (routes).
	Table bot.Handler
	sched *scheduler.Scheduler
	// Panics receives the scheduler's recovered panics (serve's counter).
	Panics *recovery.Panics
	cfg    config.Config
	db     *store.DB
	engine *lessons.Engine
	log    *slog.Logger
	clock  clock
	// dms are the direct-message senders by platform, shared with the
	// handler (invitations); Scheduler fills them.
	dms map[string]bot.Sender
	// Channels check, by platform, that a lead binding a channel to a
	// cohort is in it (the Slack and Discord adapters); fill before serving.
	Channels map[string]cohorts.ChannelAccess
	// OnRun, when set before Scheduler, is told how each run ended
	// (scheduler.Options.OnRun): for coursebot_scheduler_runs_total.
	OnRun func(kind, result string)
}

// newCohorts builds the cohort handler in front of engine.
func newCohorts(cfg config.Config, engine *lessons.Engine, db *store.DB, log *slog.Logger, clk clock) (*cohortSetup, error) {
	if clk.now == nil {
		clk.now = time.Now
	}
	c := &cohortSetup{cfg: cfg, db: db, engine: engine, log: log, clock: clk, dms: map[string]bot.Sender{}, Channels: map[string]cohorts.ChannelAccess{}}
	h, err := cohorts.NewHandler(nil, cohorts.Options{
		Store: db, Course: engine.Course, Admins: cfg.Admins,
		Command: cfg.Cohorts.Command, NudgesCommand: cfg.Cohorts.NudgesCommand, LeadNotesCommand: cfg.Cohorts.LeadNotesCommand,
		DefaultTimezone: cfg.Cohorts.DefaultTimezone, Digest: cfg.Cohorts.Digest, ShareAnswers: cfg.Course.ShareAnswersWithLeads,
		Nudges: cfg.NudgeOptions(), Now: clk.now, Log: log, DMs: c.dms, Channels: c.Channels,
		Wake: func() {
			if c.sched != nil {
				c.sched.Wake()
			}
		},
	})
	if err != nil {
		return nil, err
	}
	c.Handler = h
	return c, nil
}

// Scheduler builds the scheduler over the given senders (DMs and channel
// posts, by platform) and returns its runner: it runs until ctx is done.
// With scheduler.enabled false the runner just waits. The handler sends
// its invitations through the same DM senders.
func (c *cohortSetup) Scheduler(dms map[string]bot.Sender, chans map[string]scheduler.ChannelSender) (func(context.Context) error, error) {
	maps.Copy(c.dms, dms)
	if !c.cfg.Scheduler.Enabled {
		return func(ctx context.Context) error { <-ctx.Done(); return nil }, nil
	}
	s, err := scheduler.New(scheduler.Options{
		Store: c.db, Course: c.engine.Course, Senders: dms, Channels: chans,
		Now: c.clock.now, After: c.clock.after, Log: c.log.With("component", "scheduler"),
		CatchUp: c.cfg.Scheduler.CatchUp, Nudges: c.cfg.NudgeOptions(),
		Admins: c.cfg.Admins, Digest: c.Handler.Digest, LeadSummary: c.Handler.LeadSummary, OnRun: c.OnRun, Panics: c.Panics,
	})
	if err != nil {
		return nil, err
	}
	c.sched = s
	return s.Run, nil
}

// runExportCohort is `coursebot export cohort NAME`: the cohort's progress
// table as CSV on stdout (no answers).
func runExportCohort(ctx context.Context, args []string, stdout io.Writer, env func(string) string) (err error) {
	fs := flags("export cohort")
	set := settingsFlags(fs, true)
	if err := parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return usagef("export cohort: want the cohort's name: coursebot export cohort NAME")
	}
	cfg, err := set.load(env)
	if err != nil {
		return err
	}
	loaded, err := loadCourse(cfg.Course.Dir)
	if err != nil {
		return err
	}
	db, err := openStore(cfg)
	if err != nil {
		return err
	}
	defer closeInto(&err, db, "the database")
	engine := lessons.NewEngine(loaded, db, lessons.EngineOptions{Log: discardLogger()})
	c, err := newCohorts(cfg, engine, db, discardLogger(), clock{})
	if err != nil {
		return err
	}
	t, err := c.Handler.Progress(ctx, fs.Arg(0))
	if err != nil {
		return fmt.Errorf("export cohort %s: %w", fs.Arg(0), err)
	}
	return t.WriteCSV(stdout)
}

// console runs the console for who with the cohort commands and, in the
// background, the scheduler, whose reminders and nudges print on out. It
// returns when the console ends, after the scheduler has stopped.
// md renders Markdown for the terminal (nil: as written).
func (c *cohortSetup) console(ctx context.Context, who coursebot.Learner, in io.Reader, out io.Writer, term termStyle) error {
	cons := console.New(c.Table, who, out, c.log.With("platform", "console"))
	cons.Forms = c.Forms
	cons.Markdown, cons.Prompt, cons.Width = term.markdown, term.prompt, term.width
	// Direct messages to this learner (a nudge, a review reminder) join
	// the conversation with numbered buttons; others are printed.
	printer := console.NewPrinter(out)
	printer.Own, printer.Show = who, cons.Notify
	run, err := c.Scheduler(map[string]bot.Sender{"console": printer}, map[string]scheduler.ChannelSender{"console": printer})
	if err != nil {
		return err
	}
	ctx, stop := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- run(ctx) }()
	err = cons.Run(ctx, in)
	stop()
	if serr := <-done; serr != nil && err == nil {
		err = serr
	}
	return err
}

// consoleLogger keeps the terminal quiet: warnings and errors only.
func consoleLogger(stderr io.Writer) *slog.Logger {
	return slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
}
