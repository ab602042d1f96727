package discord

import (
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/bwmarrin/discordgo"

	"github.com/coursebot/coursebot/bot"
	"github.com/coursebot/coursebot/bot/markup"
)

// Discord's limits.
const (
	maxContent     = 2000 // characters of message content
	maxRows        = 5    // action rows per message
	maxRowButtons  = 5    // buttons per action row
	maxLabel       = 80   // button label
	maxCustomID    = 100  // custom_id
	maxTitle       = 256  // our own cap for a card's heading line
	checklistChunk = 20   // toggle buttons per message (4 rows)
	ratingChunk    = 4    // rated items per message (one row each)
)

// answerPrefix marks the adapter's own "Answer" buttons and modals; the
// engine's actions never start with it (their verbs are plain words).
const answerPrefix = "dc.answer"

// answerID names lesson, question and the owner's tag (bot.OwnerTag) on
// an Answer button and its modal; ids from before owners were marked have
// no owner field.
func answerID(lesson, question, owner string) string {
	id := answerPrefix + "|" + lesson + "|" + question
	if owner != "" {
		id += "|" + owner
	}
	return id
}

// replyPrefix marks the Reply button and form of the HTTP-interactions
// mode (bot.Reply.AwaitsReply): "dc.reply|lesson|owner".
const replyPrefix = "dc.reply"

func replyID(lesson, owner string) string {
	id := replyPrefix + "|" + lesson
	if owner != "" {
		id += "|" + owner
	}
	return id
}

func parseReplyID(s string) (lesson, owner string, ok bool) {
	rest, found := strings.CutPrefix(s, replyPrefix+"|")
	if !found {
		return "", "", false
	}
	lesson, owner, _ = strings.Cut(rest, "|")
	return lesson, owner, lesson != ""
}

func parseAnswerID(s string) (lesson, question, owner string, ok bool) {
	rest, found := strings.CutPrefix(s, answerPrefix+"|")
	if !found {
		return "", "", "", false
	}
	lesson, rest, ok = strings.Cut(rest, "|")
	question, owner, _ = strings.Cut(rest, "|")
	return lesson, question, owner, ok && lesson != "" && question != ""
}

// piece is a run of content with the action rows that belong under it.
type piece struct {
	text string
	rows [][]discordgo.MessageComponent
}

// render turns a Reply into Discord messages, each within every limit:
// content ≤ 2000 characters cut only at paragraph or line boundaries (never
// inside a code line), ≤ 5 action rows of ≤ 5 buttons, custom_ids ≤ 100.
// The card's own buttons (Next, Back, Skip question) come last.
func render(r bot.Reply) []outMsg { return renderWith(r, hintReplyOrPress) }

// How a question says it is answered. Only the gateway receives replies in
// a thread; in HTTP-interactions mode the Answer button is the one way.
const (
	hintReplyOrPress = "_Reply in this thread to answer, or press **Answer**._"
	hintPress        = "_Press **Answer** to answer._"
)

// render is render with the question hint that is true in the adapter's mode.
func (a *Adapter) render(r bot.Reply) []outMsg {
	if a.opts.Mode == ModeHTTP {
		return renderWith(r, hintPress)
	}
	return renderWith(r, hintReplyOrPress)
}

func renderWith(r bot.Reply, hint string) []outMsg {
	var ps []piece
	var head []string
	if t := strings.TrimSpace(r.Title); t != "" {
		head = append(head, "## "+markup.Truncate(oneLine(t), maxTitle))
	}
	if c := strings.TrimSpace(r.Context); c != "" {
		head = append(head, "-# "+markup.Truncate(oneLine(c), maxTitle))
	}
	if len(head) > 0 {
		ps = append(ps, piece{text: strings.Join(head, "\n")})
	}
	for _, b := range r.Blocks {
		switch b.Kind {
		case bot.BlockMarkdown:
			for _, t := range markup.Split(markup.ToDiscord(b.Text), maxContent) {
				ps = append(ps, piece{text: t})
			}
		case bot.BlockCode:
			for _, t := range markup.CodeBlock(b.Text, maxContent) {
				ps = append(ps, piece{text: t})
			}
		case bot.BlockQuestion:
			ps = append(ps, questionPieces(r.Lesson, r.Owner, b, hint)...)
		case bot.BlockChecklist:
			ps = append(ps, checklistPieces(r.Lesson, r.Owner, b.Items)...)
		case bot.BlockRating:
			ps = append(ps, ratingPieces(r.Lesson, r.Owner, b.Items)...)
		}
	}
	buttons := r.Buttons
	if hint == hintPress && r.AwaitsReply && r.Lesson != "" && len(replyID(r.Lesson, r.Owner)) <= maxCustomID {
		// HTTP-interactions mode gets no thread messages: a reply to the
		// tutor goes through a form.
		buttons = append([]bot.Button{{Label: "Reply", Action: replyID(r.Lesson, r.Owner), Style: bot.StylePrimary}}, buttons...)
	}
	if rows := buttonRows(buttons); len(rows) > 0 {
		ps = append(ps, piece{rows: rows})
	}
	return pack(ps)
}

