package discord_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coursebot/coursebot"
	"github.com/coursebot/coursebot/bot"
	"github.com/coursebot/coursebot/bot/bottest"
	"github.com/coursebot/coursebot/bot/discord"
	"github.com/coursebot/coursebot/ratelimit/ratelimittest"
)

// TestConformance runs the adapter conformance suite (bot/bottest) against
// the Discord adapter and its wire fake, in both modes: interactions over
// HTTP (answers through a form) and over the gateway (answers typed in
// the thread).
func TestConformance(t *testing.T) {
	t.Parallel()
	for _, mode := range []string{discord.ModeHTTP, discord.ModeGateway} {
		t.Run(mode, func(t *testing.T) {
			t.Parallel()
			bottest.Run(t, suiteHarness{mode: mode})
		})
	}
}

type suiteHarness struct{ mode string }

func (h suiteHarness) Cannot() map[bottest.Case]string {
	if h.mode == discord.ModeGateway {
		return map[bottest.Case]string{
			bottest.Shutdown: "in gateway mode interactions arrive over the gateway, which closes with the pipeline: " +
				"no entry point is left to answer (the HTTP mode runs the case)",
		}
	}
	return nil
}

// suiteChannel is the channel the suite posts to outside a conversation.
const suiteChannel = "777"

func (h suiteHarness) Start(t *testing.T, c bottest.Config) bottest.Platform {
	f := newFakeDiscord(t)
	if c.Clock != nil {
		f = newFakeDiscordOn(t, c.Clock.Pace(ratelimittest.Fast()))
	}
	f.channels[suiteChannel] = &fakeChannel{ID: suiteChannel}
	p := &suitePlatform{t: t, mode: h.mode, handler: c.Handler, users: map[string]string{}}
	p.mods = func(o *discord.Options) {
		o.Commands = nil
		for _, name := range bottest.Commands {
			o.Commands = append(o.Commands, discord.Command{Name: name, Description: "the suite's " + name, Lesson: name == bottest.Start})
		}
		// Retry waits are noted, not slept: the clock of the backoff is
		// the test's, and a retried send takes no wall-clock time.
		o.Sleep = func(ctx context.Context, d time.Duration) error {
			p.mu.Lock()
			p.waits = append(p.waits, d)
			p.mu.Unlock()
			return ctx.Err()
		}
		if c.Clock != nil {
			o.Now = c.Clock.Now
		}
	}
	p.e = p.start(f, "")
	if c.Clock != nil {
		p.e.now = c.Clock.Now
	}
	return p
}

type suitePlatform struct {
	t       *testing.T
	mode    string
	e       *env
	handler bot.Handler
	mods    func(*discord.Options)

	mu    sync.Mutex
	waits []time.Duration   // the retry waits asked for
	users map[string]string // interaction id -> the user who sent it
}

func (p *suitePlatform) start(f *fakeDiscord, dbPath string) *env {
	_, ids, _ := f.gatewayStats()
	e := newEnvWith(p.t, p.mode, f, dbPath, false, p.handler, p.mods)
	if p.mode == discord.ModeGateway {
		waitFor(p.t, "the gateway's identify", func() bool { _, n, _ := f.gatewayStats(); return n > ids })
	}
	return e
}

func (p *suitePlatform) Learner(user string) coursebot.Learner {
	return coursebot.Learner{Platform: discord.Platform, UserID: user}
}

func (p *suitePlatform) id(user string) string {
	id := p.e.nextID()
	p.mu.Lock()
	p.users[id] = user
	p.mu.Unlock()
	return id
}

// answers are the texts of the interaction's deferred answer and its
// follow-ups.
func (p *suitePlatform) answers(id string) []string {
	var out []string
	for _, m := range []string{"PATCH", "POST"} {
		for _, c := range p.e.f.callsMatching(m, "/webhooks/"+testApp+"/itok-"+id) {
			if content := contentOf(c.Body); content != "" {
				out = append(out, content)
			}
		}
	}
	return out
}

