package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/coursebot/coursebot"
	"github.com/coursebot/coursebot/bot"
	"github.com/coursebot/coursebot/bot/discord"
	"github.com/coursebot/coursebot/bot/slack"
	"github.com/coursebot/coursebot/cohorts"
	"github.com/coursebot/coursebot/config"
	"github.com/coursebot/coursebot/course"
	"github.com/coursebot/coursebot/delivery"
	"github.com/coursebot/coursebot/internal/recovery"
	"github.com/coursebot/coursebot/lessons"
	"github.com/coursebot/coursebot/ratelimit"
	"github.com/coursebot/coursebot/scheduler"
	"github.com/coursebot/coursebot/store"
)

// shutdownGrace bounds how long in-flight HTTP requests may take to finish
// once a shutdown starts; the adapters then get their own bounded drain.
const shutdownGrace = 10 * time.Second

// runServe runs the chat platforms the config enables in one process, with
// a public HTTP server for their endpoints, /healthz and /readyz, and an
// admin one for /metrics and backups (admin.go), until SIGINT/SIGTERM.
// SIGHUP reloads the course.
func runServe(ctx context.Context, args []string, stdout, stderr io.Writer, env func(string) string) error {
	fs := flags("serve")
	set := settingsFlags(fs, true)
	if err := parse(fs, args); err != nil {
		return err
	}
	if *set.config == "" {
		return usagef("serve: --config FILE is required")
	}
	cfg, err := set.load(env)
	if err != nil {
		return err
	}
	if !cfg.Slack.Enabled && !cfg.Discord.Enabled {
		return fmt.Errorf("%s: nothing to serve: set slack.enabled or discord.enabled (or use coursebot console)", *set.config)
	}
	if err := cfg.RequireSecrets(); err != nil {
		// One line for the operator, every missing variable named.
		return errors.New(strings.ReplaceAll(err.Error(), "\n", "; "))
	}
	s, err := newServer(cfg, cfg.Log.NewLogger(stderr))
	if err != nil {
		return err
	}
	defer s.close()
	return s.run(ctx, stdout)
}

// server is one `coursebot serve` process: the store, the engine, the
// adapters and the HTTP server, wired by newServer and run by run.
type server struct {
	cfg    config.Config
	log    *slog.Logger
	m      *serveMetrics
	db     *store.DB
	engine *lessons.Engine
	table  *bot.Mux       // the routing table (routes.go)
	mux    *http.ServeMux // public: http.listen
	admin  *http.ServeMux // operator: admin.listen (admin.go)
	// panics is where every recovered panic goes (recovery.Panics): counted in
	// coursebot_panics_total{where}. Every worker gets it.
	panics *recovery.Panics
	// inbox is the delivery pipeline every platform's requests go
	// through (docs/delivery.md); its queue is closed at shutdown.
	inbox *delivery.Inbox

	// runners run until their context is cancelled at shutdown, after the
	// HTTP server has stopped; each finishes its queued work first.
	runners []func(context.Context) error
	// checks are /readyz: every one must pass.
	checks   []readyCheck
	closers  []func()
	draining atomic.Bool
	// backupRunning is held while POST /admin/backup sends a copy.
	backupRunning sync.Mutex
}

type readyCheck struct {
	name  string
	check func() error
}

