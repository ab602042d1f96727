package bot

// SplitLive cuts a live reply for an adapter that posts the live block as a
// message of its own: head is what comes before the live block (no
// buttons), to post first. Once Run has returned final, Finish returns the
// live block's finished text ("" when the finished reply has none there)
// and tail, the rest of the finished reply (with its buttons) to post
// after it. When the finished reply does not start like the placeholder
// (an entirely different fallback), text is "" and tail is the whole
// finished reply.
func SplitLive(r Reply) (head Reply) {
	head = r
	head.Blocks = append([]Block(nil), r.Blocks[:r.Live.Block]...)
	head.Buttons, head.File, head.Live = nil, nil, nil
	return head
}

// FinishLive is the second half of SplitLive: see there.
func FinishLive(placeholder, final Reply) (text string, tail Reply) {
	block := placeholder.Live.Block
	tail = final
	tail.Live = nil
	for i := 0; i < block; i++ {
		if i >= len(final.Blocks) || final.Blocks[i].Kind != placeholder.Blocks[i].Kind || final.Blocks[i].Text != placeholder.Blocks[i].Text {
			return "", tail
		}
	}
	tail.Title, tail.Context = "", ""
	if len(final.Blocks) == len(placeholder.Blocks) && final.Blocks[block].Kind == BlockMarkdown {
		tail.Blocks = final.Blocks[block+1:]
		return final.Blocks[block].Text, tail
	}
	tail.Blocks = final.Blocks[block:]
	return "", tail
}
