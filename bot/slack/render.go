package slack

import (
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/slack-go/slack"

	"github.com/coursebot/coursebot/bot"
	"github.com/coursebot/coursebot/bot/markup"
)

// Block Kit limits (https://docs.slack.dev/reference/block-kit).
const (
	maxBlocks       = 50   // blocks per message
	maxSectionText  = 3000 // section text
	maxHeaderText   = 150  // header plain_text
	maxButtonText   = 75   // button and option text
	maxIDLen        = 255  // action_id, block_id
	maxOptions      = 10   // options per checkboxes element
	maxElements     = 25   // elements per actions block
	maxContextText  = 2000 // our own cap for a context line
	maxFallbackText = 3000 // message "text" (notifications), well under 4000
)

// Action ids of the controls the adapter renders. The value of every control
// except the answer button is the engine's Action string, passed back verbatim.
const (
	actNav    = "nav"    // nav-<i>: Next, Back, Skip question, Resume...
	actCheck  = "check"  // check-<block>-<n>: a checkboxes element
	actRate   = "rate"   // rate-<block>-<item>-<value>
	actAnswer = "answer" // answer-<block>: opens the answer modal
)

// message is one chat.postMessage worth of blocks.
type message struct {
	Text   string        `json:"text"`
	Blocks []slack.Block `json:"blocks"`
}

// rendered is a Reply as Slack messages: the content (each within 50
// blocks) and the navigation controls, posted as their own small message so
// that a later card can disable them without re-sending the content.
type rendered struct {
	Content  []message
	Controls []slack.Block // nil when the reply has no buttons
}

// all returns content and controls as messages (ephemeral replies and
// response_url answers are sent as one message where they fit).
func (r rendered) all() []message {
	msgs := append([]message(nil), r.Content...)
	if len(r.Controls) == 0 {
		return msgs
	}
	if n := len(msgs); n > 0 && len(msgs[n-1].Blocks)+len(r.Controls) <= maxBlocks {
		msgs[n-1].Blocks = append(msgs[n-1].Blocks, r.Controls...)
		return msgs
	}
	return append(msgs, message{Text: "Lesson controls", Blocks: r.Controls})
}

// render turns a reply into Block Kit within every limit above. Block ids
// are derived from the position of the block in the reply, so a re-render of
// the same card (a tick, a rating) gives the same ids and the adapter can find
// the message to update.
func render(r bot.Reply) rendered {
	var blocks []slack.Block
	if t := strings.TrimSpace(r.Title); t != "" {
		blocks = append(blocks, slack.NewHeaderBlock(plain(markup.Truncate(t, maxHeaderText))))
	}
	if c := strings.TrimSpace(r.Context); c != "" {
		blocks = append(blocks, slack.NewContextBlock("", plain(markup.Truncate(c, maxContextText))))
	}
	for bi, b := range r.Blocks {
		switch b.Kind {
		case bot.BlockMarkdown:
			text := b.Text
			if b.Dialect != bot.DialectSlack { // a Slack user's own text is mrkdwn already
				text = markup.ToSlack(text)
			}
			for _, piece := range markup.Split(text, maxSectionText) {
				blocks = append(blocks, section(piece))
			}
		case bot.BlockCode:
			for _, piece := range markup.CodeBlock(markup.EscapeSlack(b.Text), maxSectionText) {
				blocks = append(blocks, section(piece))
			}
		case bot.BlockChecklist:
			blocks = append(blocks, checklist(r.Lesson, r.Owner, bi, b.Items)...)
		case bot.BlockRating:
			blocks = append(blocks, rating(r.Lesson, r.Owner, bi, b.Items)...)
		case bot.BlockQuestion:
			blocks = append(blocks, question(r.Lesson, r.Owner, bi, b)...)
		}
	}
	out := rendered{Controls: controls(r.Buttons)}
	title := strings.TrimSpace(r.Title)
	if title == "" {
		title = fallbackText(r)
	}
	for i := 0; i < len(blocks); i += maxBlocks {
		end := min(i+maxBlocks, len(blocks))
		text := title
		if i > 0 {
			text += " (continued)"
		}
		out.Content = append(out.Content, message{Text: markup.Truncate(text, maxFallbackText), Blocks: blocks[i:end]})
	}
	return out
}

