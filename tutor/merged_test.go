package tutor

import (
	"testing"

	"github.com/coursebot/coursebot"
	"github.com/coursebot/coursebot/course"
)

// TestStuckExchangeFollowsAMergedCard: an "I'm stuck" conversation kept
// under a card's key is still that card's after the card was merged into
// another (its key is then one of the other card's aliases); a card it was
// not about does not get it.
func TestStuckExchangeFollowsAMergedCard(t *testing.T) {
	rec := coursebot.TutorRecord{Exchanges: []coursebot.TutorExchange{
		{Kind: kindStuck, Lesson: "4-4", Card: "old-tiny-card", Turns: []coursebot.TutorTurn{{Role: roleTutor, Text: "a hint"}}},
	}}
	merged := course.TutorStep{Lesson: "4-4", Card: "capstone-part-2", CardAliases: []string{"old-tiny-card"}}
	if e := lastExchange(rec, kindStuck, merged, ""); e == nil || e.Card != "old-tiny-card" {
		t.Errorf("the merged card lost its conversation: %+v", e)
	}
	if !(exchange{kind: kindStuck, ts: merged}).matches(&rec.Exchanges[0]) {
		t.Error("a new turn on the merged card does not continue the kept conversation")
	}
	other := course.TutorStep{Lesson: "4-4", Card: "capstone-part-3"}
	if e := lastExchange(rec, kindStuck, other, ""); e != nil {
		t.Errorf("another card got the conversation: %+v", e)
	}
}
