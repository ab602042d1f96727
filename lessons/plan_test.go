package lessons_test

import (
	"strings"
	"testing"

	"github.com/coursebot/coursebot/bot"
	"github.com/coursebot/coursebot/course"
)

// ratingID finds the id of the self-assessment item with the given text.
func ratingID(t *testing.T, c *course.Course, lesson, item string) string {
	t.Helper()
	for _, card := range c.Lessons[lesson].Cards {
		for _, b := range card.Blocks {
			for _, it := range b.Items {
				if b.Kind == course.Rating && it.Text == item {
					return it.ID
				}
			}
		}
	}
	t.Fatalf("no rating item %q", item)
	return ""
}

func TestBackgroundsComeFromTheModule(t *testing.T) {
	t.Parallel()
	les := builtin(t).Lessons["4-4"]
	var got []string
	for _, b := range les.Backgrounds {
		got = append(got, b.Name+"="+strings.Join(b.Lessons, ","))
	}
	want := "Data Science=1-4,3-2,4-1 Software Engineering=2-2,2-4,4-3 DevOps/SRE=2-3,2-4,4-3"
	if strings.Join(got, " ") != want {
		t.Errorf("backgrounds = %q, want %q", strings.Join(got, " "), want)
	}
	if les.BackgroundCard != "common-gaps-by-background" {
		t.Errorf("background card = %q", les.BackgroundCard)
	}
}

func TestPlanAfterSelfAssessment(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	l := h.learner("pat")
	l.cmd("start-4-4")
	rate := func(item string, v int) {
		t.Helper()
		r := l.send(bot.Message{Kind: bot.KindAction, Action: bot.RateAction("4-4", ratingID(t, h.course, "4-4", item), v)})
		if r.Ephemeral {
			t.Fatalf("rating refused: %q", text(r))
		}
	}
	for l.last.Card != "common-gaps-by-background" {
		if question(l.last) != nil && !question(l.last).Answered {
			l.press("Skip question")
			continue
		}
		l.press("Next")
	}
	if !hasButton(l.last, "I come from Software Engineering") || !hasButton(l.last, "I come from DevOps/SRE") {
		t.Fatalf("background buttons = %+v", l.last.Buttons)
	}
	choose := l.button("I come from Software Engineering")
	rate("Experiment tracking with MLflow", 1)
	rate("Docker containerization", 2)
	rate("FastAPI serving", 4)
	rs, err := h.engine.Handle(h.ctx, bot.Message{Learner: l.who, Kind: bot.KindAction, Action: choose})
	if err != nil || len(rs) != 1 {
		t.Fatalf("choose background: %v, %d replies", err, len(rs))
	}
	// The plan carries the way on: the backgrounds, the chosen one ticked,
	// and the card's own buttons.
	if !hasButton(rs[0], "✓ Software Engineering") || !hasButton(rs[0], "Next") || !hasButton(rs[0], "Back") {
		t.Errorf("plan's buttons = %+v", rs[0].Buttons)
	}
	plan := text(rs[0])
	order := []string{"Lesson 2.2 Experiment Tracking with MLflow: /start-2-2 (not installed yet)", "Lesson 1.4 Docker Basics: /start-1-4", "Lesson 2.4", "Lesson 4.3"}
	at := -1
	for _, w := range order {
		i := strings.Index(plan, w)
		if i <= at {
			t.Fatalf("plan lacks %q after position %d:\n%s", w, at, plan)
		}
		at = i
	}
	if !strings.Contains(plan, "you rated Experiment tracking with MLflow 1 of 5; a common gap for people from Software Engineering") {
		t.Errorf("plan does not say why:\n%s", plan)
	}
	st := text(l.cmd("status"))
	if !strings.Contains(st, "Your plan") || !strings.Contains(st, "/start-2-2 (not installed yet)") {
		t.Errorf("status does not keep the plan:\n%s", st)
	}
}
