package slack

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/slack-go/slack"
	"github.com/slack-go/slack/slacktest"

	"github.com/coursebot/coursebot/ratelimit"
	"github.com/coursebot/coursebot/ratelimit/ratelimittest"
)

// fakeSlack is slack-go's slacktest server with our own handlers bound for
// the Web API methods the adapter uses (slacktest lacks views.open,
// chat.update, conversations.replies/history, and its chat.postMessage
// answers bare-second timestamps and blocks on its websocket hub). It keeps
// every call and the messages as Slack would, and can inject faults.
//
// Slack's limits are enforced in front of it (gate: method tiers, posts
// per channel and per workspace, five uses of a response URL; a 429 with
// Retry-After over them), on pace, a thousand times faster than the wall
// clock so tests do not wait: the adapter under test gets the same clock
// (harness). A refused call never reaches the handlers or calls.
type fakeSlack struct {
	t    testing.TB
	srv  *slacktest.Server
	gate *ratelimittest.Slack
	pace ratelimit.Clock // the gate's and the adapter's
	urls atomic.Int64    // response URLs handed out

	mu        sync.Mutex
	calls     []apiCall
	msgs      []*fakeMsg // in posting order
	seq       int
	faults    map[string][]fault
	notIn     map[string]bool      // channels the bot is not a member of
	responses []map[string]any     // bodies POSTed to response URLs
	urlMsgs   map[string][2]string // response URL path -> the message (channel, ts) it belongs to
	urlAt     map[string]time.Time // response URL path -> when it was first used (pace clock)
	views     []url.Values
	refusals  map[string]string // "method key" -> Slack error code
	uploads   map[string]*fakeFile
	files     []fakeFile          // completed uploads, in order
	members   map[string][]string // channel -> user ids (conversations.members)
	// now is Slack's clock: a post's ts is its second and a sequence
	// number (default time.Now).
	now func() time.Time
	// pageMax caps the limit of conversations.replies/history (default
	// 1000; 15 for apps outside the Marketplace since 2025).
	pageMax int
}

// fakeFile is a file uploaded through the external-upload flow: the bytes
// the upload_url received and where completeUploadExternal shared it.
type fakeFile struct {
	ID, Name, Title   string
	Alt               string // alt_txt, as given to files.getUploadURLExternal
	Length            int    // as announced to files.getUploadURLExternal
	Data              []byte
	Channel, ThreadTS string
	Uploaded          bool
}

type apiCall struct {
	Method string
	Form   url.Values
}

type fakeMsg struct {
	Channel, TS, ThreadTS, Text string
	Blocks                      []map[string]any
	MetaID                      string
	Updates                     int       // chat.update or replace_original
	Replaced                    int       // of which replace_original (a response URL)
	At, Edited                  time.Time // posted, last changed (on the fake's pace clock)
}

// fault is what the fake does instead of (or after) handling a call.
type fault struct {
	status     int             // HTTP status to answer (429, 500)
	retryAfter string          // Retry-After header
	hold       <-chan struct{} // answer only once this is closed (a slow API, ended by the test)
	applied    bool            // do the call's work, then fail (a post that succeeded but looked failed)
}

func newFakeSlack(t testing.TB, extra ...slacktest.Binder) *fakeSlack {
	return newFakeSlackOn(t, ratelimittest.Fast(), extra...)
}

// newFakeSlackOn is newFakeSlack with its limits enforced on clock (a
// benchmark's Scaled clock, shared with the adapter).
func newFakeSlackOn(t testing.TB, clock ratelimit.Clock, extra ...slacktest.Binder) *fakeSlack {
	f := &fakeSlack{t: t, faults: map[string][]fault{}, pace: clock, gate: ratelimittest.NewSlack(ratelimit.SlackLimits{}, clock)}
	f.gate.ResponsePrefix = "/respond/"
	bind := func(c slacktest.Customize) {
		for _, m := range []string{"chat.postMessage", "chat.update", "chat.postEphemeral", "conversations.open",
			"conversations.replies", "conversations.history", "views.open", "reactions.add",
			"files.getUploadURLExternal", "files.completeUploadExternal", "conversations.members"} {
			c.Handle("/"+m, f.gate.Wrap(f.handler(m)).ServeHTTP)
		}
		c.Handle("/respond/", f.gate.Wrap(http.HandlerFunc(f.respond)).ServeHTTP)
		c.Handle("/upload/", f.receiveUpload)
	}
	f.srv = slacktest.NewTestServer(append(extra, bind)...)
	f.srv.Start()
	t.Cleanup(f.srv.Stop)
	return f
}

