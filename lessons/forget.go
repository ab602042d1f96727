package lessons

import (
	"context"
	"fmt"

	"github.com/coursebot/coursebot"
	"github.com/coursebot/coursebot/bot"
)

// ForgetCommand is the command a learner types to have their data deleted.
// Adapters register it next to Course.Commands() (cmd/coursebot does).
const ForgetCommand = "forget-me"

// ForgetDescription describes ForgetCommand for command lists.
const ForgetDescription = "Delete everything this bot keeps about you"

// verbForget is the action of the buttons under the /forget-me question:
// Value "yes" deletes, anything else keeps.
const verbForget = "forget"

// Forgetter is the store's side of /forget-me: it deletes everything kept
// about a learner (answers, ratings, progress, threads, cohort membership)
// and says how many records went. *store.DB implements it.
type Forgetter interface {
	ForgetLearner(ctx context.Context, learner string) (int, error)
}

// forgetAsk answers /forget-me with what will be deleted and two buttons.
func (e *request) forgetAsk() ([]bot.Reply, error) {
	if _, ok := e.store.(Forgetter); !ok {
		return nil, refuse(coursebot.EUNAVAILABLE, "This bot cannot delete your data by itself; ask the course's operator.")
	}
	return []bot.Reply{{
		Ephemeral: true,
		Title:     "Delete your data?",
		Blocks: []bot.Block{{Kind: bot.BlockMarkdown, Text: "This deletes everything this bot keeps about you: " +
			"your answers, ticks and ratings, your place in every lesson, your lesson threads' records and " +
			"your cohort memberships, on every account you linked with /link (they are one learner). It cannot be undone. " +
			"Messages already posted in chat stay where they are."}},
		Buttons: []bot.Button{
			{Label: "Delete my data", Action: bot.Action{Verb: verbForget, Value: "yes"}.Encode(), Style: bot.StyleDanger},
			{Label: "Keep it", Action: bot.Action{Verb: verbForget, Value: "no"}.Encode()},
		},
	}}, nil
}

// forgetAnswer acts on the learner's choice.
func (e *request) forgetAnswer(ctx context.Context, who coursebot.Learner, a bot.Action) ([]bot.Reply, error) {
	if a.Value != "yes" {
		return forgetNotice("Nothing was deleted."), nil
	}
	f, ok := e.store.(Forgetter)
	if !ok {
		return nil, refuse(coursebot.EUNAVAILABLE, "This bot cannot delete your data by itself; ask the course's operator.")
	}
	n, err := f.ForgetLearner(ctx, who.Key())
	if err != nil {
		return nil, fmt.Errorf("forget: %w", err)
	}
	e.log.Info("learner data deleted on request", "platform", who.Platform, "records", n)
	if n == 0 {
		return forgetNotice("There was nothing left to delete: the bot keeps nothing about you."), nil
	}
	return forgetNotice("Done: everything this bot kept about you is deleted. If you start a lesson again, it starts from the beginning."), nil
}

func forgetNotice(text string) []bot.Reply {
	return []bot.Reply{{Ephemeral: true, Title: "Your data", Blocks: []bot.Block{{Kind: bot.BlockMarkdown, Text: text}}}}
}
