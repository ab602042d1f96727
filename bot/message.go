// Package bot is the chat protocol: the platform-neutral conversation
// types the features (the lesson engine, cohorts, the tutor) and the chat
// adapters share. A Message comes in from a learner (a coursebot.Learner),
// Replies go out. The engine (package lessons) never imports a platform
// package; an adapter (bot/console, bot/slack, bot/discord) knows nothing of
// lessons beyond what it renders from a Reply.
package bot

import (
	"context"

	"github.com/coursebot/coursebot"
)

// MessageKind says what a learner did.
type MessageKind int

const (
	// KindCommand is a slash command: Command without the slash, Args after it.
	KindCommand MessageKind = iota + 1
	// KindAction is a button press, checkbox or rating choice: Action holds
	// the opaque string the engine put on the control.
	KindAction
	// KindText is free text: an answer to the pending question.
	KindText
)

// Message is one thing a learner did.
type Message struct {
	Learner coursebot.Learner
	Kind    MessageKind
	// Command is a KindCommand's name as CommandName gives it: lower
	// case, without the slash ("start-4-4", "status", "help-mlops"). The
	// adapter normalises it once; the routing table and the features
	// compare it as it is.
	Command string
	Args    string // KindCommand: the rest of the line, trimmed
	Action  string // KindAction: Button.Action, CheckAction(...) or RateAction(...)
	Text    string // KindText: what the learner typed
	// Lesson is the lesson whose thread the message came from ("4-4"), or ""
	// when the platform cannot tell (the console, a DM outside a thread).
	Lesson string
	// Question is the question id a KindText message answers when the
	// platform knows it (an answer modal); "" means the pending question.
	Question string
}

// Handler turns a learner's message into replies. The lesson engine is the
// Handler; adapters call it. A returned error is an internal failure: the
// adapter tells the learner one clear sentence and logs the detail. Anything
// the learner did wrong comes back as a Reply, not an error.
type Handler interface {
	Handle(ctx context.Context, m Message) ([]Reply, error)
}

// Reply is one card of output: a lesson section, a status page, a notice.
type Reply struct {
	// Lesson is the lesson this reply belongs to; adapters post it in that
	// lesson's thread. "" means answer in place (status, help, errors).
	Lesson string
	// Card is the stable key of the lesson card shown ("" when not a card).
	// A new card in the same lesson supersedes the buttons of the previous one.
	Card string
	// Update marks a re-render of the card the action came from (a ticked
	// checklist item, a rating): edit that message in place when possible.
	Update bool
	// Ephemeral replies are for the learner only (status, help, stale
	// buttons, refusals) where the platform supports that.
	Ephemeral bool
	// Refused marks an answer to a request that changed nothing (a usage
	// hint, a stale button, a lesson that cannot start). Adapters show it
	// like any ephemeral notice and never as a lesson card; metrics and
	// logs count the request as refused.
	Refused bool
	// Owner is the OwnerTag of the learner the reply is shown to, set by
	// Own. Adapters put it on every control they render (checkboxes,
	// ratings, Answer buttons) so a press by anyone else is refused.
	Owner string
	// Title is a short plain-text heading (adapters cut it to their limits).
	Title string
	// Context is a short plain-text line under the title ("Step 3 of 7 · about 15 min").
	Context string
	Blocks  []Block
	Buttons []Button
	// File, when set, is sent with the reply as a real file upload (a CSV
	// export), never pasted into the text. The reply's blocks stay a short
	// message that says what the file is. See File for the bounds.
	File *File
	// Live, when set, makes this reply a placeholder whose text is still
	// being written (a tutor's answer): see Live.
	Live *Live
	// AwaitsReply says the reply asks the learner something and their
	// reply is expected where it is shown (a tutor's question, "what have
	// you tried?"). An adapter that cannot take free text there (Discord's
	// HTTP-interactions mode, which gets no thread messages) offers a
	// Reply button (a form); its answer is a KindText of the reply's lesson.
	AwaitsReply bool
}