func (f *fakeSlack) apiURL() string { return f.srv.GetAPIURL() }

// responseURL is a new response URL, as each request gets its own.
func (f *fakeSlack) responseURL() string {
	return "http://" + f.srv.ServerAddr + "/respond/" + strconv.FormatInt(f.urls.Add(1), 10)
}

// notInChannel makes posts to channel fail as Slack does for a channel the
// bot has not joined.
func (f *fakeSlack) notInChannel(channel string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.notIn == nil {
		f.notIn = map[string]bool{}
	}
	f.notIn[channel] = true
}

// setMembers makes channel exist with the given members.
func (f *fakeSlack) setMembers(channel string, users ...string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.members == nil {
		f.members = map[string][]string{}
	}
	f.members[channel] = users
}

// refuse makes method answer {"ok":false,"error":code} when its key
// matches: the channel for chat.postMessage (as posted: a user id, or the
// DM it resolves to) and files.completeUploadExternal, the user for
// conversations.open.
func (f *fakeSlack) refuse(method, key, code string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.refusals == nil {
		f.refusals = map[string]string{}
	}
	f.refusals[method+" "+key] = code
}

// receiveUpload is the upload_url: a multipart POST with the bytes in the
// part named "file", as Slack's file servers take it.
func (f *fakeSlack) receiveUpload(w http.ResponseWriter, r *http.Request) {
	id := strings.TrimPrefix(r.URL.Path, "/upload/")
	if r.Header.Get("Authorization") != "Bearer "+testBotToken {
		http.Error(w, "no token", http.StatusUnauthorized)
		return
	}
	file, hdr, err := r.FormFile("file")
	if err != nil {
		http.Error(w, "no file part: "+err.Error(), http.StatusBadRequest)
		return
	}
	data, _ := io.ReadAll(file)
	f.mu.Lock()
	defer f.mu.Unlock()
	up := f.uploads[id]
	if up == nil {
		http.Error(w, "unknown upload", http.StatusNotFound)
		return
	}
	if len(data) != up.Length || hdr.Filename != up.Name {
		http.Error(w, "length or name differs from the announced one", http.StatusBadRequest)
		return
	}
	up.Data, up.Uploaded = data, true
	w.WriteHeader(http.StatusOK)
	_, _ = io.WriteString(w, "OK - "+fmt.Sprint(len(data)))
}

// uploaded returns the completed uploads.
func (f *fakeSlack) uploaded() []fakeFile {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]fakeFile(nil), f.files...)
}

// fail queues faults for the next calls of method.
func (f *fakeSlack) fail(method string, fs ...fault) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.faults[method] = append(f.faults[method], fs...)
}

func (f *fakeSlack) handler(method string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		form, _ := url.ParseQuery(string(body))
		if strings.HasPrefix(r.Header.Get("Content-Type"), "application/json") {
			// views.open and friends send JSON: keep each field as JSON text.
			var obj map[string]json.RawMessage
			_ = json.Unmarshal(body, &obj)
			form = url.Values{}
			for k, v := range obj {
				var s string
				if json.Unmarshal(v, &s) != nil {
					s = string(v)
				}
				form.Set(k, s)
			}
		}
		f.mu.Lock()
		f.calls = append(f.calls, apiCall{Method: method, Form: form})
		var ft *fault
		if q := f.faults[method]; len(q) > 0 {
			ft = &q[0]
			f.faults[method] = q[1:]
		}
		f.mu.Unlock()
		if ft != nil {
			if ft.hold != nil {
				<-ft.hold
			}
			if ft.status != 0 {
				if ft.applied {
					f.apply(method, form)
				}
				if ft.retryAfter != "" {
					w.Header().Set("Retry-After", ft.retryAfter)
				}
				w.WriteHeader(ft.status)
				return
			}
		}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(f.apply(method, form))
	}
}

