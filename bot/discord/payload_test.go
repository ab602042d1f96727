package discord_test

import (
	"strings"
	"testing"

	"github.com/coursebot/coursebot/bot/discord"
)

// TestThreadNameAndStarterSay44: the lesson thread and its starter name
// the lesson as everything else does ("4.4", not the id "4-4").
func TestThreadNameAndStarterSay44(t *testing.T) {
	e := newEnv(t, discord.ModeHTTP, nil, "", false)
	e.deliver(commandPayload(e.nextID(), "u1", "start-4-4"))
	th := onlyThread(t, e.f)
	if th.Name != "Lesson 4.4 · user-u1" {
		t.Errorf("thread name %q", th.Name)
	}
	starter := ""
	waitFor(t, "the thread's starter", func() bool {
		for _, c := range append(e.f.callsMatching("PATCH", "/webhooks/"), e.f.callsMatching("POST", "/channels/chan1/")...) {
			if strings.Contains(c.Body, "follow along") {
				starter = c.Body
				return true
			}
		}
		return false
	})
	if !strings.Contains(starter, "is working through Lesson 4.4 — follow along in the thread.") {
		t.Errorf("starter %s", starter)
	}
}