// newServer opens everything cfg enables. On error nothing stays open.
func newServer(cfg config.Config, log *slog.Logger) (_ *server, err error) {
	s := &server{cfg: cfg, log: log, m: newServeMetrics(), mux: http.NewServeMux(), admin: http.NewServeMux()}
	s.panics = &recovery.Panics{Log: log, Count: func(where string, _ any) { s.m.Panics.WithLabelValues(where).Inc() }}
	defer func() {
		if err != nil {
			s.close()
		}
	}()
	loaded, err := loadCourse(cfg.Course.Dir)
	if err != nil {
		return nil, err
	}
	s.db, err = openStoreWith(cfg, func(err error) { s.panics.Report("store", err) })
	if err != nil {
		return nil, err
	}
	s.closers = append(s.closers, func() {
		if err := s.db.Close(); err != nil {
			log.Error("close store", "err", err)
		}
	})
	s.m.watchWrites(s.db.WriteWait)
	s.engine = lessons.NewEngine(loaded, &observedStore{DB: s.db, m: s.m}, lessons.EngineOptions{Log: log, AnswerLimit: cfg.Course.AnswerLimit,
		Commands: func() []bot.Command { return s.table.Commands() }})
	s.closers = append(s.closers, func() {
		if err := s.engine.Close(); err != nil {
			log.Error("close the course search", "err", err)
		}
	})
	cohortsSetup, err := newCohorts(cfg, s.engine, s.db, log, clock{})
	if err != nil {
		return nil, err
	}
	s.inbox = newInbox(cfg.Delivery, s.db, log, s.panics, s.m)
	dms, chans := map[string]bot.Sender{}, map[string]scheduler.ChannelSender{}
	s.table, _, err = newTable(cfg, s.engine, cohortsSetup, s.db, apiClient("github", cfg.Capstone.Timeout, cfg.Delivery.Workers, s.m), log,
		func(result string) { s.m.CapstoneChecks.WithLabelValues(result).Inc() }, newTutorMetrics(s.m.reg))
	if err != nil {
		return nil, err
	}
	handler := &observedHandler{next: s.table, m: s.m, log: log, learnerID: cfg.Log.LearnerID, known: s.table.HasCommand, panics: s.panics}

	s.mux.HandleFunc("GET /healthz", serveHealth)
	s.mux.HandleFunc("GET /readyz", s.serveReady)
	s.adminRoutes()
	s.checks = append(s.checks,
		readyCheck{"store", storeReady(s.db)},
		readyCheck{"course", func() error {
			if c := s.engine.Course(); c == nil || len(c.Lessons) == 0 {
				return errors.New("no course loaded")
			}
			return nil
		}},
		readyCheck{"shutdown", func() error {
			if s.draining.Load() {
				return errors.New("shutting down")
			}
			return nil
		}},
	)

	if cfg.Slack.Enabled {
		a, err := slack.New(slack.Options{
			BotToken: cfg.Secrets.SlackBotToken.Reveal(), SigningSecret: cfg.Secrets.SlackSigningSecret.Reveal(),
			AppToken: cfg.Secrets.SlackAppToken.Reveal(), APIURL: cfg.Slack.APIURL, Mode: cfg.Slack.Mode,
			Placement: cfg.Slack.Placement, ChannelPlacement: cfg.Slack.Channels, LessonPlacement: cfg.Slack.Courses,
			Handler: handler, Store: s.db, Commands: slackCommands(s.table.Commands()), Forms: capstoneForms(), Log: log, // the adapter adds platform=slack
			HTTPClient: apiClient("slack", 15*time.Second, cfg.Delivery.Workers, s.m), Panics: s.panics, Inbox: s.inbox,
			Limits: cfg.Slack.Limits.RateLimits(), RateObserver: s.m.Rate.observer("slack"),
		})
		if err != nil {
			return nil, fmt.Errorf("slack: %w", err)
		}
		s.addPlatform("slack", a, cfg.Slack.Mode == slack.ModeHTTP, dms, chans, cohortsSetup)
	}
	if cfg.Discord.Enabled {
		a, err := newDiscord(cfg, s.table.Commands(), handler, s.db, log, apiClient("discord", 20*time.Second, cfg.Delivery.Workers, s.m), s.panics, s.inbox, s.m.Rate.observer("discord"))
		if err != nil {
			return nil, err
		}
		s.addPlatform("discord", a, cfg.Discord.Mode == discord.ModeHTTP, dms, chans, cohortsSetup)
	}
	cohortsSetup.OnRun = func(kind, result string) { s.m.SchedulerRuns.WithLabelValues(kind, result).Inc() }
	cohortsSetup.Panics = s.panics
	runScheduler, err := cohortsSetup.Scheduler(countedSenders(s.m, dms, chans))
	if err != nil {
		return nil, err
	}
	s.runners = append(s.runners, runScheduler, func(ctx context.Context) error {
		return pruneDedup(ctx, s.db, time.Now, time.After, log)
	})
	return s, nil
}

// platform is a chat adapter as serve runs it (bot/slack, bot/discord):
// its webhooks on the public server, its connection (or a wait) until
// shutdown, its readiness for /readyz; and what the rest of the bot uses
// it for: direct messages and channel posts (the scheduler, invitations)
// and who may bind a channel to a cohort. The adapters share serve's
// inbox, whose queue serve closes (so an adapter has nothing of its own
// to close).
type platform interface {
	Routes(mux *http.ServeMux)
	Run(ctx context.Context) error
	Ready() error
	bot.Sender
	scheduler.ChannelSender
	cohorts.ChannelAccess
}

