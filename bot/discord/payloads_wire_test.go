package discord_test

import (
	"context"
	"encoding/json"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"github.com/coursebot/coursebot/bot/discord"
)

// keysOf returns the sorted top-level keys of a JSON object.
func keysOf(t *testing.T, raw []byte) []string {
	t.Helper()
	var m map[string]json.RawMessage
	if err := json.Unmarshal(raw, &m); err != nil {
		t.Fatalf("not a JSON object: %s", raw)
	}
	var keys []string
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// onlyKeys fails unless every key of the object raw is in allowed.
func onlyKeys(t *testing.T, what string, raw []byte, allowed ...string) {
	t.Helper()
	for _, k := range keysOf(t, raw) {
		if !slices.Contains(allowed, k) {
			t.Errorf("%s carries %q, which we never set: %s", what, k, raw)
		}
	}
}

// TestMessageEditsCarryOnlyDocumentedFields: discordgo's MessageEdit
// serialises its untagged ID and Channel; our edits send only content,
// components and allowed_mentions.
func TestMessageEditsCarryOnlyDocumentedFields(t *testing.T) {
	t.Parallel()
	e := newEnv(t, discord.ModeHTTP, nil, "", false)
	e.deliver(commandPayload(e.nextID(), "u1", "start-4-4"))
	th := onlyThread(t, e.f)
	waitFor(t, "first card", func() bool { _, id := currentControl(e.f, th.ID, "next|"); return id != "" })
	card, next := currentControl(e.f, th.ID, "next|")
	e.deliver(componentPayload(e.nextID(), "u1", next, card))
	e.settled() // pressing Next edits the card that was pressed
	edits := e.f.callsMatching("PATCH", "/channels/"+th.ID+"/messages/")
	if len(edits) == 0 {
		t.Fatal("pressing Next edited no message")
	}
	for _, c := range edits {
		onlyKeys(t, "message edit", []byte(c.Body), "allowed_mentions", "components", "content")
	}
}

// TestCommandRegistrationCarriesOnlyDocumentedFields: discordgo's
// ApplicationCommandOption sends "choices": null; our commands send only
// type, name, description and options, and options only type, name,
// description and required.
func TestCommandRegistrationCarriesOnlyDocumentedFields(t *testing.T) {
	t.Parallel()
	e := newEnv(t, discord.ModeHTTP, nil, "", false)
	if err := e.a.Register(context.Background()); err != nil {
		t.Fatal(err)
	}
	puts := e.f.callsMatching("PUT", "/applications/")
	if len(puts) != 1 {
		t.Fatalf("%d bulk overwrites, want 1", len(puts))
	}
	var cmds []json.RawMessage
	if err := json.Unmarshal([]byte(puts[0].Body), &cmds); err != nil || len(cmds) == 0 {
		t.Fatalf("bulk overwrite body %s: %v", puts[0].Body, err)
	}
	withOptions := 0
	for _, c := range cmds {
		onlyKeys(t, "command", c, "description", "name", "options", "type")
		var cmd struct {
			Options []json.RawMessage `json:"options"`
		}
		_ = json.Unmarshal(c, &cmd)
		for _, o := range cmd.Options {
			withOptions++
			onlyKeys(t, "command option", o, "description", "name", "required", "type")
		}
	}
	if withOptions == 0 {
		t.Error("no command has an option: the option check checked nothing")
	}
	if strings.Contains(puts[0].Body, "null") {
		t.Errorf("bulk overwrite sends a null: %s", puts[0].Body)
	}
}

// TestInteractionResponsesAreExact: discordgo's InteractionResponseData
// always sends "tts":false,"content":"" and null arrays; our responses,
// written by the HTTP endpoint or POSTed to the callback URL, carry only
// what is set.
func TestInteractionResponsesAreExact(t *testing.T) {
	t.Parallel()
	const deferred = `{"type":5,"data":{"flags":64}}`
	t.Run("http", func(t *testing.T) {
		e := newEnv(t, discord.ModeHTTP, nil, "", false)
		body, _ := json.Marshal(commandPayload(e.nextID(), "u1", "start-4-4"))
		w := httptest.NewRecorder()
		e.mux.ServeHTTP(w, e.sign(body, fixedNow))
		if got := strings.TrimSpace(w.Body.String()); got != deferred {
			t.Errorf("deferred command response\n got %s\nwant %s", got, deferred)
		}
		e.settled()
	})
	t.Run("callback", func(t *testing.T) {
		e := newEnv(t, discord.ModeGateway, nil, "", false)
		waitFor(t, "identify", func() bool { _, n, _ := e.f.gatewayStats(); return n == 1 })
		id := e.nextID()
		e.deliver(commandPayload(id, "u1", "start-4-4"))
		raw, _ := e.f.callback(id)
		if got := string(raw); got != deferred {
			t.Errorf("deferred command callback\n got %s\nwant %s", got, deferred)
		}
		th := onlyThread(t, e.f)
		waitFor(t, "first card", func() bool { _, id := currentControl(e.f, th.ID, "next|"); return id != "" })
		card, next := currentControl(e.f, th.ID, "next|")
		id = e.nextID()
		e.deliver(componentPayload(id, "u1", next, card))
		raw, _ = e.f.callback(id)
		if got, want := string(raw), `{"type":6}`; got != want {
			t.Errorf("deferred update callback\n got %s\nwant %s", got, want)
		}
		e.settled()
	})
}