// fallbackText is the notification text of a reply without a title.
func fallbackText(r bot.Reply) string {
	for _, b := range r.Blocks {
		t := strings.TrimSpace(b.Text)
		if b.Kind == bot.BlockMarkdown && b.Dialect != bot.DialectSlack {
			// Notifications show text as it is: no Markdown markers.
			t = strings.TrimSpace(markup.ToPlain(t))
		}
		if (b.Kind == bot.BlockMarkdown || b.Kind == bot.BlockQuestion) && t != "" && t != bot.Placeholder {
			line, _, _ := strings.Cut(t, "\n")
			if b.Dialect == bot.DialectSlack {
				return line
			}
			return markup.EscapeSlack(line)
		}
	}
	if r.Lesson != "" {
		return "Lesson " + dotted(r.Lesson)
	}
	return "coursebot"
}

func plain(s string) *slack.TextBlockObject {
	return slack.NewTextBlockObject(slack.PlainTextType, s, false, false)
}

func mrkdwn(s string) *slack.TextBlockObject {
	return slack.NewTextBlockObject(slack.MarkdownType, s, false, false)
}

func section(text string) *slack.SectionBlock {
	return slack.NewSectionBlock(mrkdwn(text), nil, nil)
}

// cut shortens s to at most n runes, ending with "…" when it cut.

func id(parts ...any) string {
	var b strings.Builder
	for i, p := range parts {
		if i > 0 {
			b.WriteByte('-')
		}
		fmt.Fprint(&b, p)
	}
	return markup.Truncate(b.String(), maxIDLen)
}

// groups splits items into runs with the same Group, in order.
func groups(items []bot.Item) [][]bot.Item {
	var out [][]bot.Item
	for i, it := range items {
		if i == 0 || it.Group != items[i-1].Group {
			out = append(out, nil)
		}
		out[len(out)-1] = append(out[len(out)-1], it)
	}
	return out
}

// checklist renders items as checkboxes: a bold group heading, then one
// checkboxes element per 10 items. Item text longer than an option allows
// is listed in full in a section above the boxes.
func checklist(lesson, owner string, bi int, items []bot.Item) []slack.Block {
	var blocks []slack.Block
	n := 0
	for _, g := range groups(items) {
		var head []string
		if g[0].Group != "" {
			head = append(head, "*"+markup.EscapeSlack(g[0].Group)+"*")
		}
		for _, it := range g {
			if utf8.RuneCountInString(it.Text) > maxButtonText {
				head = append(head, "• "+markup.EscapeSlack(it.Text))
			}
		}
		for _, piece := range markup.Split(strings.Join(head, "\n"), maxSectionText) {
			blocks = append(blocks, section(piece))
		}
		for i := 0; i < len(g); i += maxOptions {
			chunk := g[i:min(i+maxOptions, len(g))]
			var opts, initial []*slack.OptionBlockObject
			for _, it := range chunk {
				o := slack.NewOptionBlockObject(bot.Mark(bot.CheckAction(lesson, it.ID, true), owner), plain(markup.Truncate(it.Text, maxButtonText)), nil)
				opts = append(opts, o)
				if it.Checked {
					initial = append(initial, o)
				}
			}
			el := slack.NewCheckboxGroupsBlockElement(id(actCheck, bi, n), opts...)
			el.InitialOptions = initial
			blocks = append(blocks, slack.NewActionBlock(id("b", bi, n), el))
			n++
		}
	}
	return blocks
}

// rating renders each item as a line of text and a row of 1-5 buttons; the
// learner's current value is the primary button.
func rating(lesson, owner string, bi int, items []bot.Item) []slack.Block {
	var blocks []slack.Block
	for gi, g := range groups(items) {
		if g[0].Group != "" {
			blocks = append(blocks, section(markup.Truncate("*"+markup.EscapeSlack(g[0].Group)+"*", maxSectionText)))
		}
		for ii, it := range g {
			text := markup.EscapeSlack(it.Text)
			if it.Value > 0 {
				text += fmt.Sprintf("  _(your rating: %d)_", it.Value)
			}
			blocks = append(blocks, section(markup.Truncate(text, maxSectionText)))
			var els []slack.BlockElement
			for v := bot.RatingMin; v <= bot.RatingMax; v++ {
				btn := slack.NewButtonBlockElement(id(actRate, bi, gi, ii, v), bot.Mark(bot.RateAction(lesson, it.ID, v), owner), plain(strconv.Itoa(v)))
				if it.Value == v {
					btn.Style = slack.StylePrimary
				}
				els = append(els, btn)
			}
			blocks = append(blocks, slack.NewActionBlock(id("b", bi, gi, ii), els...))
		}
	}
	return blocks
}

