package config

import (
	"bytes"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"testing"
)

// Every way a learner key can reach a log line is hashed with
// log.learner_ids: hashed, and left alone with plain.
func TestLoggerHashesEveryLearnerKey(t *testing.T) {
	const key = "slack:U0LEAKY1"
	hashed := learnerLogger{hashed: true}.id(key)
	for _, format := range []string{"text", "json"} {
		var buf bytes.Buffer
		log := LogConfig{Format: format, Level: "debug", LearnerIDs: "hashed"}.NewLogger(&buf)
		log.Info("handle command for " + key)
		log.Error("handler failed", "err", fmt.Errorf("handle command for %s: %w", key, errors.New("boom")))
		log.With("learner", key).Warn("with")
		log.Info("group", slog.Group("g", "who", "to "+key, "n", 1))
		log.Info("any", "list", []string{key, "discord:80351110224678912"}, "recipient", "console:alice")
		log.Info("not a key", "err", "slack: send failed", "url", "https://slack.com/api/chat.postMessage")
		out := buf.String()
		for _, raw := range []string{"U0LEAKY1", "80351110224678912", "console:alice"} {
			if strings.Contains(out, raw) {
				t.Errorf("%s: %q is in the log:\n%s", format, raw, out)
			}
		}
		if strings.Count(out, hashed) != 5 {
			t.Errorf("%s: want the hash %s on 5 lines:\n%s", format, hashed, out)
		}
		if !strings.Contains(out, "slack: send failed") || !strings.Contains(out, "https://slack.com/api/chat.postMessage") {
			t.Errorf("%s: text that is not a learner key was changed:\n%s", format, out)
		}
	}
	var buf bytes.Buffer
	LogConfig{Format: "text", Level: "info", LearnerIDs: "plain"}.NewLogger(&buf).Info("x", "err", errors.New("for "+key))
	if !strings.Contains(buf.String(), key) {
		t.Errorf("plain: the key should be logged as is: %s", buf.String())
	}
}

func TestLearnerIDsInLogs(t *testing.T) {
	plain, hashed := learnerLogger{}, learnerLogger{hashed: true}
	if plain.id("slack:U1") != "slack:U1" {
		t.Error("plain ids should be the key")
	}
	h1, h2 := hashed.id("slack:U1"), hashed.id("slack:U2")
	if h1 == h2 || h1 != hashed.id("slack:U1") || strings.Contains(h1, "U1") || !strings.HasPrefix(h1, "h:") {
		t.Errorf("hashed ids: %q %q", h1, h2)
	}
}

// Adapters, the scheduler and cohorts log learner keys as they are; the
// configured logger hashes them all in one place.
func TestHashedLoggerHashesEveryLearnerAttribute(t *testing.T) {
	var buf bytes.Buffer
	log := LogConfig{Format: "json", Level: "info", LearnerIDs: "hashed"}.NewLogger(&buf)
	log.With("learner", "discord:4242").Info("from an adapter")
	log.Info("from the scheduler", "recipient", "slack:U9", "learner", learnerLogger{hashed: true}.id("slack:U9"))
	out := buf.String()
	if strings.Contains(out, "4242") || strings.Contains(out, "U9") {
		t.Errorf("plain learner id logged:\n%s", out)
	}
	want := learnerLogger{hashed: true}.id("slack:U9")
	if strings.Count(out, want) != 2 {
		t.Errorf("want the digest %s twice (once hashed here, once passed through):\n%s", want, out)
	}
	buf.Reset()
	LogConfig{Format: "text", Level: "info", LearnerIDs: "plain"}.NewLogger(&buf).Info("x", "learner", "slack:U9")
	if !strings.Contains(buf.String(), "learner=slack:U9") {
		t.Errorf("plain mode: %s", buf.String())
	}
}