var (
	_ platform = (*slack.Adapter)(nil)
	_ platform = (*discord.Adapter)(nil)
)

// addPlatform puts p in service: its routes when it takes webhooks, its
// runner, its readiness check, and its senders for the scheduler and the
// cohort layer.
func (s *server) addPlatform(name string, p platform, webhooks bool, dms map[string]bot.Sender, chans map[string]scheduler.ChannelSender, cs *cohortSetup) {
	if webhooks {
		p.Routes(s.mux)
	}
	s.runners = append(s.runners, p.Run)
	s.checks = append(s.checks, readyCheck{name, p.Ready})
	dms[name], chans[name] = p, p
	cs.Channels[name] = p // who may bind a channel
}

// close releases what newServer opened, last opened first.
func (s *server) close() {
	for i := len(s.closers) - 1; i >= 0; i-- {
		s.closers[i]()
	}
	s.closers = nil
}

// writesStalled is how long a store write may wait before /readyz says
// writes are blocked: a commit takes milliseconds, and Slack wants its
// acknowledgement within 3 s.
const writesStalled = 2 * time.Second

// storeReady is /readyz's store check: no damaged page met, no write
// waiting longer than writesStalled, and a read answers. The read is made
// only while no write is in progress: a write growing the file's map makes
// new readers wait for it, and the probe must answer, not hang with them.
func storeReady(db interface {
	Fault() error
	WriteWait() time.Duration
	Schema() (int, error)
}) func() error {
	return func() error {
		if err := db.Fault(); err != nil {
			return err // a damaged page was met: not ready until restored
		}
		wait := db.WriteWait()
		if wait > writesStalled {
			return fmt.Errorf("writes are blocked: one has waited %s (a slow or full disk, or a long read transaction holding back the file's growth); requests are not being acknowledged", wait.Round(100*time.Millisecond))
		}
		if wait > 0 {
			return nil // a write is under way: the store answers
		}
		_, err := db.Schema()
		return err
	}
}

