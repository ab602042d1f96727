package slack

import (
	"context"
	"net/url"
	"testing"

	"github.com/coursebot/coursebot/bot"
	"github.com/coursebot/coursebot/internal/testwait"
	"github.com/coursebot/coursebot/store"
)

type storeDB = *store.DB

// stubHandler is a tiny bot.Handler for tests that need control over the
// replies (fault tests) or a lesson the course does not have.
type stubHandler struct {
	got  chan bot.Message
	hold <-chan struct{} // when set, Handle answers only once it is closed
	err  error
	// actionErr fails only button presses.
	actionErr error
}

func fakeHandler(got chan bot.Message) *stubHandler { return &stubHandler{got: got} }

func (s *stubHandler) Handle(ctx context.Context, m bot.Message) ([]bot.Reply, error) {
	select {
	case s.got <- m:
	default:
	}
	if s.hold != nil {
		<-s.hold
	}
	if s.err != nil {
		return nil, s.err
	}
	if s.actionErr != nil && m.Kind == bot.KindAction {
		return nil, s.actionErr
	}
	if m.Kind == bot.KindCommand && m.Command == "status" {
		return []bot.Reply{{Ephemeral: true, Title: "Your progress", Blocks: []bot.Block{{Kind: bot.BlockMarkdown, Text: "Nothing yet."}}}}, nil
	}
	lesson := "9-9"
	if m.Kind == bot.KindText {
		return []bot.Reply{{Lesson: lesson, Card: "c1", Blocks: []bot.Block{{Kind: bot.BlockMarkdown, Text: "Saved your answer."}},
			Buttons: []bot.Button{{Label: "Next", Action: bot.Action{Verb: bot.VerbNext, Lesson: lesson, At: "c1"}.Encode()}}}}, nil
	}
	return []bot.Reply{{
		Lesson: lesson, Card: "c1", Title: "Card one", Context: "Lesson 9.9 · card 1 of 2",
		Blocks: []bot.Block{
			{Kind: bot.BlockMarkdown, Text: "Some **text**."},
			{Kind: bot.BlockQuestion, Text: "Why?", Question: &bot.Question{ID: "q1", Prompt: "Why?"}},
		},
		Buttons: []bot.Button{{Label: "Skip question", Action: bot.Action{Verb: bot.VerbSkip, Lesson: lesson, At: "c1"}.Encode()}},
	}}, nil
}

func drain(ch chan bot.Message) []bot.Message {
	var out []bot.Message
	for {
		select {
		case m := <-ch:
			out = append(out, m)
		default:
			return out
		}
	}
}

func urlQuery(s string) string { return url.QueryEscape(s) }

// waitFor polls cond until it holds (a liveness check, not a speed check).
func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	testwait.Until(t, "the condition", cond)
}
