// The capstone check's wiring: its config section, the GitHub client and
// the handler in front of the cohort layer (package capstone).

package main

import (
	"log/slog"
	"net/http"
	"time"

	"github.com/coursebot/coursebot/bot"
	"github.com/coursebot/coursebot/capstone"
	"github.com/coursebot/coursebot/config"
	"github.com/coursebot/coursebot/course"
)

// capstoneForms are the forms the adapters open for the check's button.
func capstoneForms() bot.Forms { return bot.NewForms(capstone.Form()) }

// newCapstone is the capstone check; with the check off, /capstone says
// so and the cards get no button. cards shows a learner's card again
// after a check changed its ticks.
func newCapstone(cfg config.Config, loaded func() *course.Course, db capstone.Store, client *http.Client, now func() time.Time, log *slog.Logger, observe func(string), cards bot.Handler) (*capstone.Handler, error) {
	o := capstone.Options{Store: db, Course: loaded, Timeout: cfg.Capstone.Timeout, Again: cfg.Capstone.RecheckAfter, Now: now, Log: log, Observe: observe, Cards: cards}
	if cfg.Capstone.Enabled {
		gh, err := capstone.NewGitHub(capstone.GitHubOptions{APIURL: cfg.Capstone.GitHubURL, Token: cfg.Secrets.GitHubToken.Reveal(), HTTPClient: client, Now: now})
		if err != nil {
			return nil, err
		}
		o.GitHub = gh
	}
	return capstone.New(nil, o)
}
