package config

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

func TestSecretsFromEnv(t *testing.T) {
	dir := t.TempDir()
	tokenFile := filepath.Join(dir, "token")
	if err := os.WriteFile(tokenFile, []byte("xoxb-from-file\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	crlfFile := filepath.Join(dir, "crlf")
	if err := os.WriteFile(crlfFile, []byte("xapp-crlf\r\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, err := Load("", envMap(map[string]string{
		"SLACK_BOT_TOKEN_FILE": tokenFile,
		"SLACK_SIGNING_SECRET": "sign-me",
		"SLACK_APP_TOKEN_FILE": crlfFile,
		"DISCORD_TOKEN":        "discord-token",
	}))
	if err != nil {
		t.Fatal(err)
	}
	s := cfg.Secrets
	for name, tc := range map[string]struct {
		got  Secret
		want string
	}{
		"SLACK_BOT_TOKEN":      {s.SlackBotToken, "xoxb-from-file"},
		"SLACK_SIGNING_SECRET": {s.SlackSigningSecret, "sign-me"},
		"SLACK_APP_TOKEN":      {s.SlackAppToken, "xapp-crlf"},
		"DISCORD_TOKEN":        {s.DiscordToken, "discord-token"},
		"DISCORD_PUBLIC_KEY":   {s.DiscordPublicKey, ""},
	} {
		if tc.got.Reveal() != tc.want {
			t.Errorf("%s = %q, want %q", name, tc.got.Reveal(), tc.want)
		}
	}
}

func TestSecretsEnvErrors(t *testing.T) {
	dir := t.TempDir()
	big := filepath.Join(dir, "big")
	if err := os.WriteFile(big, bytes.Repeat([]byte("x"), maxSecretFile+1), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		env  map[string]string
		want string
	}{
		{"both set", map[string]string{"DISCORD_TOKEN": "hunter2", "DISCORD_TOKEN_FILE": "/x"},
			"both DISCORD_TOKEN and DISCORD_TOKEN_FILE are set; set only one"},
		{"missing file", map[string]string{"SLACK_BOT_TOKEN_FILE": filepath.Join(dir, "absent")},
			"SLACK_BOT_TOKEN_FILE: open " + filepath.Join(dir, "absent") + ": no such file or directory"},
		{"too big", map[string]string{"SLACK_APP_TOKEN_FILE": big},
			fmt.Sprintf("SLACK_APP_TOKEN_FILE: %s is larger than %d bytes; is it the right file?", big, maxSecretFile)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// With a config file, env problems still carry no file name.
			_, err := Load("testdata/config/empty.yaml", envMap(tt.env))
			if err == nil || err.Error() != tt.want {
				t.Errorf("err = %v, want %q", err, tt.want)
			}
			if err != nil && strings.Contains(err.Error(), "hunter2") {
				t.Errorf("error shows the secret: %v", err)
			}
		})
	}
}

