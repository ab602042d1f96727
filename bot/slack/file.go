package slack

import (
	"bytes"
	"context"
	"errors"
	"fmt"

	"github.com/slack-go/slack"

	"github.com/coursebot/coursebot/bot"
	"github.com/coursebot/coursebot/bot/markup"
	"github.com/coursebot/coursebot/delivery"
)

// Files. A Reply's File is uploaded with Slack's external-upload flow
// (files.upload was retired): files.getUploadURLExternal, a multipart POST
// of the bytes to the upload_url it returns, then
// files.completeUploadExternal with channel_id (and thread_ts) to share it.
// An image's alt text (bot.File.Alt) goes with the first call (alt_txt,
// at most 1000 characters). These are the three calls slack-go's
// UploadFileContext makes; they are
// made one by one here so each gets the adapter's retries on its own (the
// first two are safe to repeat; a repeated completion of a file id that
// was already shared is refused rather than shared twice: unverified
// against Slack itself).
//
// Where: a lesson reply's file goes into the lesson thread, a channel
// post's into the channel. A file on an in-place reply (ephemeral: a slash
// command's answer, a refusal) goes to the learner's DM with the bot, since
// ephemeral messages and response_url answers cannot carry files; the
// in-place message says so (fileNote).

// upload shares f in channel (in the thread threadTS when set).
func (a *Adapter) upload(ctx context.Context, channel, threadTS string, f *bot.File) error {
	if err := checkFile(f); err != nil {
		return delivery.Permanent(err) // no retry makes a bad file good
	}
	var u *slack.GetUploadURLExternalResponse
	err := a.call(ctx, "files.getUploadURLExternal", func(ctx context.Context, _ bool) error {
		var err error
		u, err = a.api.GetUploadURLExternalContext(ctx, slack.GetUploadURLExternalParameters{FileName: f.Name, FileSize: len(f.Data), AltTxt: markup.Truncate(f.Alt, bot.MaxAlt)})
		return err
	})
	if err != nil {
		return fmt.Errorf("upload %s: %w", f.Name, err)
	}
	err = a.call(ctx, "upload_url", func(ctx context.Context, _ bool) error {
		return a.api.UploadToURL(ctx, slack.UploadToURLParameters{UploadURL: u.UploadURL, Reader: bytes.NewReader(f.Data), Filename: f.Name})
	})
	if err != nil {
		return fmt.Errorf("upload %s: %w", f.Name, err)
	}
	title := f.Title
	if title == "" {
		title = f.Name
	}
	err = a.call(ctx, "files.completeUploadExternal", func(ctx context.Context, _ bool) error {
		_, err := a.api.CompleteUploadExternalContext(ctx, slack.CompleteUploadExternalParameters{
			Files: []slack.FileSummary{{ID: u.FileID, Title: title}}, Channel: channel, ThreadTimestamp: threadTS})
		return err
	})
	if err != nil {
		return fmt.Errorf("upload %s: %w", f.Name, err)
	}
	return nil
}

// uploadToDM shares f in the learner's DM with the bot.
func (a *Adapter) uploadToDM(ctx context.Context, user string, f *bot.File) error {
	dm, err := a.openDM(ctx, user)
	if err != nil {
		return fmt.Errorf("upload %s: %w", f.Name, err)
	}
	return a.upload(ctx, dm, "", f)
}

// sendFiles uploads the files of in-place replies to the learner's DM
// (an ephemeral answer cannot carry them) and returns the replies to show
// instead: a sent file's reply says where it went (fileNote); one that
// could not be sent is replaced by the sentence saying so, and the error
// is returned for the log. Either way the learner reads one true thing.
func (a *Adapter) sendFiles(ctx context.Context, o origin, rs []bot.Reply) ([]bot.Reply, error) {
	out := make([]bot.Reply, 0, len(rs))
	var errs []error
	for _, r := range rs {
		if r.File == nil {
			out = append(out, r)
			continue
		}
		if err := a.uploadToDM(ctx, o.learner.UserID, r.File); err != nil {
			errs = append(errs, err)
			out = append(out, sorry(fileFailed(r.File.Name)))
			continue
		}
		r = fileNote(r)
		r.File = nil
		out = append(out, r)
	}
	return out, errors.Join(errs...)
}

// fileFailed is what the learner reads when their file could not be sent.
func fileFailed(name string) string {
	return fmt.Sprintf("Sorry, I could not send you `%s` just now: Slack did not take the file. Nothing else was changed; please try again in a minute.", name)
}

func checkFile(f *bot.File) error {
	switch {
	case f.Name == "":
		return errors.New("upload: file has no name")
	case len(f.Data) == 0:
		return fmt.Errorf("upload %s: file is empty", f.Name)
	case len(f.Data) > bot.MaxFileSize:
		return fmt.Errorf("upload %s: %d bytes, over the %d-byte limit", f.Name, len(f.Data), bot.MaxFileSize)
	}
	return nil
}

// fileNote adds to an in-place reply with a file a line saying where the
// file went.
func fileNote(r bot.Reply) bot.Reply {
	if r.File == nil {
		return r
	}
	blocks := append([]bot.Block(nil), r.Blocks...)
	r.Blocks = append(blocks, bot.Block{Kind: bot.BlockMarkdown,
		Text: fmt.Sprintf("📎 `%s` is in our direct messages (files cannot go in a message only you see).", r.File.Name)})
	return r
}