// contentOf is the content of a message's JSON body ("" for another body).
func contentOf(body string) string {
	var m struct {
		Content string `json:"content"`
	}
	_ = json.Unmarshal([]byte(body), &m)
	return m.Content
}

func (p *suitePlatform) Command(user, name string) string {
	id := p.id(user)
	typ, content, _ := p.e.initial(commandPayload(id, user, name))
	p.e.settled()
	if typ == 4 {
		return content
	}
	return strings.Join(p.answers(id), "\n")
}

func (p *suitePlatform) threadID(owner, lesson string) (string, bool) {
	th, ok, err := p.e.db.ThreadFor(context.Background(), discord.Platform, discord.Platform+":"+owner, lesson)
	if err != nil {
		p.t.Fatalf("thread of %s: %v", owner, err)
	}
	return th.ThreadID, ok
}

func (p *suitePlatform) Thread(owner, lesson string) []bottest.Post {
	th, ok := p.threadID(owner, lesson)
	if !ok {
		return nil
	}
	var out []bottest.Post
	for _, m := range p.e.f.channelMessages(th) {
		checkLimits(p.t, m)
		var labels []string
		for _, b := range enabledButtons(m) {
			labels = append(labels, b.Label)
		}
		out = append(out, bottest.Post{Text: m.Content, Edits: m.Edits, Buttons: labels})
	}
	return out
}

// interact sends p and returns what its presser alone was told ("" when
// the interaction was taken).
func (p *suitePlatform) interact(payload map[string]any) string {
	typ, content, flags := p.e.initial(payload)
	p.e.settled()
	if typ == 4 && flags&64 != 0 {
		return content
	}
	return ""
}

func (p *suitePlatform) Press(presser, owner, lesson, verb string) string {
	th, ok := p.threadID(owner, lesson)
	if !ok {
		p.t.Fatalf("%s has no thread of %s", owner, lesson)
	}
	m, id := currentControl(p.e.f, th, verb+"|")
	if id == "" {
		p.t.Fatalf("no %s control on %s's card", verb, owner)
	}
	return p.interact(componentPayload(p.id(presser), presser, id, m))
}

// Answer is a form's submission in HTTP mode, a message in the thread over
// the gateway.
func (p *suitePlatform) Answer(writer, owner, lesson, text string) {
	th, ok := p.threadID(owner, lesson)
	if !ok {
		p.t.Fatalf("%s has no thread of %s", owner, lesson)
	}
	if p.mode == discord.ModeHTTP {
		// The latest question's Answer (its form stays open to be sent
		// after the card moved on).
		var id string
		for _, m := range p.e.f.channelMessages(th) {
			for _, b := range buttonsOf(m) {
				if strings.HasPrefix(b.CustomID, "dc.answer|") {
					id = b.CustomID
				}
			}
		}
		if id == "" {
			p.t.Fatalf("no Answer button in %s's thread", owner)
		}
		p.interact(modalPayload(p.id(writer), writer, id, th, text))
		return
	}
	id := p.e.nextID()
	p.e.f.push("MESSAGE_CREATE", map[string]any{"id": id, "channel_id": th, "guild_id": "guild1", "type": 0,
		"content": text, "author": map[string]any{"id": writer, "username": writer}})
	// Gateway events are handled in order: once a later interaction
	// (a command no one registered, answered at once) is answered, the
	// message was taken or dropped.
	p.interact(commandPayload(p.e.nextID(), writer, "no-such-command"))
}

func (p *suitePlatform) Restart() {
	f, path := p.e.f, p.e.dbPath
	now := p.e.now
	p.e.stop()
	p.e = p.start(f, path)
	p.e.now = now
}

func (p *suitePlatform) Send(ctx context.Context, to coursebot.Learner, replies []bot.Reply) error {
	return p.e.a.Send(ctx, to, replies)
}

func (p *suitePlatform) SendChannel(ctx context.Context, channel string, replies []bot.Reply) error {
	return p.e.a.SendChannel(ctx, channel, replies)
}

func (p *suitePlatform) Channel() string { return suiteChannel }

