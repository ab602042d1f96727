package slack

import (
	"errors"
	"fmt"
	"strings"

	"github.com/coursebot/coursebot/bot/markup"
	"gopkg.in/yaml.v3"
)

// Bot scopes the adapter needs: slash commands, posting and editing its
// messages, opening DMs, reading replies in lesson threads (DMs, group DMs,
// public and private channels) to take answers, reacting to saved answers, and
// uploading files attached to replies (a cohort's CSV export).
var botScopes = []string{
	"commands", "chat:write", "im:write", "im:history", "mpim:history", "channels:history", "groups:history",
	"reactions:write", "files:write", "channels:read", "groups:read",
}

// Events the adapter subscribes to: messages in DMs, group DMs and
// channels, of which it keeps replies in its lesson threads.
var botEvents = []string{"message.im", "message.mpim", "message.channels", "message.groups"}

type manifest struct {
	Display struct {
		Name        string `yaml:"name"`
		Description string `yaml:"description"`
	} `yaml:"display_information"`
	Features struct {
		AppHome struct {
			MessagesTab         bool `yaml:"messages_tab_enabled"`
			MessagesTabReadOnly bool `yaml:"messages_tab_read_only_enabled"`
		} `yaml:"app_home"`
		BotUser struct {
			DisplayName  string `yaml:"display_name"`
			AlwaysOnline bool   `yaml:"always_online"`
		} `yaml:"bot_user"`
		SlashCommands []manifestCommand `yaml:"slash_commands"`
	} `yaml:"features"`
	OAuth struct {
		Scopes struct {
			Bot []string `yaml:"bot"`
		} `yaml:"scopes"`
	} `yaml:"oauth_config"`
	Settings struct {
		Events struct {
			RequestURL string   `yaml:"request_url,omitempty"`
			BotEvents  []string `yaml:"bot_events"`
		} `yaml:"event_subscriptions"`
		Interactivity struct {
			Enabled    bool   `yaml:"is_enabled"`
			RequestURL string `yaml:"request_url,omitempty"`
		} `yaml:"interactivity"`
		OrgDeploy     bool `yaml:"org_deploy_enabled"`
		SocketMode    bool `yaml:"socket_mode_enabled"`
		TokenRotation bool `yaml:"token_rotation_enabled"`
	} `yaml:"settings"`
}

type manifestCommand struct {
	Command      string `yaml:"command"`
	URL          string `yaml:"url,omitempty"`
	Description  string `yaml:"description"`
	UsageHint    string `yaml:"usage_hint,omitempty"`
	ShouldEscape bool   `yaml:"should_escape"`
}

// Manifest returns a Slack app manifest (YAML) for the commands: paste it
// at api.slack.com/apps → Create New App → From a manifest. baseURL is the
// public https address of `coursebot serve` ("https://bot.example.com");
// with socket true no request URLs are set (Socket Mode) and baseURL may
// be empty.
func Manifest(commands []Command, baseURL string, socket bool) ([]byte, error) {
	base := strings.TrimRight(baseURL, "/")
	if !socket && !strings.HasPrefix(base, "https://") {
		return nil, errors.New("slack manifest: --url must be the bot's public https:// address (or use socket mode)")
	}
	if len(commands) == 0 {
		return nil, errors.New("slack manifest: no commands")
	}
	var m manifest
	m.Display.Name = "coursebot"
	m.Display.Description = "Takes you through the course's lessons, one card at a time."
	m.Features.AppHome.MessagesTab = true
	m.Features.BotUser.DisplayName = "coursebot"
	m.Features.BotUser.AlwaysOnline = true
	seen := map[string]bool{}
	for _, c := range commands {
		name := strings.TrimPrefix(c.Name, "/")
		if name == "" || len(name) > 32 || strings.ContainsAny(name, " /") || seen[name] {
			return nil, fmt.Errorf("slack manifest: bad or repeated command name %q", c.Name)
		}
		seen[name] = true
		// should_escape: Slack sends mentions as <@U123|alice> and
		// <#C123|general>, ids the bot can use; without it "@alice" is
		// plain text that names nobody.
		mc := manifestCommand{Command: "/" + name, Description: markup.Truncate(c.Description, 100), UsageHint: markup.Truncate(c.Usage, 100), ShouldEscape: true}
		if mc.Description == "" {
			mc.Description = "/" + name
		}
		if !socket {
			mc.URL = base + "/slack/commands"
		}
		m.Features.SlashCommands = append(m.Features.SlashCommands, mc)
	}
	m.OAuth.Scopes.Bot = botScopes
	m.Settings.Events.BotEvents = botEvents
	m.Settings.Interactivity.Enabled = true
	if !socket {
		m.Settings.Events.RequestURL = base + "/slack/events"
		m.Settings.Interactivity.RequestURL = base + "/slack/interactions"
	}
	m.Settings.SocketMode = socket
	out, err := yaml.Marshal(m)
	if err != nil {
		return nil, fmt.Errorf("slack manifest: %w", err)
	}
	return out, nil
}
