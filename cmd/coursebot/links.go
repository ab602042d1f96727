package main

import (
	"context"
	"fmt"
	"io"
	"sort"
	"strings"
)

// runLinks is `coursebot links [list | show KEY | undo KEY]`: the linked
// accounts an admin can see and undo (docs/identity.md).
func runLinks(ctx context.Context, args []string, stdout io.Writer, env func(string) string) (err error) {
	sub := "list"
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		sub, args = args[0], args[1:]
	}
	fs := flags("links " + sub)
	set := settingsFlags(fs, false)
	if err := parse(fs, args); err != nil {
		return err
	}
	want := map[string]int{"list": 0, "show": 1, "undo": 1}
	n, known := want[sub]
	if !known {
		return usagef("links: unknown subcommand %q (list, show KEY, undo KEY)", sub)
	}
	if fs.NArg() != n {
		return usagef("links %s: want %d argument(s): coursebot links [list | show platform:id | undo platform:id]", sub, n)
	}
	key := ""
	if n == 1 {
		who, ok := learnerArg(fs.Arg(0))
		if !ok {
			return usagef("links %s: %q is not platform:id (slack:U123, discord:456, console:ada)", sub, fs.Arg(0))
		}
		key = who.Key()
	}
	cfg, err := set.load(env)
	if err != nil {
		return err
	}
	db, err := openStore(cfg)
	if err != nil {
		return err
	}
	defer closeInto(&err, db, "the database")
	p := &errWriter{w: stdout}
	switch sub {
	case "list":
		all, err := db.Links(ctx)
		if err != nil {
			return err
		}
		if len(all) == 0 {
			p.printf("No linked accounts.\n")
			return p.err
		}
		persons := make([]string, 0, len(all))
		for person := range all {
			persons = append(persons, person)
		}
		sort.Strings(persons)
		for _, person := range persons {
			p.printf("%s (data kept here)\n", person)
			for _, l := range all[person] {
				p.printf("  %s  linked %s\n", l.Identity, l.At.UTC().Format("2006-01-02 15:04 MST"))
			}
		}
	case "show":
		person, ids, err := db.Person(ctx, key)
		if err != nil {
			return err
		}
		if len(ids) < 2 {
			p.printf("%s is not linked to another account.\n", key)
			return p.err
		}
		p.printf("%s is one learner with %s; the data is kept under %s.\n", key, strings.Join(without(ids, key), ", "), person)
	case "undo":
		res, err := db.Unlink(ctx, key)
		if err != nil {
			return fmt.Errorf("links undo %s: %w", key, err)
		}
		p.printf("Unlinked: %s keeps the data; %s start(s) afresh.\n", res.Kept, strings.Join(res.Others, ", "))
	}
	return p.err
}

func without(ids []string, key string) []string {
	var out []string
	for _, id := range ids {
		if id != key {
			out = append(out, id)
		}
	}
	return out
}

// errWriter keeps the first write error of a run of printf calls.
type errWriter struct {
	w   io.Writer
	err error
}

func (p *errWriter) printf(format string, args ...any) {
	if p.err == nil {
		_, p.err = fmt.Fprintf(p.w, format, args...)
	}
}
