package discord_test

import (
	"encoding/json"
	"net/http/httptest"
	"testing"

	"github.com/coursebot/coursebot/bot/discord"
)

// FuzzInteractionEndpoint sends arbitrary bodies, correctly signed, to the
// interactions endpoint: every one gets 200 with a JSON response or 400,
// never a panic or a 5xx. `make test` runs the seeds; `make fuzz-short`
// (or go test -fuzz FuzzInteractionEndpoint ./bot/discord) explores.
func FuzzInteractionEndpoint(f *testing.F) {
	e := newEnv(f, discord.ModeHTTP, nil, "", true)
	for _, p := range []map[string]any{
		commandPayload("1001", "u1", "start-4-4"),
		commandPayload("1002", "u1", "status"),
		commandPayload("1003", "u2", "help", map[string]any{"name": "topic", "type": 3, "value": "drift"}),
		componentPayload("1004", "u1", "next|4-4|intro", fakeMessage{ID: "m1", ChannelID: "th1"}),
		modalPayload("1005", "u1", "answer|4-4|q67d329bda0", "th1", "an answer"),
	} {
		b, _ := json.Marshal(p)
		f.Add(b)
	}
	for _, s := range []string{`{"type":1}`, `{}`, `{"type":2,"data":null}`, `{"type":3,"member":{"user":null}}`,
		`{"type":5,"data":{"components":[{"type":1,"components":[null]}]}}`, `[]`, `null`, `{"type":2,"user":{"id":""}}`, "\xff"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		w := httptest.NewRecorder()
		e.mux.ServeHTTP(w, e.sign(body, fixedNow))
		switch w.Code {
		case 200:
			if !json.Valid(w.Body.Bytes()) {
				t.Errorf("200 with a body that is not JSON: %q", w.Body.String())
			}
		case 400:
		default:
			t.Errorf("HTTP %d for a signed body %q: %s", w.Code, body, w.Body.String())
		}
	})
}
