package slack

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/slack-go/slack"

	"github.com/coursebot/coursebot"
	"github.com/coursebot/coursebot/bot"
	"github.com/coursebot/coursebot/bot/markup"
	"github.com/coursebot/coursebot/delivery"
)

// modalMeta travels in the answer modal's private_metadata.
type modalMeta struct {
	Lesson   string `json:"l"`
	Question string `json:"q"`
	Channel  string `json:"c,omitempty"`
	Thread   string `json:"t,omitempty"`
	Owner    string `json:"o,omitempty"` // bot.OwnerTag of the learner it was opened for
	Form     string `json:"f,omitempty"` // the bot.Form's name, for a form's modal
}

const (
	answerBlock  = "answer"
	answerAction = "text"
	formBlock    = "form" // a bot.Form's one field (its action is answerAction)
)

// answerForm is what the answer modal is opened for: the question (id and
// its prompt as shown on the card, Slack mrkdwn) and where it was asked.
type answerForm struct {
	lesson, question, prompt string
	channel, thread          string
}

// sectionText returns the mrkdwn text of section blockID in the message as
// shown (the question the Answer button sits beside), or "".
func sectionText(blocks slack.Blocks, blockID string) string {
	for _, b := range blocks.BlockSet {
		if s, ok := b.(*slack.SectionBlock); ok && s.BlockID == blockID && s.Text != nil {
			return s.Text.Text
		}
	}
	return ""
}

func (a *Adapter) openAnswerModal(ctx context.Context, trigger string, who coursebot.Learner, f answerForm) {
	lesson := f.lesson
	meta, _ := json.Marshal(modalMeta{Lesson: lesson, Question: f.question, Channel: f.channel, Thread: f.thread, Owner: bot.OwnerTag(who)})
	input := slack.NewPlainTextInputBlockElement(plain("Your answer"), answerAction)
	input.Multiline = true
	input.MaxLength = 3000
	view := slack.ModalViewRequest{
		Type:            slack.VTModal,
		Title:           plain("Answer"),
		Submit:          plain("Save answer"),
		Close:           plain("Cancel"),
		PrivateMetadata: string(meta),
		CallbackID:      "answer",
		Blocks: slack.Blocks{BlockSet: []slack.Block{
			slack.NewInputBlock(answerBlock, plain("Your answer (Lesson "+dotted(lesson)+")"), nil, input),
		}},
	}
	if f.prompt != "" {
		// The question being answered, as the card showed it.
		view.Blocks.BlockSet = append([]slack.Block{section(markup.Truncate(f.prompt, maxSectionText))}, view.Blocks.BlockSet...)
	}
	// The trigger expires 3 s after the click: one quick try, no retries.
	cctx, cancel := context.WithTimeout(ctx, 2500*time.Millisecond)
	defer cancel()
	if _, err := a.api.OpenViewContext(cctx, trigger, view); err != nil {
		a.logErr("views.open", err, "lesson", lesson)
	}
}

// openFormModal opens form f's modal: one line of text, its metadata
// meta (where the button was) with the form's name and the owner's tag.
func (a *Adapter) openFormModal(ctx context.Context, trigger string, who coursebot.Learner, f bot.Form, meta modalMeta) {
	meta.Form, meta.Owner = f.Name, bot.OwnerTag(who)
	raw, _ := json.Marshal(meta)
	input := slack.NewPlainTextInputBlockElement(plain(markup.Truncate(f.Placeholder, 150)), answerAction)
	if f.MaxLength > 0 {
		input.MaxLength = f.MaxLength
	}
	view := slack.ModalViewRequest{
		Type: slack.VTModal, Title: plain(markup.Truncate(f.Title, 24)), Submit: plain("OK"), Close: plain("Cancel"),
		PrivateMetadata: string(raw), CallbackID: "form",
		Blocks: slack.Blocks{BlockSet: []slack.Block{slack.NewInputBlock(formBlock, plain(markup.Truncate(f.Label, 2000)), nil, input)}},
	}
	// The trigger expires 3 s after the click: one quick try, no retries.
	cctx, cancel := context.WithTimeout(ctx, 2500*time.Millisecond)
	defer cancel()
	if _, err := a.api.OpenViewContext(cctx, trigger, view); err != nil {
		a.logErr("views.open", err, "form", f.Name)
	}
}

// viewText is the text typed in a submitted modal: its answer field, or
// a form's field.
func viewText(cb slack.InteractionCallback, meta modalMeta) (block, text string) {
	block = answerBlock
	if meta.Form != "" {
		block = formBlock
	}
	if cb.View.State != nil {
		text = strings.TrimSpace(cb.View.State.Values[block][answerAction].Value)
	}
	return block, text
}

func (a *Adapter) onViewSubmission(ctx context.Context, cb slack.InteractionCallback, who coursebot.Learner, raw []byte) (any, error) {
	var meta modalMeta
	if err := json.Unmarshal([]byte(cb.View.PrivateMetadata), &meta); err != nil || meta.Lesson == "" && meta.Form == "" {
		return nil, nil
	}
	block, text := viewText(cb, meta)
	if text == "" {
		msg := "Write an answer, or cancel and press Skip question."
		if meta.Form != "" {
			msg = "Type it here, or cancel."
		}
		return map[string]any{"response_action": "errors", "errors": map[string]string{block: msg}}, nil
	}
	if meta.Owner != "" && meta.Owner != bot.OwnerTag(who) {
		// Shown in the form itself; nothing is saved.
		return map[string]any{"response_action": "errors", "errors": map[string]string{block: bot.NotYoursText(meta.Lesson)}}, nil
	}
	it := delivery.Item{Kind: kindView, Learner: who.Key(), Payload: raw, Dedup: "slack-view\x00" + who.Key() + "/" + cb.View.ID + "/" + cb.View.Hash}
	if msg := a.accept(ctx, it); msg != "" {
		// The modal stays open with the reason, so the answer is not lost.
		return map[string]any{"response_action": "errors", "errors": map[string]string{block: msg}}, nil
	}
	return nil, nil // an empty 200 closes the modal
}

func (a *Adapter) processView(ctx context.Context, it delivery.Item) error {
	var cb slack.InteractionCallback
	if err := json.Unmarshal(it.Payload, &cb); err != nil {
		return delivery.Permanent(fmt.Errorf("decode view submission: %w", err))
	}
	var meta modalMeta
	if err := json.Unmarshal([]byte(cb.View.PrivateMetadata), &meta); err != nil {
		return delivery.Permanent(fmt.Errorf("decode modal metadata: %w", err))
	}
	_, text := viewText(cb, meta)
	who := learnerOf(cb.User.ID, cb.User.Name)
	o := origin{learner: who, channel: meta.Channel, threadTS: meta.Thread}
	if !a.mayPress(ctx, o, meta.Owner, meta.Lesson) {
		return nil
	}
	m := bot.Message{Learner: who, Kind: bot.KindText, Text: text, Lesson: meta.Lesson, Question: meta.Question}
	if meta.Form != "" {
		f, ok := a.opts.Forms[meta.Form]
		if !ok {
			return delivery.Permanent(fmt.Errorf("form %q is not known", meta.Form))
		}
		m = f.Submit(who, meta.Lesson, text)
	}
	_, err := a.handle(ctx, o, m)
	return err
}