func questionPieces(lesson, owner string, b bot.Block, hint string) []piece {
	q := b.Question
	prompt := b.Text
	if q != nil && q.Prompt != "" {
		prompt = q.Prompt
	}
	var sb strings.Builder
	sb.WriteString("**❓ " + markup.EscapeDiscord(strings.TrimSpace(prompt)) + "**\n")
	var rows [][]discordgo.MessageComponent
	switch {
	case q != nil && q.Answered:
		sb.WriteString("✅ Your answer: " + quote(markup.Truncate(q.Answer, 600)))
	default:
		sb.WriteString(hint)
		if q != nil && lesson != "" && len(answerID(lesson, q.ID, owner)) <= maxCustomID {
			rows = append(rows, []discordgo.MessageComponent{discordgo.Button{
				Label: "Answer", Style: discordgo.PrimaryButton, CustomID: answerID(lesson, q.ID, owner),
			}})
		}
	}
	parts := markup.Split(sb.String(), maxContent)
	out := make([]piece, len(parts))
	for i, p := range parts {
		out[i] = piece{text: p}
	}
	if len(out) > 0 {
		out[len(out)-1].rows = rows
	}
	return out
}

func checklistPieces(lesson, owner string, items []bot.Item) []piece {
	var out []piece
	for start := 0; start < len(items); {
		var sb strings.Builder
		var buttons []discordgo.MessageComponent
		group := continued(&sb, items, start)
		end := start
		for end < len(items) && end-start < checklistChunk {
			it := items[end]
			// A heading goes with its items: rather than end this
			// message on a new group's heading and an item or two,
			// start the next message with it.
			if it.Group != "" && it.Group != group && end > start && checklistChunk-(end-start) < min(groupLen(items, end), 3) {
				break
			}
			var line strings.Builder
			if it.Group != "" && it.Group != group {
				line.WriteString("**" + markup.EscapeDiscord(markup.Truncate(oneLine(it.Group), 200)) + "**\n")
				group = it.Group
			}
			box := "☐"
			if it.Checked {
				box = "☑"
			}
			fmt.Fprintf(&line, "%s `%d.` %s\n", box, end+1, markup.EscapeDiscord(markup.Truncate(oneLine(it.Text), 300)))
			if end > start && utf8.RuneCountInString(sb.String())+utf8.RuneCountInString(line.String()) > maxContent {
				break
			}
			sb.WriteString(line.String())
			style := discordgo.SecondaryButton
			if it.Checked {
				style = discordgo.SuccessButton
			}
			if id := bot.Mark(bot.CheckAction(lesson, it.ID, !it.Checked), owner); lesson != "" && len(id) <= maxCustomID {
				buttons = append(buttons, discordgo.Button{
					Label: markup.Truncate(fmt.Sprintf("%s %d. %s", box, end+1, oneLine(it.Text)), maxLabel), Style: style, CustomID: id,
				})
			}
			end++
		}
		out = append(out, piece{text: strings.TrimRight(sb.String(), "\n"), rows: chunkRows(buttons)})
		start = end
	}
	return out
}

func ratingPieces(lesson, owner string, items []bot.Item) []piece {
	var out []piece
	for start, end := 0, 0; start < len(items); start = end {
		end = ratingChunkEnd(items, start)
		var sb strings.Builder
		var rows [][]discordgo.MessageComponent
		group := continued(&sb, items, start)
		for n := start; n < end; n++ {
			it := items[n]
			if it.Group != "" && it.Group != group {
				sb.WriteString("**" + markup.EscapeDiscord(markup.Truncate(oneLine(it.Group), 200)) + "**\n")
				group = it.Group
			}
			fmt.Fprintf(&sb, "`%d.` %s — %s\n", n+1, markup.EscapeDiscord(markup.Truncate(oneLine(it.Text), 300)), ratingStars(it.Value))
			if lesson == "" {
				continue
			}
			if row := ratingRow(lesson, owner, n, it); row != nil {
				rows = append(rows, row)
			}
		}
		out = append(out, splitWithRows(strings.TrimRight(sb.String(), "\n"), rows)...)
	}
	return out
}