// question renders the prompt with the hint to reply in the thread and an
// Answer button (a modal) as the alternative; a saved answer is quoted.
func question(lesson, owner string, bi int, b bot.Block) []slack.Block {
	q := b.Question
	if q == nil {
		q = &bot.Question{Prompt: b.Text}
	}
	prompt := q.Prompt
	if prompt == "" {
		prompt = b.Text
	}
	text := "*Question:* " + markup.EscapeSlack(prompt)
	label := "Answer"
	if q.Answered {
		label = "Change answer"
	}
	hint := "_Reply in this thread to answer, or press " + label + "._"
	var blocks []slack.Block
	pieces := markup.Split(text, maxSectionText)
	for i, piece := range pieces {
		if i < len(pieces)-1 {
			blocks = append(blocks, section(piece))
			continue
		}
		s := section(piece)
		if q.ID != "" {
			btn := slack.NewButtonBlockElement(id(actAnswer, bi), answerValue(lesson, q.ID, owner), plain(label))
			s.Accessory = slack.NewAccessory(btn)
		}
		s.BlockID = id("b", bi)
		blocks = append(blocks, s)
	}
	blocks = append(blocks, slack.NewContextBlock("", mrkdwn(hint)))
	if q.Answered && q.Answer != "" {
		quoted := "> " + strings.ReplaceAll(markup.EscapeSlack(q.Answer), "\n", "\n> ")
		for _, piece := range markup.Split("*Your answer:*\n"+quoted, maxSectionText) {
			blocks = append(blocks, section(piece))
		}
	}
	return blocks
}

// answerValue and parseAnswerValue carry lesson, question id and the
// owner's tag (bot.OwnerTag) on the Answer button; the adapter, not the
// engine, interprets it. Buttons from before owners were marked have no
// third field.
func answerValue(lesson, question, owner string) string {
	v := lesson + "|" + question
	if owner != "" {
		v += "|" + owner
	}
	return v
}

func parseAnswerValue(v string) (lesson, question, owner string, ok bool) {
	lesson, rest, ok := strings.Cut(v, "|")
	question, owner, _ = strings.Cut(rest, "|")
	return lesson, question, owner, ok && lesson != "" && question != ""
}

// controls renders the reply's buttons as actions blocks of at most 25.
func controls(buttons []bot.Button) []slack.Block {
	var blocks []slack.Block
	for i := 0; i < len(buttons); i += maxElements {
		var els []slack.BlockElement
		for j, b := range buttons[i:min(i+maxElements, len(buttons))] {
			btn := slack.NewButtonBlockElement(id(actNav, i+j), b.Action, plain(markup.Truncate(b.Label, maxButtonText)))
			switch b.Style {
			case bot.StylePrimary:
				btn.Style = slack.StylePrimary
			case bot.StyleDanger:
				btn.Style = slack.StyleDanger
			}
			els = append(els, btn)
		}
		blocks = append(blocks, slack.NewActionBlock(id("nav", i/maxElements), els...))
	}
	return blocks
}

// spent is what a superseded controls message becomes.
func spent(note string) []slack.Block {
	return []slack.Block{slack.NewContextBlock("", mrkdwn(markup.Truncate(note, maxContextText)))}
}

// spentCard is a card whose navigation buttons have given way to note
// ("✓ Next", "Continued below ↓"): everything else stays as it was shown.
func spentCard(blocks []slack.Block, note string) []slack.Block {
	out := make([]slack.Block, 0, len(blocks)+1)
	for _, b := range blocks {
		if ab, ok := b.(*slack.ActionBlock); ok && strings.HasPrefix(ab.BlockID, actNav+"-") {
			continue
		}
		out = append(out, b)
	}
	if len(out) >= maxBlocks {
		out = out[:maxBlocks-1]
	}
	return append(out, spent(note)...)
}

// titleAfterLabel is a card title without a leading "Lesson 4.4:" that
// would repeat the label the adapter puts in front of it.
func titleAfterLabel(lesson, title string) string {
	t := strings.TrimSpace(title)
	if rest, ok := strings.CutPrefix(t, "Lesson "+dotted(lesson)); ok && (rest == "" || strings.ContainsRune(":·-— ", []rune(rest)[0])) {
		t = strings.TrimLeft(rest, ":·-— ")
	}
	return t
}

// dotted turns a lesson id "4-4" into "4.4" for people.
func dotted(lesson string) string { return strings.ReplaceAll(lesson, "-", ".") }
