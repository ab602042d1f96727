package bot

import "github.com/coursebot/coursebot"

// FaultReply is coursebot.FaultNotice as an ephemeral reply in place: what
// a learner is told when their message met a fault on our side.
func FaultReply() Reply {
	return Reply{Ephemeral: true, Blocks: []Block{{Kind: BlockMarkdown, Text: coursebot.FaultNotice}}}
}
