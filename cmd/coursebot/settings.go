package main

import (
	"flag"

	"github.com/coursebot/coursebot/config"
)

// settings are the --config, --course and --db flags most subcommands
// take: the config file, and the two settings the command line overrides.
type settings struct {
	config, course, db *string
	newDB              *bool
}

// settingsFlags defines the flags on fs; withCourse adds --course and
// --new-db (the commands that run the bot).
func settingsFlags(fs *flag.FlagSet, withCourse bool) settings {
	s := settings{
		config: fs.String("config", "", "config file"),
		db:     fs.String("db", "", "database file (overrides store.path)"),
	}
	if withCourse {
		s.course = fs.String("course", "", "course directory (overrides course.dir; default: the built-in course)")
		s.newDB = fs.Bool("new-db", false, "start a new database when the file exists but is empty (0 bytes); without it an empty file is refused")
	}
	return s
}

// load reads the config file (defaults when none) and applies the flags.
func (s settings) load(env func(string) string) (config.Config, error) {
	cfg, err := config.Load(*s.config, env)
	if err != nil {
		return config.Config{}, err
	}
	if s.course != nil && *s.course != "" {
		cfg.Course.Dir = *s.course
	}
	if s.newDB != nil {
		cfg.Store.NewDB = *s.newDB
	}
	if *s.db != "" {
		cfg.Store.Path = *s.db
	}
	return cfg, nil
}
