package slack

import (
	"context"
	"log/slog"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/coursebot/coursebot/bot"
	"github.com/coursebot/coursebot/cohorts"
	"github.com/coursebot/coursebot/course"
	"github.com/coursebot/coursebot/lessons"
	"github.com/coursebot/coursebot/store"
)

// TestCohortInvitationEndToEnd: over signed requests and the fake Web API,
// with the real cohorts handler and the manifest's escaping: a lead's
// "/cohort join spring <@U2BOB|bob>" DMs bob an invitation with Accept and
// Decline; until he presses Accept the lead's members list lacks him; the
// lead's "/cohort channel spring <#C0OTHER|other>" is refused because
// conversations.members does not list the lead there.
func TestCohortInvitationEndToEnd(t *testing.T) {
	t.Parallel()
	dms := map[string]bot.Sender{}
	chans := map[string]cohorts.ChannelAccess{}
	h := newHarness(t, func(db *store.DB) bot.Handler {
		loaded, err := course.LoadBuiltin()
		if err != nil {
			t.Fatal(err)
		}
		now := func() time.Time { return time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC) }
		eng := lessons.NewEngine(loaded, db, lessons.EngineOptions{Now: now, Log: slog.New(slog.DiscardHandler)})
		ch, err := cohorts.NewHandler(eng, cohorts.Options{Store: db, Course: func() *course.Course { return loaded },
			Admins: []string{"slack:UADMIN"}, DefaultTimezone: "UTC", Now: now, Log: slog.New(slog.DiscardHandler), DMs: dms, Channels: chans})
		if err != nil {
			t.Fatal(err)
		}
		return ch
	}, nil)
	dms[Platform], chans[Platform] = h.a, h.a
	h.fake.setMembers("C0LEAD", "ULEAD")
	h.fake.setMembers("C0OTHER", "UOTHER")
	cohort := func(user, text string) string {
		t.Helper()
		form := url.Values{"team_id": {"T1"}, "channel_id": {"C0LEAD"}, "user_id": {user}, "user_name": {"x"},
			"command": {"/cohort"}, "text": {text}, "api_app_id": {"A1"}, "response_url": {h.fake.responseURL()}, "trigger_id": {"1.2.3"}}
		code, body := h.send("/slack/commands", formType, form.Encode())
		if code != 200 {
			t.Fatalf("/cohort %s: %d", text, code)
		}
		h.idle()
		_, _, rs := h.fake.snapshot()
		for _, r := range rs {
			body += " " + r["text"].(string)
		}
		return body
	}
	cohort("UADMIN", "create spring")
	cohort("UADMIN", "lead spring <@ULEAD|lead>")
	if out := cohort("ULEAD", "join spring @bob"); !strings.Contains(out, "turns blue") {
		t.Errorf("a bare @bob was not refused: %s", out)
	}
	cohort("ULEAD", "join spring <@U2BOB|bob>")
	var invitation fakeMsg
	waitFor(t, func() bool {
		_, msgs, _ := h.fake.snapshot()
		for _, m := range msgs {
			if m.Channel == "D2BOB" && strings.Contains(m.Text+headerText(m), "Invitation to cohort spring") {
				invitation = m
				return true
			}
		}
		return false
	})
	if out := cohort("ULEAD", "members spring"); strings.Contains(out, "U2BOB") {
		t.Errorf("the lead sees bob before he accepted: %s", out)
	}
	accept := ""
	for _, b := range invitation.Blocks {
		els, _ := b["elements"].([]any)
		for _, e := range els {
			el, _ := e.(map[string]any)
			if txt, _ := el["text"].(map[string]any); txt != nil && txt["text"] == "Accept" {
				accept, _ = el["action_id"].(string)
			}
		}
	}
	if accept == "" {
		t.Fatalf("no Accept button in the invitation: %+v", invitation.Blocks)
	}
	if code := h.press("U2BOB", invitation, accept); code != 200 {
		t.Fatalf("Accept: %d", code)
	}
	h.idle()
	if cs, _ := h.db.LearnerCohorts(context.Background(), "slack:U2BOB"); len(cs) != 1 || cs[0] != "spring" {
		t.Errorf("after Accept bob is in %v, want spring", cs)
	}
	if out := cohort("ULEAD", "channel spring <#C0OTHER|other>"); !strings.Contains(out, "cannot find you") {
		t.Errorf("the lead bound a channel they are not in: %s", out)
	}
	cohort("ULEAD", "channel spring <#C0LEAD|lead-room>")
	if c, _, _ := h.db.Cohort(context.Background(), "spring"); c.Channel != "slack:C0LEAD" {
		t.Errorf("channel %q, want slack:C0LEAD", c.Channel)
	}
}
