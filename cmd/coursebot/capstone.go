// The capstone check's wiring: its config section, the GitHub client and
// the handler in front of the cohort layer (package capstone).

package main

import (
	"log/slog"
	"net/http"
	"time"

	"github.com/coursebot/coursebot/bot"
	"github.com/coursebot/coursebot/capstone"
	"github.com/coursebot/coursebot/course"
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

// capstoneForms are the forms the adapters open for the check's button.
func capstoneForms() bot.Forms { return bot.NewForms(capstone.Form()) }

// newCapstone is the capstone check; with the check off, /capstone says
// so and the cards get no button.
func newCapstone(cfg Config, loaded func() *course.Course, db capstone.Store, client *http.Client, now func() time.Time, log *slog.Logger, observe func(string)) (*capstone.Handler, error) {
	o := capstone.Options{Store: db, Course: loaded, Timeout: cfg.Capstone.Timeout, Again: cfg.Capstone.RecheckAfter, Now: now, Log: log, Observe: observe}
	if cfg.Capstone.Enabled {
		gh, err := capstone.NewGitHub(capstone.GitHubOptions{APIURL: cfg.Capstone.GitHubURL, Token: cfg.Secrets.GitHubToken.Reveal(), HTTPClient: client, Now: now})
		if err != nil {
			return nil, err
		}
		o.GitHub = gh
	}
	return capstone.New(nil, o)
}
