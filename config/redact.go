package config

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"log/slog"
	"regexp"
	"strings"
)

// learnerKeyRE matches a learner key ("slack:U0123", "discord:8035…",
// "console:alice") anywhere in a string. A platform followed by ": " (an
// error prefix such as "slack: send") is not a key.
var learnerKeyRE = regexp.MustCompile(`\b(?:slack|discord|console):[A-Za-z0-9][A-Za-z0-9._@-]*`)

// hashLearnerKeys is the slog ReplaceAttr of every logger serve builds when
// log.learner_ids is hashed. Every learner key in a line, in the message or
// in any attribute's value (an adapter's learner=, a scheduler's
// recipient=, an error that names whom it failed for, an attribute added
// with Logger.With), is replaced by its hash (learnerLogger.id), so no code
// path, today's or tomorrow's, puts a raw id in the log. Code should still
// not embed learner keys in errors (the line's learner= attribute says
// whom it is about); this is the net under it.
func hashLearnerKeys(ids learnerLogger) func([]string, slog.Attr) slog.Attr {
	scrub := func(s string) string { return learnerKeyRE.ReplaceAllStringFunc(s, ids.id) }
	return func(_ []string, a slog.Attr) slog.Attr {
		switch a.Value.Kind() {
		case slog.KindString:
			v := a.Value.String()
			if (a.Key == "learner" || a.Key == "recipient") && strings.Contains(v, ":") && !strings.HasPrefix(v, "h:") {
				a.Value = slog.StringValue(ids.id(v)) // a whole key, whatever its characters
			} else if c := scrub(v); c != v {
				a.Value = slog.StringValue(c)
			}
		case slog.KindAny:
			// Errors, Stringers, slices: compared in their printed form,
			// replaced by the scrubbed string only when they named one.
			v := fmt.Sprint(a.Value.Any())
			if c := scrub(v); c != v {
				a.Value = slog.StringValue(c)
			}
		}
		return a
	}
}

// learnerLogger renders learner keys for the operator's log: plain
// ("slack:U1") or hashed (log.learner_ids: hashed, the default), a stable
// 12-hex-digit digest so one learner's lines can still be followed.
type learnerLogger struct{ hashed bool }

func (l learnerLogger) id(key string) string {
	if !l.hashed {
		return key
	}
	sum := sha256.Sum256([]byte("coursebot learner " + key))
	return "h:" + hex.EncodeToString(sum[:6])
}

// LearnerID is how the operator's log names a learner: the key itself
// with learner_ids: plain, else its digest.
func (l LogConfig) LearnerID(key string) string {
	return learnerLogger{hashed: l.LearnerIDs != "plain"}.id(key)
}