func TestRequireSecrets(t *testing.T) {
	const pubKey = "e8f2a1b0c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e"
	tests := []struct {
		name    string
		setup   func(*Config)
		secrets Secrets
		want    []string
	}{
		{"nothing enabled", func(*Config) {}, Secrets{}, nil},
		{"slack http missing both", func(c *Config) { c.Slack.Enabled = true }, Secrets{}, []string{
			"slack is enabled in http mode but SLACK_BOT_TOKEN is not set (set SLACK_BOT_TOKEN or SLACK_BOT_TOKEN_FILE)",
			"slack is enabled in http mode but SLACK_SIGNING_SECRET is not set (set SLACK_SIGNING_SECRET or SLACK_SIGNING_SECRET_FILE)",
		}},
		{"slack http complete", func(c *Config) { c.Slack.Enabled = true },
			Secrets{SlackBotToken: "b", SlackSigningSecret: "s"}, nil},
		{"slack socket needs app token", func(c *Config) { c.Slack.Enabled, c.Slack.Mode = true, "socket" },
			Secrets{SlackBotToken: "b", SlackSigningSecret: "s"}, []string{
				"slack is enabled in socket mode but SLACK_APP_TOKEN is not set (set SLACK_APP_TOKEN or SLACK_APP_TOKEN_FILE)",
			}},
		{"slack socket complete", func(c *Config) { c.Slack.Enabled, c.Slack.Mode = true, "socket" },
			Secrets{SlackBotToken: "b", SlackAppToken: "a"}, nil},
		{"discord gateway missing token and id", func(c *Config) { c.Discord.Enabled = true }, Secrets{}, []string{
			"discord is enabled in gateway mode but DISCORD_TOKEN is not set (set DISCORD_TOKEN or DISCORD_TOKEN_FILE)",
			"discord is enabled but discord.application_id is empty (the application id from the developer portal)",
		}},
		{"discord gateway complete", func(c *Config) { c.Discord.Enabled, c.Discord.ApplicationID = true, "42" },
			Secrets{DiscordToken: "t"}, nil},
		{"discord http missing key", func(c *Config) {
			c.Discord.Enabled, c.Discord.Mode, c.Discord.ApplicationID = true, "http", "42"
		}, Secrets{DiscordToken: "t"}, []string{
			"discord is enabled in http mode but DISCORD_PUBLIC_KEY is not set (set DISCORD_PUBLIC_KEY or DISCORD_PUBLIC_KEY_FILE)",
		}},
		{"discord http bad key", func(c *Config) {
			c.Discord.Enabled, c.Discord.Mode, c.Discord.ApplicationID = true, "http", "42"
		}, Secrets{DiscordToken: "t", DiscordPublicKey: "not-hex-hunter2"}, []string{
			"DISCORD_PUBLIC_KEY is not 64 hex digits (the application's public key from the developer portal)",
		}},
		{"discord http complete", func(c *Config) {
			c.Discord.Enabled, c.Discord.Mode, c.Discord.ApplicationID = true, "http", "42"
		}, Secrets{DiscordToken: "t", DiscordPublicKey: pubKey}, nil},
		{"both platforms", func(c *Config) { c.Slack.Enabled, c.Discord.Enabled = true, true },
			Secrets{SlackBotToken: "b", SlackSigningSecret: "s"}, []string{
				"discord is enabled in gateway mode but DISCORD_TOKEN is not set (set DISCORD_TOKEN or DISCORD_TOKEN_FILE)",
				"discord is enabled but discord.application_id is empty (the application id from the developer portal)",
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := Default()
			tt.setup(&c)
			c.Secrets = tt.secrets
			err := c.RequireSecrets()
			if tt.want == nil {
				if err != nil {
					t.Fatalf("RequireSecrets() = %v, want nil", err)
				}
				return
			}
			if err == nil {
				t.Fatalf("RequireSecrets() = nil, want %q", tt.want)
			}
			if got := strings.Split(err.Error(), "\n"); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("RequireSecrets() =\n%s\nwant\n%s", err, strings.Join(tt.want, "\n"))
			}
			if strings.Contains(err.Error(), "hunter2") {
				t.Errorf("error shows a secret: %v", err)
			}
		})
	}
}

// TestSecretNeverPrinted covers every way a secret could reach a log line
// or an error message.
func TestSecretNeverPrinted(t *testing.T) {
	const value = "xoxb-hunter2-very-secret"
	s := Secret(value)
	cfg := Default()
	cfg.Secrets = Secrets{SlackBotToken: s, SlackSigningSecret: s, SlackAppToken: s, DiscordToken: s, DiscordPublicKey: s}

	var outputs = map[string]string{}
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x", "%X", "%d", "%10.3s", "%T %[1]v"} {
		outputs["Sprintf "+verb+" secret"] = fmt.Sprintf(verb, s)
		outputs["Sprintf "+verb+" config"] = fmt.Sprintf(verb, cfg)
		outputs["Sprintf "+verb+" *config"] = fmt.Sprintf(verb, &cfg)
		outputs["Sprintf "+verb+" secrets"] = fmt.Sprintf(verb, cfg.Secrets)
	}
	outputs["Sprint"] = fmt.Sprint(s, cfg)
	outputs["Sprintln"] = fmt.Sprintln(s, cfg.Secrets)

	base := errors.New("401 invalid_auth")
	wrapped := fmt.Errorf("slack auth.test with token %v: %w", s, base)
	outputs["wrapped error"] = wrapped.Error()
	outputs["double wrap"] = fmt.Errorf("start slack: %w", wrapped).Error()
	outputs["joined"] = errors.Join(wrapped, fmt.Errorf("config %+v", cfg)).Error()
	if !errors.Is(wrapped, base) {
		t.Error("wrapping lost the cause")
	}

	b, err := json.Marshal(cfg)
	if err != nil {
		t.Fatal(err)
	}
	outputs["json config"] = string(b)
	y, err := yaml.Marshal(cfg.Secrets)
	if err != nil {
		t.Fatal(err)
	}
	outputs["yaml secrets"] = string(y)

	for _, format := range []string{"json", "text"} {
		var buf bytes.Buffer
		log := LogConfig{Format: format, Level: "debug"}.NewLogger(&buf)
		log.Info("starting", "token", s, "secrets", cfg.Secrets, "config", cfg)
		log.Error("auth failed", "err", wrapped)
		log.With(slog.Any("token", s)).Debug("grouped", slog.Group("g", "token", s))
		outputs["slog "+format] = buf.String()
	}

	for name, out := range outputs {
		if strings.Contains(out, value) || strings.Contains(out, "hunter2") {
			t.Errorf("%s shows the secret: %s", name, out)
		}
		if !strings.Contains(out, "secret") {
			t.Errorf("%s does not show the redaction: %s", name, out)
		}
	}
	if s.Reveal() != value || !s.IsSet() || Secret("").IsSet() {
		t.Error("Reveal/IsSet do not return the value")
	}
}
