package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/coursebot/coursebot/bot/discord"
	"github.com/coursebot/coursebot/bot/slack"
	"github.com/coursebot/coursebot/lessons"
)

// runServe runs the chat platforms the config enables in one process, with
// an HTTP server for their endpoints and /healthz, until SIGINT/SIGTERM.
func runServe(ctx context.Context, args []string, stdout, stderr io.Writer, env func(string) string) error {
	fs := flags("serve")
	cfgPath := fs.String("config", "", "config file (required)")
	courseDir := fs.String("course", "", "course directory (overrides course.dir)")
	dbPath := fs.String("db", "", "database file (overrides store.path)")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *cfgPath == "" {
		return usagef("serve: --config FILE is required")
	}
	cfg, err := LoadConfig(*cfgPath, env)
	if err != nil {
		return err
	}
	if *courseDir != "" {
		cfg.Course.Dir = *courseDir
	}
	if *dbPath != "" {
		cfg.Store.Path = *dbPath
	}
	if !cfg.Slack.Enabled && !cfg.Discord.Enabled {
		return fmt.Errorf("%s: nothing to serve: set slack.enabled or discord.enabled (or use coursebot console)", *cfgPath)
	}
	if err := cfg.RequireSecrets(); err != nil {
		return err
	}
	log := cfg.Log.NewLogger(stderr)
	course, err := loadCourse(cfg.Course.Dir)
	if err != nil {
		return err
	}
	db, err := openStore(cfg)
	if err != nil {
		return err
	}
	defer db.Close()
	engine := lessons.NewEngine(course, db, lessons.EngineOptions{Log: log, AnswerLimit: cfg.Course.AnswerLimit})

	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) { io.WriteString(w, "ok\n") })
	var runners []func(context.Context) error
	if cfg.Slack.Enabled {
		a, err := slack.New(slack.Options{
			BotToken: cfg.Secrets.SlackBotToken.Reveal(), SigningSecret: cfg.Secrets.SlackSigningSecret.Reveal(),
			AppToken: cfg.Secrets.SlackAppToken.Reveal(), APIURL: cfg.Slack.APIURL, Mode: cfg.Slack.Mode,
			Placement: cfg.Slack.Placement, ChannelPlacement: cfg.Slack.Channels, LessonPlacement: cfg.Slack.Courses,
			Handler: engine, Store: db, Commands: slackCommands(course), Log: log, // the adapter adds platform=slack
		})
		if err != nil {
			return fmt.Errorf("slack: %w", err)
		}
		if cfg.Slack.Mode == slack.ModeHTTP {
			a.Routes(mux)
		}
		runners = append(runners, a.Run)
	}
	if cfg.Discord.Enabled {
		a, err := newDiscord(cfg, course, engine, db, log)
		if err != nil {
			return err
		}
		defer a.Close()
		if cfg.Discord.Mode == discord.ModeHTTP {
			a.Routes(mux)
		}
		runners = append(runners, a.Run)
	}

	ln, err := net.Listen("tcp", cfg.HTTP.Listen)
	if err != nil {
		return fmt.Errorf("http.listen %s: %w", cfg.HTTP.Listen, err)
	}
	srv := &http.Server{
		Handler:           http.MaxBytesHandler(mux, int64(cfg.HTTP.MaxBodyBytes)),
		ReadTimeout:       cfg.HTTP.ReadTimeout,
		ReadHeaderTimeout: cfg.HTTP.ReadTimeout,
		WriteTimeout:      cfg.HTTP.WriteTimeout,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	log.Info("serving", "addr", ln.Addr().String(), "slack", cfg.Slack.Enabled, "discord", cfg.Discord.Enabled)
	fmt.Fprintf(stdout, "coursebot serving on %s\n", ln.Addr())

	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var wg sync.WaitGroup
	errc := make(chan error, len(runners)+1)
	wg.Add(1)
	go func() {
		defer wg.Done()
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			errc <- fmt.Errorf("http server: %w", err)
		}
	}()
	for _, run := range runners {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := run(ctx); err != nil {
				errc <- err
			}
		}()
	}
	var runErr error
	select {
	case <-ctx.Done():
	case runErr = <-errc:
	}
	cancel()
	shutdown, stop := context.WithTimeout(context.Background(), 10*time.Second)
	defer stop()
	if err := srv.Shutdown(shutdown); err != nil {
		log.Warn("http shutdown", "err", err)
	}
	wg.Wait()
	log.Info("stopped")
	return runErr
}

func slackCommands(c *lessons.Course) []slack.Command {
	var out []slack.Command
	for _, cmd := range c.Commands() {
		out = append(out, slack.Command{Name: cmd.Name, Description: cmd.Description, Usage: cmd.Usage})
	}
	return out
}

func discordCommands(c *lessons.Course) []discord.Command {
	var out []discord.Command
	for _, cmd := range c.Commands() {
		out = append(out, discord.Command{Name: cmd.Name, Description: cmd.Description, Usage: cmd.Usage, Lesson: cmd.Role == lessons.RoleLesson})
	}
	return out
}

func newDiscord(cfg Config, course *lessons.Course, h *lessons.Engine, db discord.Store, log *slog.Logger) (*discord.Adapter, error) {
	a, err := discord.New(discord.Options{
		Token: cfg.Secrets.DiscordToken.Reveal(), PublicKey: cfg.Secrets.DiscordPublicKey.Reveal(),
		ApplicationID: cfg.Discord.ApplicationID, APIURL: cfg.Discord.APIURL, Mode: cfg.Discord.Mode,
		GuildIDs: cfg.Discord.GuildIDs, PrivateThreads: cfg.Discord.PrivateThreads,
		Handler: h, Store: db, Commands: discordCommands(course), Log: log, // the adapter adds platform=discord
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
	course, err := loadCourse(*dir)
	if err != nil {
		return err
	}
	out, err := slack.Manifest(slackCommands(course), *url, *socket)
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
	cfgPath := fs.String("config", "", "config file (required)")
	dir := fs.String("course", "", "course directory (overrides course.dir)")
	if err := parse(fs, args[1:]); err != nil {
		return err
	}
	if *cfgPath == "" {
		return usagef("discord register: --config FILE is required")
	}
	cfg, err := LoadConfig(*cfgPath, env)
	if err != nil {
		return err
	}
	if *dir != "" {
		cfg.Course.Dir = *dir
	}
	cfg.Discord.Enabled = true
	if err := cfg.RequireSecrets(); err != nil {
		return err
	}
	course, err := loadCourse(cfg.Course.Dir)
	if err != nil {
		return err
	}
	log := cfg.Log.NewLogger(stderr)
	a, err := newDiscord(cfg, course, nil, nopThreads{}, log)
	if err != nil {
		return err
	}
	defer a.Close()
	results, err := a.RegisterCommands(ctx)
	if err != nil {
		return err
	}
	for _, r := range results {
		fmt.Fprintf(stdout, "%+v\n", r)
	}
	return nil
}

// nopThreads is the store for `discord register`, which handles no
// interactions and so never remembers threads.
type nopThreads struct{}

func (nopThreads) FirstSeen(context.Context, string, string) (bool, error) { return true, nil }
func (nopThreads) PutThread(context.Context, discord.Thread) error         { return nil }
func (nopThreads) ThreadFor(context.Context, string, string, string) (discord.Thread, bool, error) {
	return discord.Thread{}, false, nil
}
func (nopThreads) ThreadAt(context.Context, string, string, string) (discord.Thread, bool, error) {
	return discord.Thread{}, false, nil
}
