package insighttest

import (
	"bytes"
	"image/png"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/coursebot/coursebot/bot"
	"github.com/coursebot/coursebot/cohorts"
	"github.com/coursebot/coursebot/course"
	"github.com/coursebot/coursebot/lessons"
	"github.com/coursebot/coursebot/store"
)

// What each platform's test of a lead's /cohort insights shares: the
// handler the command goes to, and what its answer and picture must hold.

// Lead builds the cohort in db (Build, with lead as its lead on platform)
// and returns it with the handler a lead's /cohort goes to: the lesson
// engine and the cohorts handler over the cohort's course, at Now.
func Lead(t testing.TB, db *store.DB, platform, lead string) (*Cohort, bot.Handler) {
	t.Helper()
	c := Build(t, db, platform, lead)
	now := func() time.Time { return Now }
	eng := lessons.NewEngine(c.Course, db, lessons.EngineOptions{Now: now, Log: slog.New(slog.DiscardHandler)})
	t.Cleanup(func() { _ = eng.Close() })
	ch, err := cohorts.NewHandler(eng, cohorts.Options{Store: db, Course: func() *course.Course { return c.Course },
		DefaultTimezone: "UTC", ShareAnswers: true, Now: now, Log: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	return c, ch
}

// CheckAnswer fails t where the text of the answer to /cohort insights
// lacks a lesson's headline (from the plans), the stalled learners or the
// note on the groups too small to show. quote writes a line as the text
// holds it (nil: as it is).
func (c *Cohort) CheckAnswer(t testing.TB, text string, quote func(string) string) {
	t.Helper()
	for _, want := range append(c.Headlines(), "Not moved in 7 days", "Omar: Lesson 4.4, card 31 of 41", "fewer than 3") {
		if quote != nil {
			want = quote(want)
		}
		if !strings.Contains(text, want) {
			t.Errorf("the answer lacks %q:\n%s", want, text)
		}
	}
}

// CheckPicture fails t unless data is the insights picture, a PNG of
// three funnels and the hardest questions, whose alt text alt says what
// it shows. With $COURSEBOT_INSIGHT_PICTURES set, the picture is kept
// there as name.
func CheckPicture(t testing.TB, data []byte, alt, name string) {
	t.Helper()
	img, err := png.Decode(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("the picture is not a PNG: %v", err)
	}
	if b := img.Bounds(); b.Dx() < 800 || b.Dy() < 1000 {
		t.Errorf("picture %v: want three funnels and the hardest questions", b)
	}
	for _, want := range []string{"Lesson 4.4: 27 started", "Hardest quiz questions, right at the first attempt: 2.1 Which of these does git track in a DVC project? 32% (8 of 25)"} {
		if !strings.Contains(alt, want) {
			t.Errorf("the alt text lacks %q: %q", want, alt)
		}
	}
	if dir := os.Getenv("COURSEBOT_INSIGHT_PICTURES"); dir != "" {
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o644); err != nil {
			t.Error(err)
		}
	}
}
