package lessons_test

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/coursebot/coursebot/bot"
	"github.com/coursebot/coursebot/course"
	"github.com/coursebot/coursebot/lessons"
)

func builtin(t testing.TB) *course.Course {
	t.Helper()
	c, err := course.LoadBuiltin()
	if err != nil {
		t.Fatalf("load built-in course: %v", err)
	}
	return c
}

// Every line of the seed script and module reaches the learner (as text,
// code, a question, its follow-up, a checklist or rating item, a card
// title) or is deliberately kept for leads. Nothing is silently dropped.
func TestEveryLineOfTheSeedIsDeliveredOrReserved(t *testing.T) {
	t.Parallel()
	c := builtin(t)
	les := c.Lessons["4-4"]
	replies, err := lessons.PreviewReplies(c, "4-4")
	if err != nil {
		t.Fatal(err)
	}
	var out strings.Builder
	for _, r := range replies {
		out.WriteString(r.Title + "\n" + r.Context + "\n")
		for _, b := range r.Blocks {
			out.WriteString(b.Text + "\n")
			for _, it := range b.Items {
				out.WriteString(it.Group + "\n" + it.Text + "\n")
			}
		}
	}
	for _, card := range les.Cards {
		if q := card.Question(); q != nil {
			out.WriteString(q.FollowUp + "\n")
		}
	}
	out.WriteString(course.LeadNotesText(les))
	delivered := normalize(out.String())

	for _, file := range []string{les.ScriptFile, les.ModuleFile} {
		src, err := os.ReadFile(filepath.Join("..", "course", "builtin", "course", file))
		if err != nil {
			t.Fatal(err)
		}
		for i, line := range strings.Split(string(src), "\n") {
			want := expectedText(line)
			if want == "" {
				continue
			}
			if !strings.Contains(delivered, want) {
				t.Errorf("%s:%d is not delivered: %q (looked for %q)", file, i+1, line, want)
			}
		}
	}
}

var (
	askQ      = regexp.MustCompile(`^Ask:\s*"(.+)"$`)
	askThem   = regexp.MustCompile(`^Ask them to (.+)$`)
	stepH     = regexp.MustCompile(`^###\s+\d+\.\s+(.+?)(?:\s+\(\d+ min\))?$`)
	ratingRow = regexp.MustCompile(`^\|\s*1\s*\|\s*2\s*\|\s*3\s*\|\s*4\s*\|\s*5\s*\|\s*(.+)$`)
	structure = regexp.MustCompile(`^(?:-{3,}|` + "```" + `.*|[+\-]+|## Lesson Flow)$`)
	marks     = regexp.MustCompile(`^(?:#+\s+|-\s+\[[ xX]\]\s+|\[[ xX]\]\s+|[-*]\s+|\d+\.\s+)`)
	nonText   = regexp.MustCompile(`[*` + "`" + `|]+`)
	spaces    = regexp.MustCompile(`\s+`)
)

// expectedText is what must appear of a source line: its words without
// Markdown marks; "" for pure structure (fences, rules, grid borders).
func expectedText(line string) string {
	t := strings.TrimSpace(line)
	switch {
	case t == "" || structure.MatchString(t):
		return ""
	case stepH.MatchString(t):
		return normalize(stepH.FindStringSubmatch(t)[1])
	case askQ.MatchString(t):
		return normalize(askQ.FindStringSubmatch(t)[1])
	case askThem.MatchString(t):
		return normalize(askThem.FindStringSubmatch(t)[1])
	case ratingRow.MatchString(t):
		return normalize(ratingRow.FindStringSubmatch(t)[1])
	}
	return strings.TrimSuffix(normalize(marks.ReplaceAllString(t, "")), ":")
}

func normalize(s string) string {
	s = strings.ToLower(nonText.ReplaceAllString(s, " "))
	s = pron.Replace(s)
	return strings.TrimSpace(spaces.ReplaceAllString(s, " "))
}

func TestActionsFitDiscordCustomID(t *testing.T) {
	t.Parallel()
	c := builtin(t)
	replies, err := lessons.PreviewReplies(c, "4-4")
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range replies {
		for _, b := range r.Buttons {
			if len(b.Action) > bot.MaxActionLen {
				t.Errorf("card %s: action %q is %d bytes", r.Card, b.Action, len(b.Action))
			}
		}
		for _, blk := range r.Blocks {
			for _, it := range blk.Items {
				if a := bot.RateAction(r.Lesson, it.ID, 5); len(a) > bot.MaxActionLen {
					t.Errorf("item action %q too long", a)
				}
			}
		}
	}
}

var pron = strings.NewReplacer("they've", "you've", "they're", "you're", "their", "your", "them", "you", "they", "you")