// ratingChunkEnd is where the message of ratings from start ends: up to
// ratingChunk items, ending before a new group's heading that would
// otherwise close the message with a lone item.
func ratingChunkEnd(items []bot.Item, start int) int {
	end := start + 1
	for ; end < len(items) && end-start < ratingChunk; end++ {
		if items[end].Group != items[end-1].Group && ratingChunk-(end-start) < min(groupLen(items, end), 2) {
			break
		}
	}
	return end
}

// ratingStars shows a rating as stars, "★★★☆☆ (3/5)".
func ratingStars(v int) string {
	if v < bot.RatingMin || v > bot.RatingMax {
		return "not rated yet"
	}
	return strings.Repeat("★", v) + strings.Repeat("☆", bot.RatingMax-v) + fmt.Sprintf(" (%d/%d)", v, bot.RatingMax)
}

// ratingRow is the row of buttons rating item it (number n+1) from
// RatingMin to RatingMax, the chosen value highlighted; nil when an id
// would be too long for Discord.
func ratingRow(lesson, owner string, n int, it bot.Item) []discordgo.MessageComponent {
	var row []discordgo.MessageComponent
	for v := bot.RatingMin; v <= bot.RatingMax; v++ {
		id := bot.Mark(bot.RateAction(lesson, it.ID, v), owner)
		if len(id) > maxCustomID {
			return nil
		}
		label := fmt.Sprint(v)
		if v == bot.RatingMin {
			label = markup.Truncate(fmt.Sprintf("%d. %s", n+1, oneLine(it.Text)), maxLabel-4) + " · 1"
		}
		style := discordgo.SecondaryButton
		if it.Value == v {
			style = discordgo.PrimaryButton
		}
		row = append(row, discordgo.Button{Label: label, Style: style, CustomID: id})
	}
	return row
}

// continued writes the heading of the group items[start] continues from
// the previous message, marked "(continued)", so no message's items lack
// their heading. It returns the group now open.
func continued(sb *strings.Builder, items []bot.Item, start int) string {
	if start == 0 || start >= len(items) {
		return ""
	}
	g := items[start].Group
	if g == "" || g != items[start-1].Group {
		return items[start-1].Group
	}
	sb.WriteString("**" + markup.EscapeDiscord(markup.Truncate(oneLine(g), 200)) + "** (continued)\n")
	return g
}

// groupLen counts the items from i on that share items[i]'s group.
func groupLen(items []bot.Item, i int) int {
	n := 0
	for j := i; j < len(items) && items[j].Group == items[i].Group; j++ {
		n++
	}
	return n
}

// splitWithRows splits text to the content limit and hangs rows under the
// last part.
func splitWithRows(text string, rows [][]discordgo.MessageComponent) []piece {
	parts := markup.Split(text, maxContent)
	if len(parts) == 0 {
		return []piece{{rows: rows}}
	}
	out := make([]piece, len(parts))
	for i, p := range parts {
		out[i] = piece{text: p}
	}
	out[len(out)-1].rows = rows
	return out
}

func buttonRows(bs []bot.Button) [][]discordgo.MessageComponent {
	var buttons []discordgo.MessageComponent
	seen := map[string]bool{}
	for _, b := range bs {
		if b.Action == "" || len(b.Action) > maxCustomID || seen[b.Action] {
			continue // Discord rejects the whole message otherwise
		}
		seen[b.Action] = true
		style := discordgo.SecondaryButton
		switch b.Style {
		case bot.StylePrimary:
			style = discordgo.PrimaryButton
		case bot.StyleDanger:
			style = discordgo.DangerButton
		}
		label := markup.Truncate(oneLine(b.Label), maxLabel)
		if label == "" {
			label = "…"
		}
		buttons = append(buttons, discordgo.Button{Label: label, Style: style, CustomID: b.Action})
	}
	return chunkRows(buttons)
}

