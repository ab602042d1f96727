package main

import (
	"fmt"
	"io"

	"github.com/coursebot/coursebot/store"
)

// runCheck is `coursebot check [--config FILE] [--db FILE] [FILE]`: bbolt's
// consistency check and coursebot's own on a database file (a stopped
// bot's, or a backup), read-only. One line per problem on stdout; exit 1
// when there is any.
func runCheck(args []string, stdout io.Writer, env func(string) string) error {
	fs := flags("check")
	set := settingsFlags(fs, false)
	if err := parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 1 {
		return usagef("check: want at most one database file")
	}
	cfg, err := set.load(env)
	if err != nil {
		return err
	}
	path := cfg.Store.Path
	if fs.NArg() == 1 {
		path = fs.Arg(0)
	}
	rep, err := store.Check(path, cfg.Store.LockTimeout)
	if err != nil {
		return err
	}
	for _, p := range rep.Problems {
		if _, err := fmt.Fprintf(stdout, "%s: %s\n", path, p); err != nil {
			return err
		}
	}
	if n := len(rep.Problems); n > 0 {
		return fmt.Errorf("%s: %d problem(s); stop the bot and restore the last good backup (docs/operations.md)", path, n)
	}
	_, err = fmt.Fprintf(stdout, "%s: ok (schema %d, %d learners, %d bytes)\n", path, rep.Schema, rep.Learners, rep.Bytes)
	return err
}