// serveReady is /readyz: 200 when the store answers, a course is loaded
// and every enabled platform is connected; else 503 listing what is not.
func (s *server) serveReady(w http.ResponseWriter, _ *http.Request) {
	var failed []string
	for _, c := range s.checks {
		if err := c.check(); err != nil {
			failed = append(failed, c.name+": "+err.Error())
		}
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	if len(failed) > 0 {
		w.WriteHeader(http.StatusServiceUnavailable)
		// A failed write means the prober went away: nothing to tell it.
		_, _ = io.WriteString(w, strings.Join(failed, "\n")+"\n")
		return
	}
	_, _ = io.WriteString(w, "ready\n")
}

// handler is the public HTTP server's handler: the mux with a size limit on
// every body (checked before any signature is), request ids, metrics, logs
// and panic recovery.
func (s *server) handler() http.Handler {
	return observeHTTP(http.MaxBytesHandler(recordPattern(s.mux), int64(s.cfg.HTTP.MaxBodyBytes)), s.m, s.log)
}

// adminHandler is the admin server's handler: the admin mux, observed like
// the public one. Admin requests carry no body worth more than a few bytes.
func (s *server) adminHandler() http.Handler {
	return observeHTTP(http.MaxBytesHandler(recordPattern(s.admin), 4096), s.m, s.log)
}

// reload loads the course directory again and swaps it in atomically. A
// course with problems is rejected (each logged as file:line) and the old
// one keeps serving.
func (s *server) reload() error {
	if s.cfg.Course.Dir == "" {
		s.log.Info("course reload: serving the built-in course; nothing to reload")
		s.m.Reloads.WithLabelValues("unchanged").Inc()
		return nil
	}
	c, err := course.LoadDir(s.cfg.Course.Dir)
	if err != nil {
		s.m.Reloads.WithLabelValues("rejected").Inc()
		var ce *course.CourseError
		if errors.As(err, &ce) {
			for _, p := range ce.Problems {
				s.log.Error("course reload: problem", "problem", p.String())
			}
		}
		s.log.Error("course reload rejected; still serving the previous course", "dir", s.cfg.Course.Dir, "err", err)
		return err
	}
	s.engine.SetCourse(c)
	s.m.Reloads.WithLabelValues("ok").Inc()
	s.log.Info("course reloaded", "dir", s.cfg.Course.Dir, "lessons", len(c.Lessons))
	return nil
}

// run serves until ctx is done, then shuts down in order: /readyz turns
// 503, the listener closes and in-flight requests finish (bounded by
// shutdownGrace), then the adapters finish their queued work (each bounded)
// and stop; the caller closes the store.
func (s *server) run(ctx context.Context, stdout io.Writer) error {
	ln, err := net.Listen("tcp", s.cfg.HTTP.Listen)
	if err != nil {
		return fmt.Errorf("http.listen %s: %w", s.cfg.HTTP.Listen, err)
	}
	adminLn, err := net.Listen("tcp", s.cfg.Admin.Listen)
	if err != nil {
		_ = ln.Close()
		return fmt.Errorf("admin.listen %s: %w", s.cfg.Admin.Listen, err)
	}
	srv := &http.Server{
		Handler:           s.handler(),
		ReadTimeout:       s.cfg.HTTP.ReadTimeout,
		ReadHeaderTimeout: s.cfg.HTTP.ReadTimeout,
		WriteTimeout:      s.cfg.HTTP.WriteTimeout,
		IdleTimeout:       2 * s.cfg.HTTP.ReadTimeout,
		ErrorLog:          slog.NewLogLogger(s.log.Handler(), slog.LevelWarn),
	}
	// Work acknowledged before the last stop (or crash) is queued before
	// any new request is taken, so each learner's order holds.
	if _, err := s.inbox.Recover(ctx); err != nil {
		return errors.Join(err, ln.Close(), adminLn.Close())
	}
	// A backup streams as long as it takes: no write timeout on admin.
	adminSrv := &http.Server{
		Handler:           s.adminHandler(),
		ReadTimeout:       s.cfg.HTTP.ReadTimeout,
		ReadHeaderTimeout: s.cfg.HTTP.ReadTimeout,
		IdleTimeout:       2 * s.cfg.HTTP.ReadTimeout,
		ErrorLog:          slog.NewLogLogger(s.log.Handler(), slog.LevelWarn),
	}
	s.log.Info("serving", "addr", ln.Addr().String(), "admin", adminLn.Addr().String(), "slack", s.cfg.Slack.Enabled, "discord", s.cfg.Discord.Enabled)
	if _, err := fmt.Fprintf(stdout, "coursebot serving on %s\ncoursebot admin on %s\n", ln.Addr(), adminLn.Addr()); err != nil {
		s.log.Warn("write the serving addresses to stdout", "err", err)
	}

	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	defer signal.Stop(hup)

	runCtx, stopRunners := context.WithCancel(context.Background())
	defer stopRunners()
	var wg sync.WaitGroup
	errc := make(chan error, len(s.runners)+2)
	wg.Add(2)
	go func() {
		defer wg.Done()
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			errc <- fmt.Errorf("http server: %w", err)
		}
	}()
	go func() {
		defer wg.Done()
		if err := adminSrv.Serve(adminLn); err != nil && !errors.Is(err, http.ErrServerClosed) {
			errc <- fmt.Errorf("admin server: %w", err)
		}
	}()
	for _, run := range s.runners {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := run(runCtx); err != nil {
				errc <- err
			}
		}()
	}
	var runErr error
wait:
	for {
		select {
		case <-ctx.Done():
			break wait
		case runErr = <-errc:
			break wait
		case <-hup:
			_ = s.reload()
		}
	}
	s.log.Info("shutting down: finishing in-flight requests", "grace", shutdownGrace)
	s.draining.Store(true)
	shutdown, cancel := context.WithTimeout(context.Background(), shutdownGrace)
	defer cancel()
	if err := srv.Shutdown(shutdown); err != nil {
		s.log.Warn("http shutdown: requests still running were cut off", "err", err)
	}
	if err := adminSrv.Shutdown(shutdown); err != nil {
		s.log.Warn("admin shutdown: requests still running (a backup?) were cut off", "err", err)
	}
	stopRunners()
	// Running work gets the grace period; work not started stays in the
	// inbox for the next start.
	s.inbox.Queue().Close(s.cfg.Delivery.ShutdownGrace)
	wg.Wait()
	s.log.Info("stopped", "inbox_left", s.inbox.Stats().Depth)
	return runErr
}

