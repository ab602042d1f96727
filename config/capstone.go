package config

import (
	"time"

	"github.com/coursebot/coursebot/capstone"
)

// CapstoneConfig is the capstone check (docs/learner-experience.md "The
// capstone check"). It works when the course's manifest has repository
// rules; the token, GITHUB_TOKEN (or _FILE), is optional.
type CapstoneConfig struct {
	Enabled bool `yaml:"enabled"`
	// GitHubURL is the REST API's base: "" for github.com, else GitHub
	// Enterprise Server's https://HOST/api/v3/.
	GitHubURL string `yaml:"github_url"`
	// Timeout bounds one check's calls to GitHub.
	Timeout time.Duration `yaml:"timeout"`
	// RecheckAfter: a check of the same repository sooner than this after
	// the last is answered from it, without calling GitHub.
	RecheckAfter time.Duration `yaml:"recheck_after"`
}

func defaultCapstoneConfig() CapstoneConfig {
	return CapstoneConfig{Enabled: true, Timeout: capstone.DefaultTimeout, RecheckAfter: capstone.DefaultAgain}
}

// validateCapstone checks the API URL by building the client.
func validateCapstone(c *CapstoneConfig, lines map[string]int) []Problem {
	if c.GitHubURL == "" {
		return nil
	}
	if _, err := capstone.NewGitHub(capstone.GitHubOptions{APIURL: c.GitHubURL}); err != nil {
		key := "capstone.github_url"
		return []Problem{{Line: lines[key], Key: key, Msg: key + ": " + c.GitHubURL + " is not an API base URL: give https://HOST/api/v3/ for GitHub Enterprise Server, or leave it out for github.com"}}
	}
	return nil
}