// Files are the attachments posted in the channel, or in user's direct
// messages and the follow-ups to their interactions.
func (p *suitePlatform) Files(to string) []bot.File {
	var msgs []fakeMessage
	if to == suiteChannel {
		msgs = p.e.f.channelMessages(suiteChannel)
	} else {
		msgs = p.e.f.channelMessages("dm-" + to)
		p.mu.Lock()
		var ids []string
		for id, u := range p.users {
			if u == to {
				ids = append(ids, id)
			}
		}
		p.mu.Unlock()
		for _, id := range ids {
			msgs = append(msgs, p.e.f.channelMessages("followups:itok-"+id)...)
		}
	}
	var out []bot.File
	for _, m := range withFile(msgs) {
		for _, a := range m.Attachments {
			out = append(out, bot.File{Name: a.Filename, Data: a.Data, Alt: a.Description})
		}
	}
	return out
}

func (suiteHarness) Faults() []bottest.Fault {
	fault := func(path string, status int, body string) func(bottest.Platform) func() int {
		return func(bp bottest.Platform) func() int {
			f := bp.(*suitePlatform).e.f
			var mu sync.Mutex
			n := 0
			f.setFault(func(r *http.Request, _ []byte) (int, string, bool) {
				if r.Method == "POST" && strings.TrimPrefix(r.URL.Path, "/api/v10") == path {
					mu.Lock()
					n++
					mu.Unlock()
					return status, body, true
				}
				return 0, "", false
			})
			return func() int { mu.Lock(); defer mu.Unlock(); return n }
		}
	}
	const cannotDM = `{"code":50007,"message":"Cannot send messages to this user"}`
	return []bottest.Fault{
		{Name: "DMs closed (403, 50007)", Permanent: true, User: "9", Set: fault("/channels/dm-9/messages", 403, cannotDM)},
		{Name: "50007 on a 400", Permanent: true, User: "9", Set: fault("/channels/dm-9/messages", 400, cannotDM)},
		{Name: "unknown user (10013)", Permanent: true, User: "9", Set: fault("/users/@me/channels", 400, `{"code":10013,"message":"Unknown User"}`)},
		{Name: "DM channel gone (404)", Permanent: true, User: "9", Set: fault("/channels/dm-9/messages", 404, `{"code":10003,"message":"Unknown Channel"}`)},
		{Name: "bad token (401)", Permanent: true, User: "9", Set: fault("/users/@me/channels", 401, `{"code":0,"message":"401: Unauthorized"}`)},
		{Name: "unknown channel (10003)", Permanent: true, Channel: suiteChannel, Set: fault("/channels/777/messages", 404, `{"code":10003,"message":"Unknown Channel"}`)},
		{Name: "missing access (403)", Permanent: true, Channel: suiteChannel, Set: fault("/channels/777/messages", 403, `{"code":50001,"message":"Missing Access"}`)},
		// The same body stays invalid.
		{Name: "bad request (400)", Permanent: true, Channel: suiteChannel, Set: fault("/channels/777/messages", 400, `{"code":50035,"message":"Invalid Form Body"}`)},
		{Name: "5xx on a DM", User: "9", Set: fault("/channels/dm-9/messages", 503, `{"message":"unavailable"}`)},
		{Name: "5xx on a channel", Channel: suiteChannel, Set: fault("/channels/777/messages", 500, `{"message":"oops"}`)},
	}
}

func (p *suitePlatform) EditInterval() time.Duration { return discord.LiveEditInterval }

// Shutdown closes the adapter's pipeline while its endpoint still takes
// interactions.
func (p *suitePlatform) Shutdown(user string) (string, int) {
	p.e.a.Close()
	told := p.interact(commandPayload(p.id(user), user, bottest.Status))
	items, err := p.e.db.InboxItems(context.Background())
	if err != nil {
		p.t.Fatal(err)
	}
	return told, len(items)
}

func (p *suitePlatform) Logs() string { return p.e.logs.String() }

// Secrets is the bot token (the public key is not secret; interaction
// tokens are kept out of the logs too: TestHTTPLearnerCompletesLesson44).
func (p *suitePlatform) Secrets() []string { return []string{testToken} }
