package discord_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/gorilla/websocket"

	"github.com/coursebot/coursebot/ratelimit"
	"github.com/coursebot/coursebot/ratelimit/ratelimittest"
)

// fakeDiscord speaks Discord's REST API (the subset the adapter uses) and
// its gateway websocket, recording every request.
//
// Discord's limits are enforced in front of it (gate: the global 50/s,
// five calls per five seconds per route and channel, announced in
// X-RateLimit-* headers; a 429 over them), on pace, a thousand times
// faster than the wall clock so tests do not wait: the adapter under test
// gets the same clock (newEnvWith). A refused call never reaches serve or
// calls.
type fakeDiscord struct {
	t    testing.TB
	srv  *httptest.Server
	gate *ratelimittest.Discord
	pace ratelimit.Clock

	mu        sync.Mutex
	calls     []call
	nextID    int
	messages  map[string][]*fakeMessage // channel -> messages
	channels  map[string]*fakeChannel
	commands  map[string][]json.RawMessage // scope -> commands
	puts      int                          // command bulk overwrites
	fault     func(r *http.Request, body []byte) (status int, resp string, ok bool)
	callbacks map[string]json.RawMessage // interaction id -> initial response
	originals map[string][2]string       // a component interaction's token -> its message (channel, id)
	guilds    map[string]*fakeGuild

	// gateway
	upgrader   websocket.Upgrader
	dispatch   chan string // raw dispatch payloads (op 0) to push
	gwConns    int
	identifies int
	resumes    int
	kick       chan struct{} // close the current gateway connection
	seq        int
}

type call struct {
	Method, Path string
	Body         string
	At           time.Time
	Pace         time.Time // At on the fake's pace clock
}

type fakeMessage struct {
	ID         string          `json:"id"`
	ChannelID  string          `json:"channel_id"`
	Content    string          `json:"content"`
	Components json.RawMessage `json:"components"`
	Nonce      string          `json:"nonce,omitempty"`
	Flags      int             `json:"flags,omitempty"`
	Reactions  []string        `json:"-"`
	// Edits counts the edits made to it in place.
	Edits int `json:"-"`
	// Attachments are the file parts of a multipart/form-data post.
	Attachments []fakeAttachment `json:"-"`
}

// fakeAttachment is one files[n] part as the fake received it, with the
// description (alt text) payload_json's attachments gave it.
type fakeAttachment struct {
	Field, Filename, ContentType string
	Description                  string
	Data                         []byte
}

// messageBody splits a message post into its JSON and its files: a
// multipart/form-data body carries the JSON in the payload_json part and
// the files in files[n] parts, as Discord takes uploads.
func messageBody(r *http.Request, body []byte) ([]byte, []fakeAttachment, error) {
	mt, params, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || mt != "multipart/form-data" {
		return body, nil, nil
	}
	mr := multipart.NewReader(bytes.NewReader(body), params["boundary"])
	var payload []byte
	var files []fakeAttachment
	for {
		p, err := mr.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, nil, err
		}
		data, err := io.ReadAll(p)
		if err != nil {
			return nil, nil, err
		}
		switch name := p.FormName(); {
		case name == "payload_json":
			payload = data
		case strings.HasPrefix(name, "files["):
			files = append(files, fakeAttachment{Field: name, Filename: p.FileName(), ContentType: p.Header.Get("Content-Type"), Data: data})
		}
	}
	if payload == nil {
		return nil, nil, errors.New("multipart without payload_json")
	}
	// attachments[n] describes files[n]: its description (alt text) is
	// at most 1024 characters.
	var meta struct {
		Attachments []struct {
			ID          int    `json:"id"`
			Description string `json:"description"`
		} `json:"attachments"`
	}
	if err := json.Unmarshal(payload, &meta); err != nil {
		return nil, nil, err
	}
	for _, a := range meta.Attachments {
		if a.ID < 0 || a.ID >= len(files) || files[a.ID].Field != fmt.Sprintf("files[%d]", a.ID) {
			return nil, nil, fmt.Errorf("attachments: no files[%d] part", a.ID)
		}
		if utf8.RuneCountInString(a.Description) > 1024 {
			return nil, nil, errors.New("attachments: description over 1024 characters")
		}
		files[a.ID].Description = a.Description
	}
	return payload, files, nil
}

