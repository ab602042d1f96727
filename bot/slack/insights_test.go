package slack

import (
	"encoding/json"
	"net/url"
	"strings"
	"testing"

	"github.com/coursebot/coursebot/bot"
	"github.com/coursebot/coursebot/insight/insighttest"
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
		var ch bot.Handler
		c, ch = insighttest.Lead(t, db, Platform, "slack:ULEAD")
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
	c.CheckAnswer(t, all, func(s string) string { j, _ := json.Marshal(s); return strings.Trim(string(j), `"`) })
	if want := "insights-spring.png` is in our direct messages"; !strings.Contains(all, want) {
		t.Errorf("the answer lacks %q:\n%s", want, all)
	}
	ups := h.fake.uploaded()
	if len(ups) != 1 || ups[0].Channel != "DLEAD" || ups[0].Name != "insights-spring.png" {
		t.Fatalf("uploads %+v, want insights-spring.png in the lead's DM", ups)
	}
	insighttest.CheckPicture(t, ups[0].Data, ups[0].Alt, "insights-spring-slack.png")
}
