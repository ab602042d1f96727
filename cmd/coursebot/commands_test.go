package main

import (
	"bytes"
	"path/filepath"
	"strings"
	"testing"

	"github.com/coursebot/coursebot/course"
)

// TestDiscordOptionsAreDescribed: every command that takes an argument
// passes Discord a real description of it, not a generated one.
func TestDiscordOptionsAreDescribed(t *testing.T) {
	loaded, err := course.LoadBuiltin()
	if err != nil {
		t.Fatal(err)
	}
	cmds := append(discordCommands(loaded), cohortDiscordCommands(DefaultConfig())...)
	want := map[string]string{
		"help-mlops": "A concept or term to look up, such as drift; leave empty for the list",
		"cohort":     "What to do, such as join CODE or leave NAME; empty for the list",
		"nudges":     "on or off",
		"lead-notes": "The lesson, such as 4-4",
	}
	for _, c := range cmds {
		if c.Usage != "" && c.UsageHelp == "" {
			t.Errorf("/%s takes %s but does not describe it", c.Name, c.Usage)
		}
		if w, ok := want[c.Name]; ok && c.UsageHelp != w {
			t.Errorf("/%s option described as %q, want %q", c.Name, c.UsageHelp, w)
		}
	}
}

// TestEveryCommandIsRegisteredAndListed: the commands a learner can type
// on a course with a capstone (/stuck) and those of the cohorts layer are
// registered with Discord, and /help in the console lists each of them.
func TestEveryCommandIsRegisteredAndListed(t *testing.T) {
	loaded, err := course.LoadBuiltin()
	if err != nil {
		t.Fatal(err)
	}
	registered := map[string]bool{}
	for _, c := range append(discordCommands(loaded), cohortDiscordCommands(DefaultConfig())...) {
		registered[c.Name] = true
	}
	var out, errb bytes.Buffer
	db := filepath.Join(t.TempDir(), "c.db")
	if code := run(t.Context(), []string{"console", "--db", db, "--user", "ada"}, strings.NewReader("/help\n"), &out, &errb, func(string) string { return "" }); code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	for _, name := range []string{"stuck", "cohort", "nudges", "status", "help-mlops", "forget-me"} {
		if !registered[name] {
			t.Errorf("/%s is not registered with Discord", name)
		}
		if !strings.Contains(out.String(), "- /"+name) {
			t.Errorf("/help does not list /%s:\n%s", name, out.String())
		}
	}
}