type fakeChannel struct {
	ID       string `json:"id"`
	Type     int    `json:"type"`
	ParentID string `json:"parent_id,omitempty"`
	Name     string `json:"name,omitempty"`
	Archived bool   `json:"-"`
	Deleted  bool   `json:"-"`
	Members  []string
	// GuildID and Overwrites make a guild channel whose permissions
	// Discord computes (see fakeGuild).
	GuildID    string          `json:"guild_id,omitempty"`
	Overwrites []fakeOverwrite `json:"permission_overwrites,omitempty"`
}

// fakeOverwrite is a channel permission overwrite: Type 0 a role, 1 a member.
type fakeOverwrite struct {
	ID    string `json:"id"`
	Type  int    `json:"type"`
	Allow string `json:"allow"`
	Deny  string `json:"deny"`
}

// fakeGuild is a guild with its roles (the role whose id is the guild's
// is @everyone) and members' roles.
type fakeGuild struct {
	ID      string              `json:"id"`
	OwnerID string              `json:"owner_id"`
	Roles   []fakeRole          `json:"roles"`
	Members map[string][]string `json:"-"` // user id -> role ids
}

type fakeRole struct {
	ID          string `json:"id"`
	Permissions string `json:"permissions"`
}

func newFakeDiscord(t testing.TB) *fakeDiscord {
	return newFakeDiscordOn(t, ratelimittest.Fast())
}

// newFakeDiscordOn is newFakeDiscord with its limits enforced on clock (a
// benchmark's Scaled clock, shared with the adapter).
func newFakeDiscordOn(t testing.TB, clock ratelimit.Clock) *fakeDiscord {
	f := &fakeDiscord{
		t:         t,
		messages:  map[string][]*fakeMessage{},
		channels:  map[string]*fakeChannel{},
		commands:  map[string][]json.RawMessage{},
		callbacks: map[string]json.RawMessage{},
		dispatch:  make(chan string, 64),
		kick:      make(chan struct{}, 1),
		nextID:    1000,
	}
	f.channels["chan1"] = &fakeChannel{ID: "chan1", Type: 0}
	f.pace = clock
	f.gate = ratelimittest.NewDiscord(ratelimittest.DiscordLimits{}, f.pace, "/api/v10")
	f.srv = httptest.NewServer(f.gate.Wrap(http.HandlerFunc(f.serve)))
	t.Cleanup(f.srv.Close)
	return f
}

func (f *fakeDiscord) apiURL() string { return f.srv.URL + "/api/v10/" }