// apply does what Slack would and returns the API answer.
func (f *fakeSlack) apply(method string, form url.Values) map[string]any {
	f.mu.Lock()
	defer f.mu.Unlock()
	key := form.Get("channel")
	switch method {
	case "conversations.open":
		key = form.Get("users")
	case "files.completeUploadExternal":
		key = form.Get("channel_id")
	}
	if code, ok := f.refusals[method+" "+key]; ok {
		return map[string]any{"ok": false, "error": code}
	}
	switch method {
	case "files.getUploadURLExternal":
		n, err := strconv.Atoi(form.Get("length"))
		if err != nil || n <= 0 || form.Get("filename") == "" {
			return map[string]any{"ok": false, "error": "invalid_arguments"}
		}
		if utf8.RuneCountInString(form.Get("alt_txt")) > 1000 {
			return map[string]any{"ok": false, "error": "alt_txt_too_large"}
		}
		f.seq++
		id := fmt.Sprintf("F%04d", f.seq)
		if f.uploads == nil {
			f.uploads = map[string]*fakeFile{}
		}
		f.uploads[id] = &fakeFile{ID: id, Name: form.Get("filename"), Length: n, Alt: form.Get("alt_txt")}
		return map[string]any{"ok": true, "file_id": id, "upload_url": "http://" + f.srv.ServerAddr + "/upload/" + id}
	case "files.completeUploadExternal":
		var sums []slack.FileSummary
		if json.Unmarshal([]byte(form.Get("files")), &sums) != nil || len(sums) == 0 || form.Get("channel_id") == "" {
			return map[string]any{"ok": false, "error": "invalid_arguments"}
		}
		var out []map[string]any
		for _, s := range sums {
			up := f.uploads[s.ID]
			if up == nil || !up.Uploaded {
				return map[string]any{"ok": false, "error": "file_not_found"}
			}
			up.Title, up.Channel, up.ThreadTS = s.Title, form.Get("channel_id"), form.Get("thread_ts")
			f.files = append(f.files, *up)
			delete(f.uploads, s.ID) // completed: a second completion is file_not_found
			out = append(out, map[string]any{"id": s.ID, "title": s.Title})
		}
		return map[string]any{"ok": true, "files": out}
	case "chat.postMessage":
		if f.notIn[form.Get("channel")] {
			return map[string]any{"ok": false, "error": "not_in_channel"}
		}
		f.seq++
		// A post to a user id goes into the app's DM with them, which
		// the answer names (the fake's DM with U7 is D7).
		ch := form.Get("channel")
		if rest, ok := strings.CutPrefix(ch, "U"); ok {
			ch = "D" + rest
			if code, ok := f.refusals[method+" "+ch]; ok {
				return map[string]any{"ok": false, "error": code}
			}
		}
		m := &fakeMsg{Channel: ch, TS: fmt.Sprintf("%d.%06d", f.clock().Unix(), f.seq),
			ThreadTS: form.Get("thread_ts"), Text: form.Get("text"), At: f.pace.Now()}
		_ = json.Unmarshal([]byte(form.Get("blocks")), &m.Blocks)
		var meta slack.SlackMetadata
		if json.Unmarshal([]byte(form.Get("metadata")), &meta) == nil {
			m.MetaID, _ = meta.EventPayload["id"].(string)
		}
		f.msgs = append(f.msgs, m)
		return map[string]any{"ok": true, "channel": m.Channel, "ts": m.TS}
	case "chat.update":
		for _, m := range f.msgs {
			if m.Channel == form.Get("channel") && m.TS == form.Get("ts") {
				m.Blocks = nil
				_ = json.Unmarshal([]byte(form.Get("blocks")), &m.Blocks)
				m.Text = form.Get("text")
				m.Updates++
				m.Edited = f.pace.Now()
				return map[string]any{"ok": true, "channel": m.Channel, "ts": m.TS, "text": m.Text}
			}
		}
		return map[string]any{"ok": false, "error": "message_not_found"}
	case "chat.postEphemeral":
		return map[string]any{"ok": true, "message_ts": "1700000000.000001"}
	case "conversations.open":
		return map[string]any{"ok": true, "channel": map[string]any{"id": "D" + strings.TrimPrefix(form.Get("users"), "U")}}
	case "conversations.replies", "conversations.history":
		return f.history(method, form)
	case "views.open":
		f.views = append(f.views, form)
		return map[string]any{"ok": true, "view": map[string]any{"id": "V1"}}
	case "reactions.add":
		return map[string]any{"ok": true}
	case "conversations.members":
		// Paged as Slack pages it: limit per page, an opaque cursor.
		users, ok := f.members[form.Get("channel")]
		if !ok {
			return map[string]any{"ok": false, "error": "channel_not_found"}
		}
		limit, err := strconv.Atoi(form.Get("limit"))
		if err != nil || limit <= 0 {
			limit = 100
		}
		from := 0
		if c := form.Get("cursor"); c != "" {
			n, err := strconv.Atoi(strings.TrimPrefix(c, "dXNlcjo"))
			if err != nil || n < 0 || n > len(users) {
				return map[string]any{"ok": false, "error": "invalid_cursor"}
			}
			from = n
		}
		to := min(from+limit, len(users))
		next := ""
		if to < len(users) {
			next = "dXNlcjo" + strconv.Itoa(to)
		}
		return map[string]any{"ok": true, "members": users[from:to], "response_metadata": map[string]any{"next_cursor": next}}
	}
	return map[string]any{"ok": false, "error": "unknown_method"}
}

