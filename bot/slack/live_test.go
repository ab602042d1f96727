package slack

import (
	"context"
	"strings"

	"github.com/coursebot/coursebot/bot"
	"github.com/coursebot/coursebot/bot/bottest"
)

// liveHandler answers text with a live reply whose Run writes words 300 ms
// apart (on the fake clock) and notes when each edit reached Slack.
type liveHandler struct {
	bottest.Writer
	inner bot.Handler
}

func (l *liveHandler) Handle(ctx context.Context, m bot.Message) ([]bot.Reply, error) {
	if m.Kind != bot.KindText {
		return l.inner.Handle(ctx, m)
	}
	ph := bot.Reply{Lesson: "9-9", Card: "c1",
		Blocks:  []bot.Block{{Kind: bot.BlockMarkdown, Text: "Saved your answer."}, {Kind: bot.BlockMarkdown, Text: bot.Placeholder}},
		Buttons: []bot.Button{{Label: "Next", Action: bot.Action{Verb: bot.VerbNext, Lesson: "9-9", At: "c1"}.Encode()}}}
	ph.Live = &bot.Live{Block: 1, Run: func(ctx context.Context, update func(string)) bot.Reply {
		return ph.WithText(1, l.Write(update))
	}}
	return []bot.Reply{ph}, nil
}

func sectionTexts(m fakeMsg) string {
	var sb strings.Builder
	for _, b := range m.Blocks {
		if txt, _ := b["text"].(map[string]any); txt != nil {
			s, _ := txt["text"].(string)
			sb.WriteString(s)
		}
	}
	return sb.String()
}
