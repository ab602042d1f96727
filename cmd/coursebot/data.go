package main

import (
	"bufio"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/coursebot/coursebot"
	"github.com/coursebot/coursebot/config"
	"github.com/coursebot/coursebot/store"
)

// learnerFlags parses the flags shared by export and forget.
func learnerFlags(name string, args []string, env func(string) string, extra func(*flag.FlagSet)) (config.Config, string, error) {
	fs := flags(name)
	set := settingsFlags(fs, false)
	user := fs.String("user", "", "the learner, as platform:id (slack:U123, discord:456), or the console's own name (learner2)")
	if extra != nil {
		extra(fs)
	}
	if err := parse(fs, args); err != nil {
		return config.Config{}, "", err
	}
	if fs.NArg() > 0 {
		return config.Config{}, "", usagef("%s: unexpected argument %q", name, fs.Arg(0))
	}
	who, ok := learnerArg(*user)
	if !ok {
		return config.Config{}, "", usagef("%s: --user is required: platform:id (e.g. slack:U123), or the name the console says you are (learner2)", name)
	}
	cfg, err := set.load(env)
	if err != nil {
		return config.Config{}, "", err
	}
	return cfg, who.Key(), nil
}

// learnerArg reads --user: platform:id, or a bare name, which is the
// console's (the console says "you are learner2": that name works as is).
func learnerArg(s string) (coursebot.Learner, bool) {
	s = strings.TrimSpace(s)
	if s != "" && !strings.Contains(s, ":") {
		return coursebot.Learner{Platform: "console", UserID: s}, true
	}
	return coursebot.ParseLearnerKey(s)
}

// runExport is `coursebot export --user platform:id`: everything kept about
// one learner, as JSON on stdout.
func runExport(ctx context.Context, args []string, stdout io.Writer, env func(string) string) (err error) {
	cfg, key, err := learnerFlags("export", args, env, nil)
	if err != nil {
		return err
	}
	db, err := openStore(cfg)
	if err != nil {
		return err
	}
	defer closeInto(&err, db, "the database")
	data, err := db.LearnerData(ctx, key)
	if err != nil {
		return err
	}
	course, err := loadCourse(cfg.Course.Dir)
	if err != nil {
		return err
	}
	enc := json.NewEncoder(stdout)
	enc.SetIndent("", "  ")
	return enc.Encode(readable(data, course))
}

// runForget is `coursebot forget --user platform:id [--yes]`: delete
// everything kept about one learner, after saying what and asking.
func runForget(ctx context.Context, args []string, stdin io.Reader, stdout io.Writer, env func(string) string) (err error) {
	var yes *bool
	cfg, key, err := learnerFlags("forget", args, env, func(fs *flag.FlagSet) {
		yes = fs.Bool("yes", false, "do not ask for confirmation")
	})
	if err != nil {
		return err
	}
	db, err := openStore(cfg)
	if err != nil {
		return err
	}
	defer closeInto(&err, db, "the database")
	data, err := db.LearnerData(ctx, key)
	if err != nil {
		return err
	}
	if !data.Found {
		_, err = fmt.Fprintf(stdout, "nothing is kept about %s in %s\n", key, cfg.Store.Path)
		return err
	}
	if _, err := fmt.Fprintf(stdout, "%s in %s: %s\n", key, cfg.Store.Path, summary(data)); err != nil {
		return err
	}
	if !*yes {
		if _, err := fmt.Fprintf(stdout, "Delete all of it? This cannot be undone. Type yes to delete: "); err != nil {
			return err
		}
		line, _ := bufio.NewReader(stdin).ReadString('\n')
		if strings.TrimSpace(strings.ToLower(line)) != "yes" {
			return fmt.Errorf("forget %s: not confirmed; nothing deleted", key)
		}
	}
	n, err := db.ForgetLearner(ctx, key)
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(stdout, "deleted %d record(s) about %s\n", n, key)
	return err
}

func summary(d store.LearnerExport) string {
	answers := 0
	for _, p := range d.Progress {
		answers += len(p.Answers)
	}
	return fmt.Sprintf("%d lesson(s) with %d answer(s), %d lesson thread(s), %d cohort membership(s), leads %d cohort(s), %d request(s) not yet done",
		len(d.Progress), answers, len(d.Threads), len(d.Memberships), len(d.Leads), d.Pending)
}

// runCompact is `coursebot compact SRC DST`: a compacted copy of a
// database the bot is not running on.
func runCompact(args []string, stdout io.Writer) (err error) {
	fs := flags("compact")
	if err := parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 2 {
		return usagef("compact: want SRC and DST (DST must not exist)")
	}
	src, dst := fs.Arg(0), fs.Arg(1)
	cfg := config.Default()
	cfg.Store.Path = src
	db, err := openStore(cfg)
	if err != nil {
		return err
	}
	defer closeInto(&err, db, "the database")
	before, err := db.Size()
	if err != nil {
		return err
	}
	after, err := db.CompactTo(dst)
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(stdout, "compacted %s (%d bytes) to %s (%d bytes)\n", src, before, dst, after)
	return err
}
