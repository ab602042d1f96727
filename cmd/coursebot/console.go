package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"

	"github.com/coursebot/coursebot"
	"github.com/coursebot/coursebot/bot"
	"github.com/coursebot/coursebot/bot/console"
	"github.com/coursebot/coursebot/config"
	"github.com/coursebot/coursebot/course"
	"github.com/coursebot/coursebot/lessons"
	"github.com/coursebot/coursebot/store"
	"golang.org/x/term"
)

// runConsole takes the course in this terminal: `make run`.
func runConsole(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer, env func(string) string) (err error) {
	fs := flags("console")
	set := settingsFlags(fs, true)
	user := fs.String("user", "", "your name in the console (default: $USER)")
	plain := fs.Bool("plain", false, "print Markdown as written, unstyled (the default when output is not a terminal)")
	verbose := fs.Bool("verbose", false, "print log lines to stderr (without it they go to a .log file beside the database)")
	if err := parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usagef("console: unexpected argument %q", fs.Arg(0))
	}
	cfg, err := set.load(env)
	if err != nil {
		return err
	}
	name := *user
	if name == "" {
		name = env("USER")
	}
	if name == "" {
		name = "learner"
	}
	// Log lines stay out of the learner's chat: in a file beside the
	// database, or on stderr with --verbose.
	logTo := stderr
	if !*verbose {
		lf := &lazyFile{path: consoleLogPath(cfg.Store.Path)}
		defer closeInto(&err, lf, "the console log")
		logTo = lf
	}
	log := cfg.Log.NewLogger(logTo)
	loaded, err := loadCourse(cfg.Course.Dir)
	if err != nil {
		return err
	}
	db, err := openStore(cfg)
	if err != nil {
		return err
	}
	defer closeInto(&err, db, "the database")
	var table *bot.Mux
	engine := lessons.NewEngine(loaded, db, lessons.EngineOptions{Log: log, AnswerLimit: cfg.Course.AnswerLimit, Commands: func() []bot.Command { return table.Commands() }})
	defer closeInto(&err, engine, "the lesson engine")
	who := coursebot.Learner{Platform: "console", UserID: name, Name: name}
	cs, err := newCohorts(cfg, engine, db, consoleLogger(logTo), clock{})
	if err != nil {
		return err
	}
	if table, _, err = newTable(cfg, engine, cs, db, nil, consoleLogger(logTo), nil, nil); err != nil {
		return err
	}
	cs.Table = table
	cs.Forms = capstoneForms()
	term := termStyle{}
	if !*plain && isTerminal(stdout) {
		term.width = terminalWidth(stdout, 100)
		if term.markdown, err = console.Styled(term.width); err != nil {
			return err
		}
	}
	if isTerminal(stdin) && isTerminal(stdout) {
		term.prompt = "> "
	}
	return cs.console(ctx, who, stdin, stdout, term)
}

// termStyle is how the console talks to a terminal: Markdown styled to
// its width, a prompt. The zero value is plain text (a pipe, --plain).
type termStyle struct {
	markdown func(string) string
	width    int
	prompt   string
}

// isTerminal reports whether w is a terminal (a character device), so a
// pipe or a file gets plain text without --plain.
func isTerminal(w any) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

// terminalWidth is the width of the terminal w, at most limit columns
// (limit when it cannot tell).
func terminalWidth(w io.Writer, limit int) int {
	if f, ok := w.(*os.File); ok {
		if cols, _, err := term.GetSize(int(f.Fd())); err == nil && cols >= 20 {
			return min(cols, limit)
		}
	}
	return limit
}

// loadCourse loads dir, or the built-in course when dir is "".
func loadCourse(dir string) (*course.Course, error) {
	if dir == "" {
		return course.LoadBuiltin()
	}
	return course.LoadDir(dir)
}

func openStore(cfg config.Config) (*store.DB, error) { return openStoreWith(cfg, nil) }

// openStoreWith is openStore with onFault called on every storage fault
// (store.Options.OnFault).
func openStoreWith(cfg config.Config, onFault func(error)) (*store.DB, error) {
	db, err := store.Open(cfg.Store.Path, store.Options{LockTimeout: cfg.Store.LockTimeout, NewIfEmpty: cfg.Store.NewDB, OnFault: onFault})
	if err != nil {
		return nil, fmt.Errorf("open store (store.path): %w", err)
	}
	return db, nil
}

// discardLogger is for commands whose output is the point.
func discardLogger() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }
