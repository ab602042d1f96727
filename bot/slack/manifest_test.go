package slack

import (
	"slices"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

func TestManifest(t *testing.T) {
	t.Parallel()
	cmds := commandsOf(t)
	out, err := Manifest(cmds, "https://bot.example.com/", false)
	if err != nil {
		t.Fatal(err)
	}
	var m manifest
	if err := yaml.Unmarshal(out, &m); err != nil {
		t.Fatalf("not YAML: %v\n%s", err, out)
	}
	if len(m.Features.SlashCommands) != len(cmds) {
		t.Fatalf("%d commands, want %d", len(m.Features.SlashCommands), len(cmds))
	}
	names := map[string]manifestCommand{}
	for _, c := range m.Features.SlashCommands {
		names[c.Command] = c
		if c.URL != "https://bot.example.com/slack/commands" || c.Description == "" || len(c.Description) > 100 || !c.ShouldEscape {
			t.Errorf("command %+v", c)
		}
	}
	for _, want := range []string{"/start-4-4", "/start-1-1", "/status", "/help-mlops"} {
		if _, ok := names[want]; !ok {
			t.Errorf("manifest lacks %s", want)
		}
	}
	if m.Settings.Interactivity.RequestURL != "https://bot.example.com/slack/interactions" ||
		m.Settings.Events.RequestURL != "https://bot.example.com/slack/events" || m.Settings.SocketMode {
		t.Errorf("settings %+v", m.Settings)
	}
	for _, s := range []string{"commands", "chat:write", "im:write", "im:history", "mpim:history", "reactions:write", "files:write", "channels:read", "groups:read"} {
		if !strings.Contains(strings.Join(m.OAuth.Scopes.Bot, " "), s) {
			t.Errorf("scope %s missing", s)
		}
	}
	for _, ev := range []string{"message.im", "message.mpim", "message.channels", "message.groups"} {
		if !slices.Contains(m.Settings.Events.BotEvents, ev) {
			t.Errorf("%s not subscribed", ev)
		}
	}

	sock, err := Manifest(cmds, "", true)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(sock), "request_url") || strings.Contains(string(sock), "url:") || !strings.Contains(string(sock), "socket_mode_enabled: true") {
		t.Errorf("socket manifest:\n%s", sock)
	}
	for _, bad := range []struct {
		url  string
		cmds []Command
	}{{"http://insecure.example.com", cmds}, {"", cmds}, {"https://x", nil}, {"https://x", []Command{{Name: "a b"}}}, {"https://x", []Command{{Name: "s"}, {Name: "s"}}}} {
		if _, err := Manifest(bad.cmds, bad.url, false); err == nil {
			t.Errorf("Manifest(%v, %q) accepted", bad.cmds, bad.url)
		}
	}
}

func TestNewNamesMissingSecret(t *testing.T) {
	t.Parallel()
	h := recordingHandler{}
	tests := []struct {
		name string
		opts Options
		want string
	}{
		{"no bot token", Options{SigningSecret: "s", Handler: h, Store: nil}, "SLACK_BOT_TOKEN"},
		{"http without signing secret", Options{BotToken: "xoxb", Mode: ModeHTTP}, "SLACK_SIGNING_SECRET"},
		{"socket without app token", Options{BotToken: "xoxb", Mode: ModeSocket}, "SLACK_APP_TOKEN"},
		{"bad mode", Options{BotToken: "xoxb", Mode: "carrier-pigeon"}, "mode"},
		{"bad placement", Options{BotToken: "xoxb", SigningSecret: "s", Placement: "everywhere"}, "placement"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := New(tt.opts)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("New = %v, want an error naming %s", err, tt.want)
			}
		})
	}
}
