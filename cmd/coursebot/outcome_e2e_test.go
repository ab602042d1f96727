package main

import (
	"net/url"
	"strings"
	"testing"
)

// TestServeNudgesOffIsLoggedOK: a successful "/nudges off" is a short
// untitled notice, which the metrics used to count (and log) as refused;
// only a real refusal (a usage hint) is.
func TestServeNudgesOffIsLoggedOK(t *testing.T) {
	t.Parallel()
	e := startServe(t, "")
	for _, text := range []string{"off", "sideways"} {
		form := url.Values{"command": {"/nudges"}, "text": {text}, "user_id": {"U5"}, "channel_id": {"D5"},
			"team_id": {"T1"}, "response_url": {e.api.responseURL("U5")}, "trigger_id": {"trig"}}
		if code, body := e.slackPost("/slack/commands", form.Encode()); code != 200 || body == "" {
			t.Fatalf("/nudges %s: %d %q", text, code, body)
		}
	}
	e.waitMetric(`coursebot_messages_total{platform="slack",kind="command",name="nudges",outcome="ok"} 1`)
	e.waitMetric(`coursebot_messages_total{platform="slack",kind="command",name="nudges",outcome="refused"} 1`)
	var outcomes []string
	for _, line := range strings.Split(e.logs.String(), "\n") {
		if strings.Contains(line, `"name":"nudges"`) {
			_, rest, _ := strings.Cut(line, `"outcome":"`)
			o, _, _ := strings.Cut(rest, `"`)
			outcomes = append(outcomes, o)
		}
	}
	if strings.Join(outcomes, ",") != "ok,refused" {
		t.Errorf("nudges logged with outcomes %v, want ok then refused", outcomes)
	}
}