func chunkRows(buttons []discordgo.MessageComponent) [][]discordgo.MessageComponent {
	var rows [][]discordgo.MessageComponent
	for len(buttons) > 0 {
		n := min(maxRowButtons, len(buttons))
		rows = append(rows, buttons[:n])
		buttons = buttons[n:]
	}
	return rows
}

// pack fills messages in order. Text never follows buttons inside one
// message (Discord shows components under all the content), so a piece with
// text after a message that already has buttons starts a new message.
func pack(ps []piece) []outMsg {
	var out []outMsg
	var cur outMsg
	var rows int
	flush := func() {
		if cur.Content != "" || len(cur.Components) > 0 {
			out = append(out, cur)
		}
		cur, rows = outMsg{}, 0
	}
	for _, p := range ps {
		for len(p.rows) > maxRows { // a single piece never carries more, but stay safe
			pack := piece{text: p.text, rows: p.rows[:maxRows]}
			p = piece{rows: p.rows[maxRows:]}
			out = append(out, pack.msg())
		}
		if cur.Content != "" || rows > 0 {
			sepLen := 0
			if cur.Content != "" && p.text != "" {
				sepLen = 2
			}
			tooLong := utf8.RuneCountInString(cur.Content)+sepLen+utf8.RuneCountInString(p.text) > maxContent
			if tooLong || rows+len(p.rows) > maxRows || (rows > 0 && p.text != "") {
				flush()
			}
		}
		if p.text != "" {
			if cur.Content != "" {
				cur.Content += "\n\n"
			}
			cur.Content += p.text
		}
		for _, r := range p.rows {
			cur.Components = append(cur.Components, discordgo.ActionsRow{Components: r})
			rows++
		}
	}
	flush()
	return out
}

func (p piece) msg() outMsg {
	m := outMsg{Content: p.text}
	for _, r := range p.rows {
		m.Components = append(m.Components, discordgo.ActionsRow{Components: r})
	}
	return m
}

// disabledCopy returns components with every button and menu disabled.
func disabledCopy(comps []discordgo.MessageComponent) []discordgo.MessageComponent {
	out := make([]discordgo.MessageComponent, 0, len(comps))
	for _, c := range comps {
		switch v := c.(type) {
		case discordgo.ActionsRow:
			out = append(out, discordgo.ActionsRow{Components: disabledCopy(v.Components)})
		case *discordgo.ActionsRow:
			out = append(out, discordgo.ActionsRow{Components: disabledCopy(v.Components)})
		case discordgo.Button:
			v.Disabled = true
			out = append(out, v)
		case *discordgo.Button:
			b := *v
			b.Disabled = true
			out = append(out, b)
		case discordgo.SelectMenu:
			v.Disabled = true
			out = append(out, v)
		case *discordgo.SelectMenu:
			m := *v
			m.Disabled = true
			out = append(out, m)
		default:
			out = append(out, c)
		}
	}
	return out
}

// hasEnabled reports whether comps hold any enabled control.
func hasEnabled(comps []discordgo.MessageComponent) bool {
	for _, c := range comps {
		switch v := c.(type) {
		case discordgo.ActionsRow:
			if hasEnabled(v.Components) {
				return true
			}
		case *discordgo.ActionsRow:
			if hasEnabled(v.Components) {
				return true
			}
		case discordgo.Button:
			if !v.Disabled {
				return true
			}
		case *discordgo.Button:
			if !v.Disabled {
				return true
			}
		case discordgo.SelectMenu:
			if !v.Disabled {
				return true
			}
		case *discordgo.SelectMenu:
			if !v.Disabled {
				return true
			}
		}
	}
	return false
}

// customIDs lists the custom_ids in comps.
func customIDs(comps []discordgo.MessageComponent) []string {
	var ids []string
	for _, c := range comps {
		switch v := c.(type) {
		case discordgo.ActionsRow:
			ids = append(ids, customIDs(v.Components)...)
		case *discordgo.ActionsRow:
			ids = append(ids, customIDs(v.Components)...)
		case discordgo.Button:
			ids = append(ids, v.CustomID)
		case *discordgo.Button:
			ids = append(ids, v.CustomID)
		}
	}
	return ids
}

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

// cut shortens s to at most n runes, marking the cut with "…".

func quote(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	for i, l := range lines {
		lines[i] = "> " + markup.EscapeDiscord(l)
	}
	return "\n" + strings.Join(lines, "\n")
}

// dotted turns a lesson id "4-4" into "4.4", as people write it.
func dotted(lesson string) string { return strings.ReplaceAll(lesson, "-", ".") }
