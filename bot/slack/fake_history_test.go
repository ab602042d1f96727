package slack

import (
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
)

// clock is the fake's now.
func (f *fakeSlack) clock() time.Time {
	if f.now != nil {
		return f.now()
	}
	return time.Now()
}

// tsOrder compares two Slack timestamps ("1750000000.000100") in time order.
func tsOrder(a, b string) int {
	as, au, _ := strings.Cut(a, ".")
	bs, bu, _ := strings.Cut(b, ".")
	x, _ := strconv.ParseInt(as, 10, 64)
	y, _ := strconv.ParseInt(bs, 10, 64)
	if x != y {
		return int(x - y)
	}
	u, _ := strconv.ParseInt(au, 10, 64)
	v, _ := strconv.ParseInt(bu, 10, 64)
	return int(u - v)
}

// history answers conversations.replies and conversations.history (f.mu
// held) as Slack does: replies are the thread's parent, then its replies
// oldest first; history is the channel's top-level messages newest first;
// both keep only messages after oldest (at it too with inclusive), at most
// limit (capped at pageMax) a page, with has_more and an opaque cursor.
func (f *fakeSlack) history(method string, form url.Values) map[string]any {
	channel, thread := form.Get("channel"), form.Get("ts")
	oldest, inclusive := form.Get("oldest"), form.Get("inclusive") == "1" || form.Get("inclusive") == "true"
	after := func(m *fakeMsg) bool {
		if oldest == "" {
			return true
		}
		c := tsOrder(m.TS, oldest)
		return c > 0 || (c == 0 && inclusive)
	}
	var parent *fakeMsg
	var sel []*fakeMsg
	for _, m := range f.msgs {
		switch {
		case m.Channel != channel:
		case method == "conversations.replies" && m.TS == thread:
			parent = m
		case method == "conversations.replies" && m.ThreadTS == thread && after(m):
			sel = append(sel, m)
		case method == "conversations.history" && (m.ThreadTS == "" || m.ThreadTS == m.TS) && after(m):
			sel = append(sel, m)
		}
	}
	if method == "conversations.replies" {
		if parent == nil {
			return map[string]any{"ok": false, "error": "thread_not_found"}
		}
		slices.SortStableFunc(sel, func(a, b *fakeMsg) int { return tsOrder(a.TS, b.TS) })
		sel = append([]*fakeMsg{parent}, sel...)
	} else {
		slices.SortStableFunc(sel, func(a, b *fakeMsg) int { return tsOrder(b.TS, a.TS) })
	}
	limit, err := strconv.Atoi(form.Get("limit"))
	pageMax := f.pageMax
	if pageMax <= 0 {
		pageMax = 1000
	}
	if err != nil || limit <= 0 || limit > pageMax {
		limit = pageMax
	}
	from := 0
	if c := form.Get("cursor"); c != "" {
		n, err := strconv.Atoi(strings.TrimPrefix(c, "bmV4dF90czo"))
		if err != nil || n < 0 || n > len(sel) {
			return map[string]any{"ok": false, "error": "invalid_cursor"}
		}
		from = n
	}
	to := min(from+limit, len(sel))
	out := []map[string]any{}
	for _, m := range sel[from:to] {
		msg := map[string]any{"type": "message", "ts": m.TS, "text": m.Text, "thread_ts": m.ThreadTS}
		if m.MetaID != "" && form.Get("include_all_metadata") != "" && form.Get("include_all_metadata") != "0" && form.Get("include_all_metadata") != "false" {
			msg["metadata"] = map[string]any{"event_type": metaEvent, "event_payload": map[string]any{"id": m.MetaID}}
		}
		out = append(out, msg)
	}
	next := ""
	if to < len(sel) {
		next = "bmV4dF90czo" + strconv.Itoa(to)
	}
	return map[string]any{"ok": true, "messages": out, "has_more": next != "", "response_metadata": map[string]any{"next_cursor": next}}
}
