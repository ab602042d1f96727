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
	}
	return []*discordgo.File{{Name: f.Name, ContentType: ct, Reader: bytes.NewReader(f.Data)}}
}

// sendFile posts f to a channel as a message with one attachment.
func (r *rest) sendFile(ctx context.Context, channelID string, f *bot.File, nonceKey string) error {
	if err := checkFile(f); err != nil {
		return fmt.Errorf("discord send file: %w", err)
	}
	data := messageCreate{Content: fileCaption(f), Components: []discordgo.MessageComponent{}, Nonce: nonceKey, EnforceNonce: nonceKey != "", AllowedMentions: noMentions()}
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
		return fmt.Errorf("discord follow-up file: %w", err)
	}
	return r.call(ctx, "follow-up file", false, func(opt discordgo.RequestOption) error {
		p := &discordgo.WebhookParams{Content: fileCaption(f), Files: dgFiles(f), Components: []discordgo.MessageComponent{}, AllowedMentions: noMentions()}
		if ephemeral {
			p.Flags = discordgo.MessageFlagsEphemeral
		}
		_, err := r.s.FollowupMessageCreate(i, true, p, opt)
		return err
	})
}
