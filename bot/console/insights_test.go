package console

import (
	"bytes"
	"context"
	"image/png"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/coursebot/coursebot"
	"github.com/coursebot/coursebot/cohorts"
	"github.com/coursebot/coursebot/course"
	"github.com/coursebot/coursebot/insight/insighttest"
	"github.com/coursebot/coursebot/lessons"
	"github.com/coursebot/coursebot/store"
)

// TestCohortInsightsInTheConsole: the lead of the simulated cohort of 30
// types /cohort insights spring in the console. It prints the figures the
// plans make and saves the picture, a PNG, with its alt text printed
// under the line that says where it went. With
// $COURSEBOT_INSIGHT_PICTURES set, the PNG the console saved is kept
// there.
func TestCohortInsightsInTheConsole(t *testing.T) {
	t.Parallel()
	db, err := store.Open(filepath.Join(t.TempDir(), "coursebot.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = db.Close() })
	c := insighttest.Build(t, db, "console", "console:lead")
	now := func() time.Time { return insighttest.Now }
	eng := lessons.NewEngine(c.Course, db, lessons.EngineOptions{Now: now, Log: slog.New(slog.DiscardHandler)})
	t.Cleanup(func() { _ = eng.Close() })
	ch, err := cohorts.NewHandler(eng, cohorts.Options{Store: db, Course: func() *course.Course { return c.Course },
		DefaultTimezone: "UTC", ShareAnswers: true, Now: now, Log: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	con := New(ch, coursebot.Learner{Platform: "console", UserID: "lead"}, &out, nil)
	con.FileDir = t.TempDir()
	if err := con.Line(context.Background(), "/cohort insights spring"); err != nil {
		t.Fatal(err)
	}
	text := out.String()
	saved := filepath.Join(con.FileDir, "insights-spring.png")
	for _, want := range append(c.Headlines(), "Not moved in 7 days", "Omar: Lesson 4.4, card 31 of 41", "fewer than 3",
		"saved "+saved, "Bar charts. Lesson 1.1: 20 started", "Lesson 4.4: 27 started") {
		if !strings.Contains(text, want) {
			t.Errorf("the console lacks %q:\n%s", want, text)
		}
	}
	data, err := os.ReadFile(saved)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := png.Decode(bytes.NewReader(data)); err != nil {
		t.Fatalf("%s is not a PNG: %v", saved, err)
	}
	if dir := os.Getenv("COURSEBOT_INSIGHT_PICTURES"); dir != "" {
		if err := os.WriteFile(filepath.Join(dir, "insights-spring-console.png"), data, 0o644); err != nil {
			t.Error(err)
		}
	}
}
