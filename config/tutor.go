package config

import (
	"fmt"
	"maps"
	"net/url"
	"slices"
	"strings"
	"time"
)

// TutorConfig is the optional AI tutor (docs/tutor.md): off by default, so
// the course works exactly as without it. The key, when the server needs
// one, is the secret COURSEBOT_TUTOR_API_KEY.
type TutorConfig struct {
	Enabled bool `yaml:"enabled"`
	// BaseURL is any OpenAI-compatible Chat Completions endpoint.
	BaseURL string `yaml:"base_url"`
	Model   string `yaml:"model"`
	// Timeout bounds one reply; after it the learner gets the course's
	// fixed follow-up.
	Timeout time.Duration `yaml:"timeout"`
	// MaxTurns is how many tutor replies one question gets.
	MaxTurns int `yaml:"max_turns" range:"1,20"`
	// DailyBudget is how many tutor replies a learner gets per day (UTC).
	DailyBudget int `yaml:"daily_budget" range:"1,100000"`
	// MaxTokens bounds a reply's length as the model counts it.
	MaxTokens int `yaml:"max_tokens" range:"16,32000"`
	// TokenParam is the request field that carries MaxTokens.
	TokenParam string `yaml:"token_param" oneof:"auto,max_completion_tokens,max_tokens"`
	// Headers are sent with every request to base_url (an OpenAI
	// project); nothing is taken from OPENAI_* variables.
	Headers map[string]string `yaml:"headers"`
	// Judge is the model `coursebot tutor eval` asks to score replies.
	Judge JudgeConfig `yaml:"judge"`
}

// JudgeConfig is the optional judge model of `coursebot tutor eval`: any
// OpenAI-compatible endpoint, its key the secret COURSEBOT_JUDGE_API_KEY.
type JudgeConfig struct {
	// BaseURL is "" for no judge.
	BaseURL string        `yaml:"base_url"`
	Model   string        `yaml:"model"`
	Timeout time.Duration `yaml:"timeout"`
}

func defaultTutorConfig() TutorConfig {
	return TutorConfig{
		BaseURL:     "http://127.0.0.1:11434/v1",
		Model:       "llama3.2",
		Timeout:     20 * time.Second,
		MaxTurns:    3,
		DailyBudget: 40,
		MaxTokens:   400,
		TokenParam:  "auto",
		Headers:     map[string]string{},
		Judge:       JudgeConfig{Timeout: 60 * time.Second},
	}
}

func validateTutor(t *TutorConfig, lines map[string]int) []Problem {
	var ps []Problem
	bad := func(key, format string, args ...any) {
		ps = append(ps, Problem{Line: lines[key], Key: key, Msg: key + ": " + fmt.Sprintf(format, args...)})
	}
	p, err := url.Parse(t.BaseURL)
	if err != nil || (p.Scheme != "https" && p.Scheme != "http") || p.Host == "" {
		bad("tutor.base_url", "%q is not an absolute http(s) URL (for example http://127.0.0.1:11434/v1 for Ollama)", t.BaseURL)
	}
	if strings.TrimSpace(t.Model) == "" {
		bad("tutor.model", "must name the model (for example llama3.2)")
	}
	if t.Judge.BaseURL != "" {
		p, err := url.Parse(t.Judge.BaseURL)
		if err != nil || (p.Scheme != "https" && p.Scheme != "http") || p.Host == "" {
			bad("tutor.judge.base_url", "%q is not an absolute http(s) URL (or \"\" for no judge)", t.Judge.BaseURL)
		}
		if strings.TrimSpace(t.Judge.Model) == "" {
			bad("tutor.judge.model", "must name the judge's model when tutor.judge.base_url is set")
		}
	}
	for _, k := range slices.Sorted(maps.Keys(t.Headers)) {
		v := t.Headers[k]
		key := "tutor.headers." + k
		switch {
		case !validHeaderName(k):
			bad(key, "%q is not a header name", k)
		case strings.ContainsAny(v, "\r\n"):
			bad(key, "a header value is one line")
		case strings.EqualFold(k, "Authorization"):
			bad(key, "the key goes in COURSEBOT_TUTOR_API_KEY (or _FILE), not in the config file")
		}
	}
	return ps
}

// validHeaderName reports whether k is an HTTP header name (RFC 9110
// token characters).
func validHeaderName(k string) bool {
	if k == "" {
		return false
	}
	for _, c := range k {
		if c > 0x7e || c <= ' ' || strings.ContainsRune("\"(),/:;<=>?@[\\]{}", c) {
			return false
		}
	}
	return true
}
