// Secrets: credentials from the environment or NAME_FILE, printed as <secret>.

package config

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
)

// Secret is a credential. Every way of printing or encoding it gives
// "<secret>"; Reveal returns the value for the one place that needs it.
type Secret string

const redacted = "<secret>"

// Reveal returns the secret's value. Call it only where the value is sent
// to its service.
func (s Secret) Reveal() string { return string(s) }

// IsSet reports whether the secret has a value.
func (s Secret) IsSet() bool { return s != "" }

func (s Secret) String() string                { return redacted }
func (s Secret) GoString() string              { return redacted }
func (s Secret) MarshalText() ([]byte, error)  { return []byte(redacted), nil }
func (s Secret) LogValue() slog.Value          { return slog.StringValue(redacted) }
func (s Secret) Format(f fmt.State, verb rune) { _, _ = io.WriteString(f, redacted) }

// Secrets are the credentials, from environment variables.
type Secrets struct {
	SlackBotToken      Secret // SLACK_BOT_TOKEN
	SlackSigningSecret Secret // SLACK_SIGNING_SECRET
	SlackAppToken      Secret // SLACK_APP_TOKEN
	DiscordToken       Secret // DISCORD_TOKEN
	DiscordPublicKey   Secret // DISCORD_PUBLIC_KEY
	TutorAPIKey        Secret // COURSEBOT_TUTOR_API_KEY
	JudgeAPIKey        Secret // COURSEBOT_JUDGE_API_KEY
	GitHubToken        Secret // GITHUB_TOKEN (the capstone check; optional)
}

type secretVar struct {
	name string
	dst  *Secret
}

func (s *Secrets) vars() []secretVar {
	return []secretVar{
		{"SLACK_BOT_TOKEN", &s.SlackBotToken},
		{"SLACK_SIGNING_SECRET", &s.SlackSigningSecret},
		{"SLACK_APP_TOKEN", &s.SlackAppToken},
		{"DISCORD_TOKEN", &s.DiscordToken},
		{"DISCORD_PUBLIC_KEY", &s.DiscordPublicKey},
		{"COURSEBOT_TUTOR_API_KEY", &s.TutorAPIKey},
		{"COURSEBOT_JUDGE_API_KEY", &s.JudgeAPIKey},
		{"GITHUB_TOKEN", &s.GitHubToken},
	}
}

// maxSecretFile bounds a NAME_FILE read: a credential is short.
const maxSecretFile = 64 << 10

// loadSecrets reads each secret from NAME, or from the file named by
// NAME_FILE (a trailing newline trimmed). Setting both is an error.
func loadSecrets(env func(string) string) (Secrets, []Problem) {
	var s Secrets
	var ps []Problem
	for _, v := range s.vars() {
		val, file := env(v.name), env(v.name+"_FILE")
		switch {
		case val != "" && file != "":
			ps = append(ps, Problem{Env: v.name, Msg: fmt.Sprintf("both %s and %s_FILE are set; set only one", v.name, v.name)})
		case file != "":
			b, err := readSecretFile(file)
			if err != nil {
				ps = append(ps, Problem{Env: v.name, Msg: fmt.Sprintf("%s_FILE: %v", v.name, err)})
				continue
			}
			*v.dst = Secret(strings.TrimRight(string(b), "\r\n"))
		default:
			*v.dst = Secret(val)
		}
	}
	return s, ps
}

func readSecretFile(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer func() { _ = f.Close() }() // read only: nothing to lose
	b, err := io.ReadAll(io.LimitReader(f, maxSecretFile+1))
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	if len(b) > maxSecretFile {
		return nil, fmt.Errorf("%s is larger than %d bytes; is it the right file?", path, maxSecretFile)
	}
	return b, nil
}

// RequireSecrets reports, for each enabled platform and mode, every
// missing environment variable (and discord.application_id). It never
// shows a secret's value.
func (c Config) RequireSecrets() error {
	var errs []error
	need := func(platform, mode, name string, s Secret) {
		if !s.IsSet() {
			errs = append(errs, fmt.Errorf("%s is enabled in %s mode but %s is not set (set %s or %s_FILE)", platform, mode, name, name, name))
		}
	}
	if c.Slack.Enabled {
		need("slack", c.Slack.Mode, "SLACK_BOT_TOKEN", c.Secrets.SlackBotToken)
		switch c.Slack.Mode {
		case "http":
			need("slack", c.Slack.Mode, "SLACK_SIGNING_SECRET", c.Secrets.SlackSigningSecret)
		case "socket":
			need("slack", c.Slack.Mode, "SLACK_APP_TOKEN", c.Secrets.SlackAppToken)
		}
	}
	if c.Discord.Enabled {
		need("discord", c.Discord.Mode, "DISCORD_TOKEN", c.Secrets.DiscordToken)
		if c.Discord.Mode == "http" {
			need("discord", c.Discord.Mode, "DISCORD_PUBLIC_KEY", c.Secrets.DiscordPublicKey)
			if k := c.Secrets.DiscordPublicKey.Reveal(); k != "" && !isHexKey(k) {
				errs = append(errs, errors.New("DISCORD_PUBLIC_KEY is not 64 hex digits (the application's public key from the developer portal)"))
			}
		}
		if c.Discord.ApplicationID == "" {
			errs = append(errs, errors.New("discord is enabled but discord.application_id is empty (the application id from the developer portal)"))
		}
	}
	return errors.Join(errs...)
}

func isHexKey(s string) bool {
	if len(s) != 64 {
		return false
	}
	for _, r := range s {
		if !strings.ContainsRune("0123456789abcdefABCDEF", r) {
			return false
		}
	}
	return true
}
