package discord

import (
	"context"
	"strings"

	"github.com/bwmarrin/discordgo"

	"github.com/coursebot/coursebot/bot"
	"github.com/coursebot/coursebot/bot/markup"
)

// refuse asks bot.MayPress whether learner may act through a control
// carrying owner in the channel (or thread) of i. It returns nil if so, and
// otherwise the ephemeral answer that says whose card it is.
func (a *Adapter) refuse(ctx context.Context, i *discordgo.Interaction, learner bot.Learner, owner, lesson string) *discordgo.InteractionResponse {
	// Discord threads are channels: their records use the thread id twice.
	ok, err := bot.MayPress(ctx, a.opts.Store, learner, owner, bot.Place{Platform: Platform, Channel: i.ChannelID, Thread: i.ChannelID})
	if err != nil {
		a.log.Error("check card owner", "learner", learner.Key(), "err", err)
		return ephemeral(msgInternal)
	}
	if ok {
		return nil
	}
	a.log.Info("refused a press on someone else's card", "learner", learner.Key(), "lesson", lesson)
	return ephemeral(bot.NotYoursText(lesson))
}

// answerModal is the form the Answer button opens. shown is the message
// the button is on: the question's line in it ("**❓ prompt**", as
// questionPieces renders it) is shown at the top of the form, and its text
// as the input's placeholder.
func answerModal(lesson, question, owner, shown string) *discordgo.InteractionResponse {
	input := discordgo.TextInput{CustomID: "answer", Label: "Your answer", Style: discordgo.TextInputParagraph, Required: true, MaxLength: 4000}
	var comps []discordgo.MessageComponent
	if line := questionLine(shown); line != "" {
		comps = append(comps, discordgo.TextDisplay{Content: markup.Truncate(line, maxContent)})
		input.Placeholder = markup.Truncate(unescapeMD(strings.TrimSuffix(strings.TrimPrefix(line, questionMark), "**")), 100)
	}
	comps = append(comps, discordgo.ActionsRow{Components: []discordgo.MessageComponent{input}})
	return &discordgo.InteractionResponse{
		Type: discordgo.InteractionResponseModal,
		Data: &discordgo.InteractionResponseData{
			CustomID:   answerID(lesson, question, owner),
			Title:      markup.Truncate("Answer · Lesson "+dotted(lesson), 45),
			Components: comps,
		},
	}
}

// questionMark starts the question's line on a card (see questionPieces).
const questionMark = "**❓ "

// questionLine finds the question's line in a card's content.
func questionLine(content string) string {
	for _, l := range strings.Split(content, "\n") {
		if strings.HasPrefix(l, questionMark) && strings.HasSuffix(l, "**") {
			return l
		}
	}
	return ""
}

// unescapeMD undoes escapeMD: a backslash before punctuation.
func unescapeMD(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+1 < len(s) && strings.IndexByte("\\*_~`|>#-[]()<:.!", s[i+1]) >= 0 {
			continue
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

func modalText(comps []discordgo.MessageComponent) string {
	for _, c := range comps {
		switch v := c.(type) {
		case *discordgo.ActionsRow:
			if s := modalText(v.Components); s != "" {
				return s
			}
		case discordgo.ActionsRow:
			if s := modalText(v.Components); s != "" {
				return s
			}
		case *discordgo.TextInput:
			return v.Value
		case discordgo.TextInput:
			return v.Value
		}
	}
	return ""
}
