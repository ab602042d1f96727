package coursebot_test

import (
	"os/exec"
	"strings"
	"testing"
)

// TestLayers keeps the layers apart: the root ← store, delivery, course ←
// the features (lessons, cohorts, tutor, ...) ← the adapters ← cmd. It
// asks `go list -deps` what each package pulls in, so an import through
// another package counts too.
func TestLayers(t *testing.T) {
	const mod = "github.com/coursebot/coursebot"
	chat := func(p string) bool {
		return p == mod+"/bot" || strings.HasPrefix(p, mod+"/bot/") ||
			strings.HasPrefix(p, "github.com/slack-go/") || strings.HasPrefix(p, "github.com/bwmarrin/discordgo")
	}
	adapter := func(p string) bool {
		return strings.HasPrefix(p, mod+"/bot/") && p != mod+"/bot/markup" ||
			strings.HasPrefix(p, "github.com/slack-go/") || strings.HasPrefix(p, "github.com/bwmarrin/discordgo")
	}
	notStd := func(p string) bool { return strings.Contains(strings.SplitN(p, "/", 2)[0], ".") }
	for _, tc := range []struct {
		pkg    string
		why    string
		banned func(string) bool
	}{
		{".", "the domain types import only the standard library", func(p string) bool { return p != mod && notStd(p) }},
		{"./store", "the store imports no chat package", chat},
		{"./delivery", "the delivery pipeline imports no chat package", chat},
		{"./course", "the course imports no chat package", chat},
		{"./lessons", "the engine knows no platform", adapter},
		{"./cohorts", "the cohorts know no platform", adapter},
		{"./tutor", "the tutor knows no platform", adapter},
		{"./scheduler", "the scheduler knows no platform", adapter},
	} {
		t.Run(tc.pkg, func(t *testing.T) {
			t.Parallel()
			out, err := exec.Command("go", "list", "-deps", tc.pkg).Output()
			if err != nil {
				t.Fatalf("go list -deps %s: %v", tc.pkg, err)
			}
			for _, p := range strings.Fields(string(out)) {
				if tc.banned(p) {
					t.Errorf("%s imports %s, but %s", tc.pkg, p, tc.why)
				}
			}
		})
	}
}
