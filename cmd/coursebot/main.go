// Command coursebot teaches a course in chat: in the local console, in
// Slack and in Discord. This file is the wiring: it parses the command
// line, loads config and course, opens the store and starts what is asked.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	// The first SIGINT/SIGTERM starts a graceful shutdown. The default
	// action is restored before the shutdown begins (before anything can
	// log "shutting down"), so a second signal always exits at once.
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		<-sigs
		signal.Reset(os.Interrupt, syscall.SIGTERM)
		cancel()
	}()
	code := run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr, os.Getenv)
	cancel()
	os.Exit(code)
}

// Exit codes.
const (
	exitOK    = 0
	exitError = 1 // something failed: the message says what and where
	exitUsage = 2 // the command line is wrong
)

// usageError marks a mistake on the command line.
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

func usagef(format string, args ...any) error { return &usageError{fmt.Sprintf(format, args...)} }

const usage = `coursebot teaches a course in chat.

Usage:
  coursebot console [--config FILE] [--course DIR] [--db FILE] [--user NAME] [--new-db] [--plain] [--verbose]
                                        take the course in this terminal (log lines go to
                                        a .log file beside the database; --verbose: stderr)
  coursebot serve --config FILE [--new-db]
                                        run the Slack/Discord bot the config enables
                                        (SIGHUP reloads the course; SIGTERM stops;
                                        --new-db: start over in an empty 0-byte file)
  coursebot lessons check DIR           validate a course directory
  coursebot lessons outline [--course DIR] LESSON
                                        print what a learner gets in a lesson (e.g. 4-4)
  coursebot backup [--config FILE] [--db FILE] [--admin HOST:PORT] PATH
                                        write a consistent, checked copy of the database
                                        (of a running bot: through its admin.listen)
  coursebot check [--config FILE] [--db FILE] [FILE]
                                        check a database (bot stopped, or a backup):
                                        one line per problem, exit 1 if any
  coursebot export [--config FILE] [--db FILE] --user PLATFORM:ID|NAME
                                        print everything kept about one learner (JSON);
                                        a bare NAME is the console's learner of that name
  coursebot export cohort [--config FILE] [--db FILE] NAME
                                        a cohort's progress table as CSV
  coursebot forget [--config FILE] [--db FILE] --user PLATFORM:ID|NAME [--yes]
                                        delete everything kept about one learner
  coursebot compact SRC DST             write a compacted copy of a database (bot stopped)
  coursebot report [--config FILE] [--db FILE] [--course DIR] [--cohort NAME] [--as-of TIME] --html FILE
                                        the author's report: funnels, item analysis, retention,
                                        the tutor's use, as one self-contained HTML file (bot stopped)
  coursebot slack manifest --url BASE [--socket] [--course DIR]
                                        print a Slack app manifest for the course
  coursebot discord register --config FILE
                                        register the course's slash commands with Discord
  coursebot links [list | show platform:id | undo platform:id] [--db FILE]
                                        linked accounts (one learner on Slack, Discord and the console); undo splits them, the data staying with the one named
  coursebot tutor try [--answers FILE] [--stuck TEXT|-] [--ask QUESTION]... [--lesson 4-4] [--config FILE] [--metrics]
  coursebot tutor eval [--cases FILE] [--json] [--config FILE] [--parallel N] [--min-pass 100] [--timeout D]
                                        run canned answers through the configured tutor model
`

// run is main without the process: tests call it with their own streams.
func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer, env func(string) string) int {
	if len(args) == 0 {
		_, _ = fmt.Fprint(stderr, usage) // nowhere to report a failed write to stderr
		return exitUsage
	}
	var err error
	switch args[0] {
	case "console":
		err = runConsole(ctx, args[1:], stdin, stdout, stderr, env)
	case "serve":
		err = runServe(ctx, args[1:], stdout, stderr, env)
	case "lessons":
		err = runLessons(args[1:], stdout)
	case "backup":
		err = runBackup(ctx, args[1:], stdout, env)
	case "check":
		err = runCheck(args[1:], stdout, env)
	case "export":
		if len(args) > 1 && args[1] == "cohort" {
			err = runExportCohort(ctx, args[2:], stdout, env)
			break
		}
		err = runExport(ctx, args[1:], stdout, env)
	case "forget":
		err = runForget(ctx, args[1:], stdin, stdout, env)
	case "compact":
		err = runCompact(args[1:], stdout)
	case "links":
		err = runLinks(ctx, args[1:], stdout, env)
	case "report":
		err = runReport(ctx, args[1:], stdout, env)
	case "slack":
		err = runSlack(args[1:], stdout, env)
	case "discord":
		err = runDiscord(ctx, args[1:], stdout, stderr, env)
	case "tutor":
		err = runTutor(ctx, args[1:], stdout, env)
	case "help", "-h", "--help":
		if _, err := fmt.Fprint(stdout, usage); err != nil {
			_, _ = fmt.Fprintf(stderr, "coursebot: %v\n", err)
			return exitError
		}
		return exitOK
	default:
		err = usagef("unknown command %q", args[0])
	}
	var ue *usageError
	switch {
	case err == nil:
		return exitOK
	case errors.As(err, &ue):
		_, _ = fmt.Fprintf(stderr, "coursebot: %s\n\n%s", ue.msg, usage) // nowhere to report a failed write to stderr
		return exitUsage
	case errors.Is(err, flag.ErrHelp):
		return exitOK
	default:
		_, _ = fmt.Fprintf(stderr, "coursebot: %v\n", err) // nowhere to report a failed write to stderr
		return exitError
	}
}

// flags returns a FlagSet that reports errors instead of exiting.
func flags(name string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	return fs
}

func parse(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return usagef("%s: see the usage below", fs.Name())
		}
		return usagef("%s: %v", fs.Name(), err)
	}
	return nil
}

// closeInto closes c (deferred after a store or engine was opened) and,
// when the command has no error yet, makes a failed close its error: a
// close can be the write that fails.
func closeInto(err *error, c io.Closer, what string) {
	if cerr := c.Close(); cerr != nil && *err == nil {
		*err = fmt.Errorf("close %s: %w", what, cerr)
	}
}
