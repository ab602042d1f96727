package cohorts

import (
	"strings"
	"testing"

	"github.com/coursebot/coursebot/bot/markup"
)

// TestReminderAnswerCancelLineStandsAlone: the "Cancel it with …" sentence
// after the list of next times is its own paragraph on both platforms, not
// glued to the last date's bullet.
func TestReminderAnswerCancelLineStandsAlone(t *testing.T) {
	t.Parallel()
	f := newFixture(t, false)
	out := f.must(t, leadA, "cohort", "remind alpha every monday 09:00 | Bring questions")
	for name, render := range map[string]func(string) string{"slack": markup.ToSlack, "discord": markup.ToDiscord} {
		got := render(out)
		i := strings.Index(got, "Cancel it with")
		if i < 0 {
			t.Fatalf("%s: no cancel line in %q", name, got)
		}
		if !strings.HasSuffix(got[:i], "\n\n") {
			t.Errorf("%s: the cancel line is glued to the list:\n%s", name, got)
		}
	}
}
