package main

import (
	"testing"

	"github.com/coursebot/coursebot/lessons"
)

// TestDiscordOptionsAreDescribed: every command that takes an argument
// passes Discord a real description of it, not a generated one.
func TestDiscordOptionsAreDescribed(t *testing.T) {
	course, err := lessons.LoadBuiltin()
	if err != nil {
		t.Fatal(err)
	}
	cmds := append(discordCommands(course), cohortDiscordCommands(DefaultConfig())...)
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
