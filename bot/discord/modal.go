package discord

import (
	"context"
	"encoding/json"
	"strings"

	"github.com/bwmarrin/discordgo"

	"github.com/coursebot/coursebot"
	"github.com/coursebot/coursebot/bot"
	"github.com/coursebot/coursebot/bot/markup"
)

// refuse asks bot.MayPress whether learner may act through a control
// carrying owner in the channel (or thread) of i. It returns nil if so, and
// otherwise the ephemeral answer that says whose card it is.
func (a *Adapter) refuse(ctx context.Context, i *discordgo.Interaction, learner coursebot.Learner, owner, lesson string) *discordgo.InteractionResponse {
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
	input := textInput{CustomID: "answer", Style: discordgo.TextInputParagraph, Required: true, MaxLength: 4000}
	var comps []discordgo.MessageComponent
	if line := questionLine(shown); line != "" {
		comps = append(comps, discordgo.TextDisplay{Content: markup.Truncate(line, maxContent)})
		input.Placeholder = markup.Truncate(unescapeMD(strings.TrimSuffix(strings.TrimPrefix(line, questionMark), "**")), 100)
	}
	comps = append(comps, label{Label: "Your answer", Component: input})
	return modal(answerID(lesson, question, owner), "Answer · Lesson "+dotted(lesson), comps)
}

// replyModal is the form the Reply button opens: the learner's reply to
// the tutor (or to "what have you tried?"), where the platform does not
// bring thread messages (HTTP-interactions mode).
func replyModal(lesson, owner string) *discordgo.InteractionResponse {
	input := textInput{CustomID: "answer", Style: discordgo.TextInputParagraph, Required: true, MaxLength: 4000,
		Placeholder: "Write to the tutor"}
	return modal(replyID(lesson, owner), "Reply · Lesson "+dotted(lesson), []discordgo.MessageComponent{label{Label: "Your reply", Component: input}})
}

// formPrefix marks a bot.Form's modal: "dc.form|name|lesson|owner".
const formPrefix = "dc.form"

func formID(name, lesson, owner string) string {
	return formPrefix + "|" + name + "|" + lesson + "|" + owner
}

func parseFormID(s string) (name, lesson, owner string, ok bool) {
	rest, found := strings.CutPrefix(s, formPrefix+"|")
	if !found {
		return "", "", "", false
	}
	parts := strings.SplitN(rest, "|", 3)
	if len(parts) != 3 || parts[0] == "" {
		return "", "", "", false
	}
	return parts[0], parts[1], parts[2], true
}

// formModal is the modal a form's button opens: one Label around one
// short text input.
func formModal(f bot.Form, lesson, owner string) *discordgo.InteractionResponse {
	input := textInput{CustomID: "text", Style: discordgo.TextInputShort, Required: true, MaxLength: f.MaxLength, Placeholder: markup.Truncate(f.Placeholder, 100)}
	return modal(formID(f.Name, lesson, owner), f.Title, []discordgo.MessageComponent{label{Label: f.Label, Component: input}})
}

// submitForm answers a form's submission: the form's command with the
// text typed, run like a slash command (deferred, for the learner).
func (a *Adapter) submitForm(ctx context.Context, ev *event, name, lesson, owner, text string) (*discordgo.InteractionResponse, *event) {
	f, known := a.opts.Forms[name]
	if !known {
		return ephemeral("That form is not mine any more; nothing was done."), nil
	}
	if refusal := a.refuse(ctx, ev.i, ev.learner, owner, lesson); refusal != nil {
		return refusal, nil
	}
	if strings.TrimSpace(text) == "" {
		return ephemeral("The form was empty; nothing was done."), nil
	}
	ev.command = true
	ev.msg = f.Submit(ev.learner, lesson, text)
	return &discordgo.InteractionResponse{Type: discordgo.InteractionResponseDeferredChannelMessageWithSource,
		Data: &discordgo.InteractionResponseData{Flags: discordgo.MessageFlagsEphemeral}}, ev
}

func modal(customID, title string, comps []discordgo.MessageComponent) *discordgo.InteractionResponse {
	return &discordgo.InteractionResponse{
		Type: discordgo.InteractionResponseModal,
		Data: &discordgo.InteractionResponseData{CustomID: customID, Title: markup.Truncate(title, 45), Components: comps},
	}
}

// componentLabel is Discord's Label component, which holds one input of
// a modal with its label and replaces the action row around a text input
// (deprecated there). discordgo v0.29 does not know it: label writes it,
// and labelsToRows reads a submission that holds it.
const componentLabel discordgo.ComponentType = 18

// label is a Label component (at most 45 characters of label).
type label struct {
	Label     string
	Component textInput
}

// Type is the component's type (discordgo.MessageComponent).
func (label) Type() discordgo.ComponentType { return componentLabel }

// MarshalJSON writes the component as Discord takes it.
func (l label) MarshalJSON() ([]byte, error) {
	return json.Marshal(struct {
		Type      discordgo.ComponentType `json:"type"`
		Label     string                  `json:"label"`
		Component textInput               `json:"component"`
	}{componentLabel, markup.Truncate(l.Label, 45), l.Component})
}

// textInput is a text input inside a Label: it has no label of its own.
type textInput struct {
	CustomID    string
	Style       discordgo.TextInputStyle
	Placeholder string
	Required    bool
	MaxLength   int
}

// Type is the component's type (discordgo.MessageComponent).
func (textInput) Type() discordgo.ComponentType { return discordgo.TextInputComponent }

// MarshalJSON writes the input as Discord takes it inside a Label.
func (t textInput) MarshalJSON() ([]byte, error) {
	return json.Marshal(struct {
		Type        discordgo.ComponentType  `json:"type"`
		CustomID    string                   `json:"custom_id"`
		Style       discordgo.TextInputStyle `json:"style"`
		Placeholder string                   `json:"placeholder,omitempty"`
		Required    bool                     `json:"required"`
		MaxLength   int                      `json:"max_length,omitempty"`
	}{discordgo.TextInputComponent, t.CustomID, t.Style, t.Placeholder, t.Required, t.MaxLength})
}

// labelsToRows rewrites the Label components of a modal submission
// ({"type":18,"component":{...}}) into the action rows discordgo v0.29
// decodes ({"type":1,"components":[{...}]}); the input inside is kept as
// Discord sent it. Any other payload is returned unchanged.
func labelsToRows(raw []byte) []byte {
	var top map[string]json.RawMessage
	var typ discordgo.InteractionType
	if json.Unmarshal(raw, &top) != nil || json.Unmarshal(top["type"], &typ) != nil || typ != discordgo.InteractionModalSubmit {
		return raw
	}
	var data map[string]json.RawMessage
	var comps []map[string]json.RawMessage
	if json.Unmarshal(top["data"], &data) != nil || json.Unmarshal(data["components"], &comps) != nil {
		return raw
	}
	changed := false
	for i, c := range comps {
		var t discordgo.ComponentType
		if json.Unmarshal(c["type"], &t) != nil || t != componentLabel || len(c["component"]) == 0 {
			continue
		}
		comps[i] = map[string]json.RawMessage{"type": json.RawMessage("1"), "components": json.RawMessage("[" + string(c["component"]) + "]")}
		changed = true
	}
	if !changed {
		return raw
	}
	var err error
	if data["components"], err = json.Marshal(comps); err != nil {
		return raw
	}
	if top["data"], err = json.Marshal(data); err != nil {
		return raw
	}
	out, err := json.Marshal(top)
	if err != nil {
		return raw
	}
	return out
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
