package bot

import (
	"strings"
	"testing"

	"github.com/coursebot/coursebot"
)

func TestActionRoundTrip(t *testing.T) {
	tests := []Action{
		{Verb: VerbNext, Lesson: "4-4", At: "architecture-review"},
		{Verb: VerbCheck, Lesson: "4-4", Item: "c0123456789", Value: "1"},
		{Verb: VerbOpen, Lesson: "1-1"},
		{Verb: VerbRate, Lesson: "4-4", Item: "r1", Value: "3", Owner: "0123456789"},
	}
	for _, a := range tests {
		got, err := ParseAction(a.Encode())
		if err != nil || got != a {
			t.Errorf("ParseAction(%q) = %+v, %v; want %+v", a.Encode(), got, err, a)
		}
	}
	if s := CheckAction("4-4", "cX", true); s != "check|4-4||cX|1" {
		t.Errorf("CheckAction = %q", s)
	}
	if s := RateAction("4-4", "rX", 3); s != "rate|4-4||rX|3" {
		t.Errorf("RateAction = %q", s)
	}
}

func TestParseActionRefusesHostileInput(t *testing.T) {
	for _, s := range []string{"", "|4-4", "a|b|c|d|e|f|g", strings.Repeat("n", MaxActionLen+1)} {
		if a, err := ParseAction(s); err == nil {
			t.Errorf("ParseAction(%q) = %+v, want an error", s, a)
		}
	}
}

func FuzzParseAction(f *testing.F) {
	f.Add("next|4-4|intro")
	f.Add("check|4-4||c1|1")
	f.Fuzz(func(t *testing.T, s string) {
		a, err := ParseAction(s)
		if err != nil {
			return
		}
		if len(s) > MaxActionLen || a.Verb == "" {
			t.Fatalf("accepted %q as %+v", s, a)
		}
		if again, err := ParseAction(a.Encode()); err != nil || again != a {
			t.Fatalf("re-encoding %+v gave %+v, %v", a, again, err)
		}
	})
}

func TestLearnerKey(t *testing.T) {
	l, ok := coursebot.ParseLearnerKey("slack:U123")
	if !ok || l.Key() != "slack:U123" || l.Platform != "slack" || l.UserID != "U123" {
		t.Errorf("ParseLearnerKey = %+v, %v", l, ok)
	}
	for _, bad := range []string{"", "slack", ":U1", "slack:"} {
		if _, ok := coursebot.ParseLearnerKey(bad); ok {
			t.Errorf("ParseLearnerKey(%q) accepted", bad)
		}
	}
}