func newDiscord(cfg config.Config, cmds []bot.Command, h bot.Handler, db discord.Store, log *slog.Logger, client *http.Client, panics *recovery.Panics, inbox *delivery.Inbox, rate ratelimit.Observer) (*discord.Adapter, error) {
	a, err := discord.New(discord.Options{
		Token: cfg.Secrets.DiscordToken.Reveal(), PublicKey: cfg.Secrets.DiscordPublicKey.Reveal(),
		ApplicationID: cfg.Discord.ApplicationID, APIURL: cfg.Discord.APIURL, Mode: cfg.Discord.Mode,
		GuildIDs: cfg.Discord.GuildIDs, PrivateThreads: cfg.Discord.PrivateThreads,
		Handler: h, Store: db, Commands: discordCommands(cmds), Forms: capstoneForms(), Log: log, // the adapter adds platform=discord
		HTTPClient: client, Panics: panics, Inbox: inbox, Limits: cfg.Discord.Limits.RateLimits(), RateObserver: rate,
	})
	if err != nil {
		return nil, fmt.Errorf("discord: %w", err)
	}
	return a, nil
}

// runSlack is `coursebot slack manifest`.
func runSlack(args []string, stdout io.Writer, env func(string) string) error {
	if len(args) == 0 || args[0] != "manifest" {
		return usagef("slack: want manifest")
	}
	fs := flags("slack manifest")
	url := fs.String("url", "", "the bot's public base URL (https://...)")
	socket := fs.Bool("socket", false, "Socket Mode: no request URLs")
	dir := fs.String("course", "", "course directory (default: the built-in course)")
	if err := parse(fs, args[1:]); err != nil {
		return err
	}
	if *url == "" && !*socket {
		return usagef("slack manifest: --url BASE is required unless --socket")
	}
	loaded, err := loadCourse(*dir)
	if err != nil {
		return err
	}
	out, err := slack.Manifest(slackCommands(commandList(loaded, config.Default())), *url, *socket)
	if err != nil {
		return err
	}
	_, err = stdout.Write(out)
	return err
}

// runDiscord is `coursebot discord register`.
func runDiscord(ctx context.Context, args []string, stdout, stderr io.Writer, env func(string) string) error {
	if len(args) == 0 || args[0] != "register" {
		return usagef("discord: want register")
	}
	fs := flags("discord register")
	set := settingsFlags(fs, true)
	if err := parse(fs, args[1:]); err != nil {
		return err
	}
	if *set.config == "" {
		return usagef("discord register: --config FILE is required")
	}
	cfg, err := set.load(env)
	if err != nil {
		return err
	}
	cfg.Discord.Enabled = true
	if err := cfg.RequireSecrets(); err != nil {
		return err
	}
	loaded, err := loadCourse(cfg.Course.Dir)
	if err != nil {
		return err
	}
	log := cfg.Log.NewLogger(stderr)
	a, err := newDiscord(cfg, commandList(loaded, cfg), noMessages{}, nopThreads{}, log, nil, nil, nil, nil)
	if err != nil {
		return err
	}
	defer a.Close()
	results, err := a.RegisterCommands(ctx)
	if err != nil {
		return err
	}
	for _, r := range results {
		if _, err := fmt.Fprintln(stdout, r); err != nil {
			return err
		}
	}
	return nil
}

// nopThreads is the store for `discord register`, which handles no
// interactions and so never remembers threads.
type nopThreads struct{}

func (nopThreads) PutThread(context.Context, coursebot.Thread) error { return nil }
func (nopThreads) ThreadFor(context.Context, string, string, string) (coursebot.Thread, bool, error) {
	return coursebot.Thread{}, false, nil
}
func (nopThreads) ThreadAt(context.Context, string, string, string) (coursebot.Thread, bool, error) {
	return coursebot.Thread{}, false, nil
}

// noMessages is the handler for `discord register`, which receives none.
type noMessages struct{}

func (noMessages) Handle(context.Context, bot.Message) ([]bot.Reply, error) {
	return nil, errors.New("discord register handles no messages")
}
