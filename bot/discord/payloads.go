package discord

import "github.com/bwmarrin/discordgo"

// Request bodies the adapter sends itself, where discordgo's own structs
// serialise fields Discord does not document: MessageEdit carries its
// untagged ID and Channel, ApplicationCommandOption sends "choices": null,
// and InteractionResponseData always sends "tts", "content" and null
// "components"/"embeds". These carry exactly the documented fields we set.

// messageEdit is the body of PATCH /channels/{channel}/messages/{message}.
type messageEdit struct {
	Content         *string                           `json:"content,omitempty"`
	Components      *[]discordgo.MessageComponent     `json:"components,omitempty"`
	AllowedMentions *discordgo.MessageAllowedMentions `json:"allowed_mentions,omitempty"`
}

// command is one application command in a bulk overwrite.
type command struct {
	Type        discordgo.ApplicationCommandType `json:"type"`
	Name        string                           `json:"name"`
	Description string                           `json:"description"`
	Options     []commandOption                  `json:"options,omitempty"`
}

// commandOption is one option of a command.
type commandOption struct {
	Type        discordgo.ApplicationCommandOptionType `json:"type"`
	Name        string                                 `json:"name"`
	Description string                                 `json:"description"`
	Required    bool                                   `json:"required,omitempty"`
}

// commandBodies converts the command list to the bodies Discord gets.
func commandBodies(cmds []*discordgo.ApplicationCommand) []command {
	out := make([]command, 0, len(cmds))
	for _, c := range cmds {
		b := command{Type: c.Type, Name: c.Name, Description: c.Description}
		if b.Type == 0 {
			b.Type = discordgo.ChatApplicationCommand
		}
		for _, o := range c.Options {
			b.Options = append(b.Options, commandOption{Type: o.Type, Name: o.Name, Description: o.Description, Required: o.Required})
		}
		out = append(out, b)
	}
	return out
}

// interactionResponse is the body of an interaction response, written by
// the HTTP endpoint or POSTed to the callback URL.
type interactionResponse struct {
	Type discordgo.InteractionResponseType `json:"type"`
	Data *responseData                     `json:"data,omitempty"`
}

// responseData is an interaction response's data: a message, a modal
// (custom_id, title, components) or autocomplete choices.
type responseData struct {
	Content         string                                       `json:"content,omitempty"`
	Components      []discordgo.MessageComponent                 `json:"components,omitempty"`
	AllowedMentions *discordgo.MessageAllowedMentions            `json:"allowed_mentions,omitempty"`
	Flags           discordgo.MessageFlags                       `json:"flags,omitempty"`
	Choices         *[]*discordgo.ApplicationCommandOptionChoice `json:"choices,omitempty"`
	CustomID        string                                       `json:"custom_id,omitempty"`
	Title           string                                       `json:"title,omitempty"`
}

// responseBody converts a response built with discordgo's types to the
// body Discord gets. An autocomplete result always carries its choices
// array (possibly empty), as Discord requires.
func responseBody(r *discordgo.InteractionResponse) interactionResponse {
	out := interactionResponse{Type: r.Type}
	d := r.Data
	if d == nil {
		return out
	}
	out.Data = &responseData{Content: d.Content, Components: d.Components, AllowedMentions: d.AllowedMentions,
		Flags: d.Flags, CustomID: d.CustomID, Title: d.Title}
	if r.Type == discordgo.InteractionApplicationCommandAutocompleteResult {
		choices := d.Choices
		if choices == nil {
			choices = []*discordgo.ApplicationCommandOptionChoice{}
		}
		out.Data.Choices = &choices
	}
	return out
}
