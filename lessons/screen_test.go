package lessons_test

import (
	"strings"
	"testing"

	"github.com/coursebot/coursebot"
	"github.com/coursebot/coursebot/bot"
)

// Learners saved on a card before cards were fitted to a screen (42 cards:
// card 5 one long card, cards 15 and 21 one sentence each) resume on the
// first part of a split card or on the card a tiny one was merged into,
// not at the start of the lesson, and a button from an old message works.
func TestPositionsSavedUnderOldCardKeysResume(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		key   string // as saved by the 42-card version
		index int
		want  string // "You are on card N of 41 (title)"
		next  string // the card Next leads to from there
	}{
		{"part-1-architecture-review", 4, "card 5 of 41 (Part 1: Architecture Review (1/2))", "Part 1: Architecture Review (2/2)"},
		{"data-flow-summary", 5, "card 7 of 41 (Data Flow Summary)", "Capstone Exercise: End-to-End"},
		{"level-0-no-mlops-manual-everything", 15, "card 16 of 41 (Part 3: The MLOps Maturity Model)", "Level 1: DevOps but Not MLOps"},
		{"part-4-self-assessment", 20, "card 20 of 41 (Where You Are Now)", "The Five Pillars Assessment"},
		{"common-gaps-by-background", 23, "card 23 of 41 (Common Gaps by Background)", "What's Next"},
	} {
		t.Run(tc.key, func(t *testing.T) {
			h := newHarness(t)
			l := h.learner("old")
			_, _, err := h.db.UpdateProgress(h.ctx, l.who.Key(), "4-4", func(_ *coursebot.LearnerRecord, p *coursebot.Progress) error {
				p.Card, p.CardIndex, p.Started, p.Updated = tc.key, tc.index, h.clock.Now(), h.clock.Now()
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			r := l.cmd("start-4-4")
			if !strings.Contains(text(r), "You are on "+tc.want+".") {
				t.Fatalf("start: %s", text(r))
			}
			r = l.press("Resume")
			if number, title, _ := strings.Cut(tc.want, " ("); !strings.HasSuffix(r.Context, number) || r.Title+")" != title {
				t.Errorf("resume shows %q (%s), want %s", r.Title, r.Context, tc.want)
			}
			// The Next button of a message sent before the update names
			// the old key.
			old := bot.Action{Verb: bot.VerbNext, Lesson: "4-4", At: tc.key}.Encode()
			r = l.send(bot.Message{Kind: bot.KindAction, Action: old})
			if r.Title != tc.next {
				t.Errorf("old Next leads to %q (%s), want %q", r.Title, text(r), tc.next)
			}
			// The position is saved under the new keys from then on.
			p, err := h.db.Progress(h.ctx, l.who.Key(), "4-4")
			if err != nil || p.Card != r.Card {
				t.Errorf("progress after Next: card %q, want %q (%v)", p.Card, r.Card, err)
			}
		})
	}
}
