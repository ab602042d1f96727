package slack

import (
	"bytes"
	"encoding/json"
	"image/png"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/coursebot/coursebot/bot"
	"github.com/coursebot/coursebot/cohorts"
	"github.com/coursebot/coursebot/course"
	"github.com/coursebot/coursebot/insight/insighttest"
	"github.com/coursebot/coursebot/lessons"
	"github.com/coursebot/coursebot/store"
)

// TestCohortInsightsEndToEnd: the lead of the simulated cohort of 30
// types /cohort insights spring (a signed slash command through the real
// routes, the cohorts handler and package insight). The answer carries
// the figures the plans make; the picture arrives through the external
// upload flow in the lead's DM, a PNG with its alt text. With
// $COURSEBOT_INSIGHT_PICTURES set, the PNG Slack got is kept there.
func TestCohortInsightsEndToEnd(t *testing.T) {
	t.Parallel()
	var c *insighttest.Cohort
	h := newHarness(t, func(db *store.DB) bot.Handler {
		c = insighttest.Build(t, db, Platform, "slack:ULEAD")
		now := func() time.Time { return insighttest.Now }
		eng := lessons.NewEngine(c.Course, db, lessons.EngineOptions{Now: now, Log: slog.New(slog.DiscardHandler)})
		t.Cleanup(func() { _ = eng.Close() })
		ch, err := cohorts.NewHandler(eng, cohorts.Options{Store: db, Course: func() *course.Course { return c.Course },
			DefaultTimezone: "UTC", ShareAnswers: true, Now: now, Log: slog.New(slog.DiscardHandler)})
		if err != nil {
			t.Fatal(err)
		}
		return ch
	}, nil)
	form := url.Values{"team_id": {"T1"}, "channel_id": {"C0PUBLIC"}, "user_id": {"ULEAD"}, "user_name": {"lead"},
		"command": {"/cohort"}, "text": {"insights spring"}, "api_app_id": {"A1"}, "response_url": {h.fake.responseURL()}, "trigger_id": {"1.2.3"}}
	code, body := h.send("/slack/commands", formType, form.Encode())
	if code != 200 {
		t.Fatalf("answer %d %s", code, body)
	}
	waitFor(t, func() bool { return len(h.fake.uploaded()) > 0 })
	h.idle()
	// The answer came in the HTTP response or, when slow, through
	// response_url: read both.
	said := []string{body}
	_, _, responses := h.fake.snapshot()
	for _, r := range responses {
		b, _ := json.Marshal(r)
		said = append(said, string(b))
	}
	all := strings.Join(said, "\n")
	for _, want := range c.Headlines() {
		if j, _ := json.Marshal(want); !strings.Contains(all, strings.Trim(string(j), `"`)) {
			t.Errorf("the answer lacks %q:\n%s", want, all)
		}
	}
	for _, want := range []string{"Not moved in 7 days", "Omar: Lesson 4.4, card 31 of 41", "fewer than 3", "insights-spring.png` is in our direct messages"} {
		if !strings.Contains(all, want) {
			t.Errorf("the answer lacks %q:\n%s", want, all)
		}
	}
	ups := h.fake.uploaded()
	if len(ups) != 1 || ups[0].Channel != "DLEAD" || ups[0].Name != "insights-spring.png" {
		t.Fatalf("uploads %+v, want insights-spring.png in the lead's DM", ups)
	}
	img, err := png.Decode(bytes.NewReader(ups[0].Data))
	if err != nil {
		t.Fatalf("the upload is not a PNG: %v", err)
	}
	if b := img.Bounds(); b.Dx() < 800 || b.Dy() < 1000 {
		t.Errorf("picture %v: want three funnels and the hardest questions", b)
	}
	for _, want := range []string{"Lesson 4.4: 27 started", "Hardest quiz questions, right at the first attempt: 2.1 Which of these does git track in a DVC project? 32% (8 of 25)"} {
		if !strings.Contains(ups[0].Alt, want) {
			t.Errorf("alt_txt lacks %q: %q", want, ups[0].Alt)
		}
	}
	if dir := os.Getenv("COURSEBOT_INSIGHT_PICTURES"); dir != "" {
		if err := os.WriteFile(filepath.Join(dir, "insights-spring-slack.png"), ups[0].Data, 0o644); err != nil {
			t.Error(err)
		}
	}
}