// respond is a response URL. A post with replace_original replaces the
// message the URL belongs to (responseURLFor), as Slack does; like a
// chat.update it counts in the message's Updates.
func (f *fakeSlack) respond(w http.ResponseWriter, r *http.Request) {
	var body map[string]any
	_ = json.NewDecoder(r.Body).Decode(&body)
	f.mu.Lock()
	f.responses = append(f.responses, body)
	if f.urlAt == nil {
		f.urlAt = map[string]time.Time{}
	}
	if _, ok := f.urlAt[r.URL.Path]; !ok {
		f.urlAt[r.URL.Path] = f.pace.Now()
	}
	if replace, _ := body["replace_original"].(bool); replace {
		if at, ok := f.urlMsgs[r.URL.Path]; ok {
			for _, m := range f.msgs {
				if m.Channel == at[0] && m.TS == at[1] {
					m.Text, _ = body["text"].(string)
					m.Blocks = nil
					b, _ := json.Marshal(body["blocks"])
					_ = json.Unmarshal(b, &m.Blocks)
					m.Updates++
					m.Replaced++
					m.Edited = f.pace.Now()
				}
			}
		}
	}
	f.mu.Unlock()
	w.WriteHeader(http.StatusOK)
}

// responseURLFor is a new response URL belonging to the message at
// channel/ts, as the response_url of a press on it does.
func (f *fakeSlack) responseURLFor(channel, ts string) string {
	u := f.responseURL()
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.urlMsgs == nil {
		f.urlMsgs = map[string][2]string{}
	}
	f.urlMsgs[strings.TrimPrefix(u, "http://"+f.srv.ServerAddr)] = [2]string{channel, ts}
	return u
}

// snapshot copies what the fake holds.
func (f *fakeSlack) snapshot() (calls []apiCall, msgs []fakeMsg, responses []map[string]any) {
	f.mu.Lock()
	defer f.mu.Unlock()
	calls = append(calls, f.calls...)
	for _, m := range f.msgs {
		msgs = append(msgs, *m)
	}
	responses = append(responses, f.responses...)
	return calls, msgs, responses
}

func (f *fakeSlack) count(method string) int {
	calls, _, _ := f.snapshot()
	n := 0
	for _, c := range calls {
		if c.Method == method {
			n++
		}
	}
	return n
}

// thread returns the messages of the thread rooted at ts, root first.
func (f *fakeSlack) thread(channel, ts string) []fakeMsg {
	_, msgs, _ := f.snapshot()
	var out []fakeMsg
	for _, m := range msgs {
		if m.Channel == channel && (m.TS == ts || m.ThreadTS == ts) {
			out = append(out, m)
		}
	}
	return out
}

// blockTypes and friends read the JSON blocks the fake received.
func hasActionPrefix(m fakeMsg, prefix string) bool {
	for _, b := range m.Blocks {
		els, _ := b["elements"].([]any)
		for _, e := range els {
			el, _ := e.(map[string]any)
			if id, _ := el["action_id"].(string); strings.HasPrefix(id, prefix) {
				return true
			}
		}
		if acc, ok := b["accessory"].(map[string]any); ok {
			if id, _ := acc["action_id"].(string); strings.HasPrefix(id, prefix) {
				return true
			}
		}
	}
	return false
}

func headerText(m fakeMsg) string {
	for _, b := range m.Blocks {
		if b["type"] == "header" {
			t, _ := b["text"].(map[string]any)
			s, _ := t["text"].(string)
			return s
		}
	}
	return ""
}