// MaxFileSize bounds File.Data: 8 MiB, under Discord's smallest upload limit
// (10 MiB for bots) and far under Slack's. Producers keep files below it;
// adapters refuse larger ones with an error rather than cut them.
const MaxFileSize = 8 << 20

// File is an attachment of a Reply. Adapters send it as a file upload:
// Slack through files.getUploadURLExternal / files.completeUploadExternal
// (into the learner's DM when the reply is ephemeral, since ephemeral
// messages cannot carry files), Discord as a multipart files[0] part, the
// console by writing it into the current directory.
type File struct {
	// Name is the file name with extension, no directories ("progress-spring.csv").
	Name string
	// Title is an optional human title shown by platforms that have one.
	Title string
	// Data is the content, at most MaxFileSize bytes.
	Data []byte
	// Alt says what an image shows, in words, for those who cannot see
	// it (at most MaxAlt characters): Slack's alt_txt, Discord's
	// attachment description, and printed by the console.
	Alt string
}

// MaxAlt bounds File.Alt: Slack takes 1000 characters of alt text,
// Discord 1024 of an attachment's description.
const MaxAlt = 1000

// BlockKind is the kind of a Block.
type BlockKind int

const (
	// BlockMarkdown is CommonMark text (GFM tables allowed) for adapters to
	// render to their own dialect.
	BlockMarkdown BlockKind = iota + 1
	// BlockCode is monospace text kept byte for byte (ASCII diagrams, code).
	// Adapters may split it only between lines, each piece still monospace.
	BlockCode
	// BlockChecklist is a list of items the learner ticks.
	BlockChecklist
	// BlockRating is a list of items the learner rates from 1 to 5.
	BlockRating
	// BlockQuestion is a question waiting for a free-text answer.
	BlockQuestion
)

// Block is one piece of a Reply.
type Block struct {
	Kind BlockKind
	// Text is Markdown (BlockMarkdown), verbatim text (BlockCode) or the
	// question's prompt (BlockQuestion).
	Text string
	Lang string // BlockCode: the fence's info word, if any
	// Dialect, on a BlockMarkdown, names the markup Text was typed in when
	// it is not CommonMark: DialectSlack is a Slack user's text, already
	// Slack mrkdwn ("Standup at *10*", "<https://x|the board>"), which the
	// Slack adapter posts as typed. Other adapters read it as CommonMark.
	Dialect string
	// Items are the checklist or rating items (BlockChecklist, BlockRating).
	Items []Item
	// Question is set for BlockQuestion.
	Question *Question
}

// DialectSlack marks text typed by a Slack user (see Block.Dialect).
const DialectSlack = "slack"

// Item is one checklist or rating item.
type Item struct {
	ID      string // stable across course edits; use with CheckAction/RateAction
	Group   string // the heading it sits under ("Code Quality", "PILLAR 1: DESIGN"), may be ""
	Text    string // plain text
	Checked bool   // BlockChecklist: ticked
	Value   int    // BlockRating: 0 = not rated yet, else RatingMin..RatingMax
}

// Rating scale bounds.
const (
	RatingMin = 1
	RatingMax = 5
)

// Question is a Socratic question or quiz prompt.
type Question struct {
	ID       string // stable across course edits
	Prompt   string // plain text
	Answered bool
	Answer   string // the learner's saved answer, if any
}

// ButtonStyle hints how prominent a button is.
type ButtonStyle int

const (
	StyleDefault ButtonStyle = iota
	StylePrimary
	StyleDanger
)

// Button is a choice the learner can press. Action is opaque to adapters and
// at most MaxActionLen bytes, so it fits Slack values and Discord custom_ids.
type Button struct {
	Label  string
	Action string
	Style  ButtonStyle
}

// Send delivers replies to a learner outside of a request (nudges). It is
// implemented by each adapter; the scheduler uses it.
type Sender interface {
	Send(ctx context.Context, to coursebot.Learner, replies []Reply) error
}