func (f *fakeDiscord) id() string {
	f.nextID++
	return fmt.Sprint(f.nextID)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func apiErr(w http.ResponseWriter, status, code int, msg string) {
	writeJSON(w, status, map[string]any{"code": code, "message": msg})
}

func (f *fakeDiscord) serve(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path == "/ws/" || r.URL.Path == "/ws" {
		f.serveGateway(w, r)
		return
	}
	body, _ := io.ReadAll(r.Body)
	path := strings.TrimPrefix(r.URL.Path, "/api/v10")
	f.mu.Lock()
	f.calls = append(f.calls, call{Method: r.Method, Path: path, Body: string(body), At: time.Now(), Pace: f.pace.Now()})
	fault := f.fault
	f.mu.Unlock()
	if fault != nil {
		if status, resp, ok := fault(r, body); ok {
			if status == 0 { // fault after the effect: do it, then fail
				rec := httptest.NewRecorder()
				f.route(rec, r, path, body)
				status = 500
			}
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(status)
			_, _ = io.WriteString(w, resp)
			return
		}
	}
	f.route(w, r, path, body)
}

func (f *fakeDiscord) route(w http.ResponseWriter, r *http.Request, path string, body []byte) {
	f.mu.Lock()
	defer f.mu.Unlock()
	seg := strings.Split(strings.Trim(path, "/"), "/")
	switch {
	case path == "/users/@me/channels" && r.Method == "POST":
		var in struct {
			RecipientID string `json:"recipient_id"`
		}
		_ = json.Unmarshal(body, &in)
		id := "dm-" + in.RecipientID
		if f.channels[id] == nil {
			f.channels[id] = &fakeChannel{ID: id, Type: 1}
		}
		writeJSON(w, 200, map[string]any{"id": id, "type": 1})
	case len(seg) == 2 && seg[0] == "guilds" && r.Method == "GET":
		g := f.guilds[seg[1]]
		if g == nil {
			apiErr(w, 404, 10004, "Unknown Guild")
			return
		}
		writeJSON(w, 200, g)
	case len(seg) == 4 && seg[0] == "guilds" && seg[2] == "members" && r.Method == "GET":
		g := f.guilds[seg[1]]
		if g == nil {
			apiErr(w, 404, 10004, "Unknown Guild")
			return
		}
		roles, ok := g.Members[seg[3]]
		if !ok {
			apiErr(w, 404, 10007, "Unknown Member")
			return
		}
		writeJSON(w, 200, map[string]any{"user": map[string]any{"id": seg[3]}, "roles": append([]string{}, roles...), "guild_id": g.ID})
	case path == "/gateway" || path == "/gateway/bot":
		writeJSON(w, 200, map[string]any{"url": "ws" + strings.TrimPrefix(f.srv.URL, "http") + "/ws"})
	case len(seg) == 4 && seg[0] == "interactions" && seg[3] == "callback":
		f.callbacks[seg[1]] = json.RawMessage(body)
		w.WriteHeader(204)
	case len(seg) == 5 && seg[0] == "webhooks" && seg[3] == "messages" && r.Method == "PATCH":
		m := f.originalLocked(seg[2])
		f.applyEdit(m, body)
		writeJSON(w, 200, m)
	case len(seg) == 3 && seg[0] == "webhooks" && r.Method == "POST":
		body, files, err := messageBody(r, body)
		if err != nil {
			apiErr(w, 400, 50109, "invalid multipart: "+err.Error())
			return
		}
		m := &fakeMessage{ID: f.id(), ChannelID: "followups:" + seg[2], Attachments: files}
		var in struct {
			Content    string          `json:"content"`
			Components json.RawMessage `json:"components"`
			Flags      int             `json:"flags"`
		}
		_ = json.Unmarshal(body, &in)
		m.Content, m.Components, m.Flags = in.Content, in.Components, in.Flags
		f.messages[m.ChannelID] = append(f.messages[m.ChannelID], m)
		writeJSON(w, 200, m)
	case len(seg) == 2 && seg[0] == "channels":
		ch := f.channels[seg[1]]
		if ch == nil || ch.Deleted {
			apiErr(w, 404, 10003, "Unknown Channel")
			return
		}
		if r.Method == "PATCH" {
			var in struct {
				Archived *bool `json:"archived"`
			}
			_ = json.Unmarshal(body, &in)
			if in.Archived != nil {
				ch.Archived = *in.Archived
			}
		}
		writeJSON(w, 200, ch)
	case len(seg) == 3 && seg[0] == "channels" && seg[2] == "messages" && r.Method == "POST":
		ch := f.channels[seg[1]]
		if ch == nil || ch.Deleted {
			apiErr(w, 404, 10003, "Unknown Channel")
			return
		}
		if ch.Archived {
			apiErr(w, 400, 50083, "Thread is archived")
			return
		}
		body, files, err := messageBody(r, body)
		if err != nil {
			apiErr(w, 400, 50109, "invalid multipart: "+err.Error())
			return
		}
		var in struct {
			Content      string          `json:"content"`
			Components   json.RawMessage `json:"components"`
			Nonce        string          `json:"nonce"`
			EnforceNonce bool            `json:"enforce_nonce"`
		}
		if err := json.Unmarshal(body, &in); err != nil {
			apiErr(w, 400, 50109, "invalid json")
			return
		}
		if in.EnforceNonce && in.Nonce != "" {
			for _, m := range f.messages[seg[1]] {
				if m.Nonce == in.Nonce {
					writeJSON(w, 200, m)
					return
				}
			}
		}
		m := &fakeMessage{ID: f.id(), ChannelID: seg[1], Content: in.Content, Components: in.Components, Nonce: in.Nonce, Attachments: files}
		f.messages[seg[1]] = append(f.messages[seg[1]], m)
		writeJSON(w, 200, m)
	case len(seg) == 4 && seg[0] == "channels" && seg[2] == "messages":
		m := f.findLocked(seg[1], seg[3])
		if m == nil {
			apiErr(w, 404, 10008, "Unknown Message")
			return
		}
		if r.Method == "PATCH" {
			f.applyEdit(m, body)
		}
		writeJSON(w, 200, m)
	case len(seg) == 3 && seg[0] == "channels" && seg[2] == "threads" && r.Method == "POST":
		var in struct {
			Name string `json:"name"`
			Type int    `json:"type"`
		}
		_ = json.Unmarshal(body, &in)
		ch := &fakeChannel{ID: f.id(), Type: in.Type, ParentID: seg[1], Name: in.Name}
		f.channels[ch.ID] = ch
		writeJSON(w, 201, ch)
	case len(seg) == 5 && seg[0] == "channels" && seg[4] == "threads" && r.Method == "POST":
		var in struct {
			Name string `json:"name"`
		}
		_ = json.Unmarshal(body, &in)
		ch := &fakeChannel{ID: f.id(), Type: 11, ParentID: seg[1], Name: in.Name}
		f.channels[ch.ID] = ch
		writeJSON(w, 201, ch)
	case len(seg) == 4 && seg[0] == "channels" && seg[2] == "thread-members":
		if ch := f.channels[seg[1]]; ch != nil {
			ch.Members = append(ch.Members, seg[3])
		}
		w.WriteHeader(204)
	case len(seg) == 7 && seg[0] == "channels" && seg[4] == "reactions":
		if m := f.findLocked(seg[1], seg[3]); m != nil {
			m.Reactions = append(m.Reactions, seg[5])
		}
		w.WriteHeader(204)
	case len(seg) >= 3 && seg[0] == "applications" && seg[len(seg)-1] == "commands":
		scope := "global"
		if len(seg) == 5 {
			scope = seg[3]
		}
		if r.Method == "PUT" {
			f.puts++
			var cmds []json.RawMessage
			_ = json.Unmarshal(body, &cmds)
			f.commands[scope] = cmds
		}
		cmds := f.commands[scope]
		if cmds == nil {
			cmds = []json.RawMessage{}
		}
		writeJSON(w, 200, cmds)
	default:
		apiErr(w, 404, 0, "404: Not Found "+r.Method+" "+path)
	}
}

// originalLocked is the interaction's original response message (by
// token): for a component interaction, the message the component is on.
func (f *fakeDiscord) originalLocked(token string) *fakeMessage {
	if at, ok := f.originals[token]; ok {
		if m := f.findLocked(at[0], at[1]); m != nil {
			return m
		}
	}
	key := "original:" + token
	if ms := f.messages[key]; len(ms) > 0 {
		return ms[0]
	}
	m := &fakeMessage{ID: f.id(), ChannelID: "chan1"}
	f.messages[key] = []*fakeMessage{m}
	// Also visible in the channel, as on Discord (threads start from it).
	f.messages["chan1"] = append(f.messages["chan1"], m)
	return m
}

// interacted notes a component interaction: its @original is the message
// the component is on, as on Discord.
func (f *fakeDiscord) interacted(p map[string]any) {
	msg, ok := p["message"].(map[string]any)
	if !ok {
		return
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.originals == nil {
		f.originals = map[string][2]string{}
	}
	f.originals[fmt.Sprint(p["token"])] = [2]string{fmt.Sprint(msg["channel_id"]), fmt.Sprint(msg["id"])}
}

func (f *fakeDiscord) applyEdit(m *fakeMessage, body []byte) {
	m.Edits++
	var in map[string]json.RawMessage
	_ = json.Unmarshal(body, &in)
	if c, ok := in["content"]; ok {
		_ = json.Unmarshal(c, &m.Content)
	}
	if c, ok := in["components"]; ok {
		m.Components = c
	}
}

func (f *fakeDiscord) findLocked(channel, id string) *fakeMessage {
	for _, m := range f.messages[channel] {
		if m.ID == id {
			return m
		}
	}
	return nil
}

// snapshot helpers

func (f *fakeDiscord) callsMatching(method, prefix string) []call {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []call
	for _, c := range f.calls {
		if c.Method == method && strings.HasPrefix(c.Path, prefix) {
			out = append(out, c)
		}
	}
	return out
}

func (f *fakeDiscord) channelMessages(channel string) []fakeMessage {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []fakeMessage
	for _, m := range f.messages[channel] {
		out = append(out, *m)
	}
	return out
}

func (f *fakeDiscord) threads() []fakeChannel {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []fakeChannel
	for _, c := range f.channels {
		if c.Type == 11 || c.Type == 12 {
			out = append(out, *c)
		}
	}
	return out
}

func (f *fakeDiscord) setFault(fn func(r *http.Request, body []byte) (int, string, bool)) {
	f.mu.Lock()
	f.fault = fn
	f.mu.Unlock()
}

func (f *fakeDiscord) callback(id string) (json.RawMessage, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	c, ok := f.callbacks[id]
	return c, ok
}

// addGuild adds a guild and its channels.
func (f *fakeDiscord) addGuild(g *fakeGuild, channels ...*fakeChannel) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.guilds == nil {
		f.guilds = map[string]*fakeGuild{}
	}
	f.guilds[g.ID] = g
	for _, c := range channels {
		c.GuildID = g.ID
		f.channels[c.ID] = c
	}
}
