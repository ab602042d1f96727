package discord

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"path"
	"strings"

	"github.com/bwmarrin/discordgo"

	"github.com/coursebot/coursebot/bot"
	"github.com/coursebot/coursebot/bot/markup"
	"github.com/coursebot/coursebot/delivery"
)

// Files. A Reply's File goes out as its own message right after the
// reply's text: a multipart/form-data request whose payload_json part is
// the message and whose files[0] part holds the bytes (discordgo's
// MultipartBodyWithJSON, the encoding ChannelMessageSendComplex and
// webhook executes use). In answer to an interaction it is a follow-up
// (ephemeral when the reply is); elsewhere a channel message with a nonce,
// so a retried upload is not doubled.

// maxUpload is Discord's smallest upload limit for a bot (10 MiB);
// bot.MaxFileSize stays under it.
const maxUpload = 10 << 20

func checkFile(f *bot.File) error {
	switch {
	case f.Name == "":
		return errors.New("file has no name")
	case len(f.Data) == 0:
		return fmt.Errorf("file %s is empty", f.Name)
	case len(f.Data) > bot.MaxFileSize || len(f.Data) > maxUpload:
		return fmt.Errorf("file %s: %d bytes, over the %d-byte limit", f.Name, len(f.Data), bot.MaxFileSize)
	}
	return nil
}

func fileCaption(f *bot.File) string {
	t := f.Title
	if t == "" {
		t = f.Name
	}
	return "📎 " + markup.EscapeDiscord(markup.Truncate(oneLine(t), maxTitle))
}

// dgFiles is f as discordgo's one-file list, typed by its extension.
func dgFiles(f *bot.File) []*discordgo.File {
	ct := "application/octet-stream"
	switch strings.ToLower(path.Ext(f.Name)) {
	case ".csv":
		ct = "text/csv; charset=utf-8"
	case ".txt", ".md":
		ct = "text/plain; charset=utf-8"
	case ".png":
		ct = "image/png"
	}
	return []*discordgo.File{{Name: f.Name, ContentType: ct, Reader: bytes.NewReader(f.Data)}}
}

// attachment describes an upload in a message's payload_json: id is the
// index n of its files[n] part, description its alt text (Discord takes
// up to 1024 characters; bot.MaxAlt is under it).
type attachment struct {
	ID          int    `json:"id"`
	Filename    string `json:"filename"`
	Description string `json:"description,omitempty"`
}

// attachments is f's one attachment with its alt text, or none when f
// has no alt text.
func attachments(f *bot.File) []attachment {
	if f.Alt == "" {
		return nil
	}
	return []attachment{{ID: 0, Filename: f.Name, Description: markup.Truncate(f.Alt, bot.MaxAlt)}}
}

// followup is a follow-up message with a file (discordgo's WebhookParams
// has no attachment descriptions).
type followup struct {
	Content         string                            `json:"content"`
	Components      []discordgo.MessageComponent      `json:"components"`
	Flags           discordgo.MessageFlags            `json:"flags,omitempty"`
	AllowedMentions *discordgo.MessageAllowedMentions `json:"allowed_mentions,omitempty"`
	Attachments     []attachment                      `json:"attachments,omitempty"`
}

// sendFile posts f to a channel as a message with one attachment.
func (r *rest) sendFile(ctx context.Context, channelID string, f *bot.File, nonceKey string) error {
	if err := checkFile(f); err != nil {
		return delivery.Permanent(fmt.Errorf("discord send file: %w", err)) // no retry makes a bad file good
	}
	data := messageCreate{Content: fileCaption(f), Components: []discordgo.MessageComponent{}, Nonce: nonceKey, EnforceNonce: nonceKey != "", AllowedMentions: noMentions(),
		Attachments: attachments(f)}
	contentType, body, err := discordgo.MultipartBodyWithJSON(data, dgFiles(f))
	if err != nil {
		return fmt.Errorf("discord send file %s: encode: %w", f.Name, err)
	}
	ep := discordgo.EndpointChannelMessages(channelID)
	return r.call(ctx, "send file", nonceKey != "", func(opt discordgo.RequestOption) error {
		resp, err := r.s.RequestRaw("POST", ep, contentType, body, ep, 0, opt)
		if err != nil {
			return err
		}
		var msg discordgo.Message
		return json.Unmarshal(resp, &msg)
	})
}

// followupFile posts f as a follow-up to an interaction. Like other
// follow-ups it is not retried after a 5xx (no nonce on webhooks).
func (r *rest) followupFile(ctx context.Context, i *discordgo.Interaction, f *bot.File, ephemeral bool) error {
	if err := checkFile(f); err != nil {
		return delivery.Permanent(fmt.Errorf("discord follow-up file: %w", err))
	}
	p := followup{Content: fileCaption(f), Components: []discordgo.MessageComponent{}, AllowedMentions: noMentions(), Attachments: attachments(f)}
	if ephemeral {
		p.Flags = discordgo.MessageFlagsEphemeral
	}
	contentType, body, err := discordgo.MultipartBodyWithJSON(p, dgFiles(f))
	if err != nil {
		return fmt.Errorf("discord follow-up file %s: encode: %w", f.Name, err)
	}
	// POST /webhooks/{application}/{token}?wait=true, as discordgo's
	// FollowupMessageCreate sends it, with the webhook as its bucket.
	ep := discordgo.EndpointWebhookToken(i.AppID, i.Token)
	return r.call(ctx, "follow-up file", false, func(opt discordgo.RequestOption) error {
		resp, err := r.s.RequestRaw("POST", ep+"?wait=true", contentType, body, ep+"?wait=true", 0, opt)
		if err != nil {
			return err
		}
		var msg discordgo.Message
		return json.Unmarshal(resp, &msg)
	})
}
