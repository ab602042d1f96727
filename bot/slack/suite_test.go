package slack

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/coursebot/coursebot"
	"github.com/coursebot/coursebot/bot"
	"github.com/coursebot/coursebot/bot/bottest"
	"github.com/coursebot/coursebot/ratelimit/ratelimittest"
	"github.com/coursebot/coursebot/store"
)

// TestConformance runs the adapter conformance suite (bot/bottest) against
// the Slack adapter and its wire fake, lessons opening in threads of a
// shared channel (so that a card can be pressed by someone else).
func TestConformance(t *testing.T) {
	t.Parallel()
	bottest.Run(t, suiteHarness{})
}

type suiteHarness struct{}

func (suiteHarness) Cannot() map[bottest.Case]string { return nil }

// The suite's channel, where lessons open (PlaceChannel), and the one it
// posts to outside a conversation.
const (
	suiteChannel = "C1"
	suiteCohort  = "C0COHORT"
)

func (suiteHarness) Start(t *testing.T, c bottest.Config) bottest.Platform {
	p := &suitePlatform{t: t, handler: c.Handler}
	fake := newFakeSlack(t)
	if c.Clock != nil {
		fake = newFakeSlackOn(t, c.Clock.Pace(ratelimittest.Fast()))
	}
	p.mod = func(o *Options) {
		o.Placement = PlaceChannel
		o.Attempts = 3
		if c.Clock != nil {
			o.Now = c.Clock.Now
		}
	}
	p.h = newHarnessFake(t, fake, p.handle, p.mod)
	return p
}

type suitePlatform struct {
	t       *testing.T
	h       *harness
	handler bot.Handler
	mod     func(*Options)
	events  int
}

func (p *suitePlatform) handle(*store.DB) bot.Handler { return p.handler }

// slackUser is the suite's user name as a Slack user id ("a" is UA; its
// direct messages are DA).
func slackUser(user string) string { return "U" + strings.ToUpper(user) }

func (p *suitePlatform) Learner(user string) coursebot.Learner {
	return coursebot.Learner{Platform: Platform, UserID: slackUser(user)}
}

func (p *suitePlatform) responses() []map[string]any { _, _, r := p.h.fake.snapshot(); return r }

// told is what the responses after the first n said, one a line.
func (p *suitePlatform) told(n int) []string {
	var out []string
	for _, r := range p.responses()[n:] {
		if s, _ := r["text"].(string); s != "" {
			out = append(out, s)
		}
	}
	return out
}

func (p *suitePlatform) Command(user, name string) string {
	n := len(p.responses())
	code, body := p.h.command(slackUser(user), name, suiteChannel)
	if code != 200 {
		p.t.Fatalf("/%s: HTTP %d %s", name, code, body)
	}
	p.h.idle()
	var answer struct {
		Text string `json:"text"`
	}
	if json.Unmarshal([]byte(body), &answer) != nil {
		answer.Text = body
	}
	return strings.Join(append([]string{answer.Text}, p.told(n)...), "\n")
}

func (p *suitePlatform) thread(owner, lesson string) (coursebot.Thread, bool) {
	th, ok, err := p.h.db.ThreadFor(context.Background(), Platform, Platform+":"+slackUser(owner), lesson)
	if err != nil {
		p.t.Fatalf("thread of %s: %v", owner, err)
	}
	return th, ok
}

func (p *suitePlatform) Thread(owner, lesson string) []bottest.Post {
	th, ok := p.thread(owner, lesson)
	if !ok {
		return nil
	}
	var out []bottest.Post
	for _, m := range p.h.fake.thread(th.Channel, th.ThreadID) {
		if len(m.Blocks) > 50 {
			p.t.Errorf("message %s: %d blocks", m.TS, len(m.Blocks))
		}
		for _, b := range m.Blocks {
			if txt, _ := b["text"].(map[string]any); txt != nil {
				if s, _ := txt["text"].(string); utf8.RuneCountInString(s) > maxSectionText {
					p.t.Errorf("message %s: a section of %d characters", m.TS, utf8.RuneCountInString(s))
				}
			}
		}
		out = append(out, bottest.Post{Text: m.Text + "\n" + sectionTexts(m), Edits: m.Updates, Buttons: buttonLabels(m)})
	}
	return out
}

func buttonLabels(m fakeMsg) []string {
	var out []string
	for _, b := range m.Blocks {
		els, _ := b["elements"].([]any)
		for _, e := range els {
			el, _ := e.(map[string]any)
			if el["type"] != "button" {
				continue
			}
			if txt, _ := el["text"].(map[string]any); txt != nil {
				out = append(out, fmt.Sprint(txt["text"]))
			}
		}
	}
	return out
}

func (p *suitePlatform) Press(presser, owner, lesson, verb string) string {
	th, ok := p.thread(owner, lesson)
	if !ok {
		p.t.Fatalf("%s has no thread of %s", owner, lesson)
	}
	content, ctrl := currentCard(p.t, p.h.fake.thread(th.Channel, th.ThreadID))
	n := len(p.responses())
	switch verb {
	case bot.VerbNext:
		p.h.press(slackUser(presser), ctrl, navButton(ctrl, "Next"))
	case bot.VerbCheck:
		m, el, ok := firstControl(content, actCheck)
		if !ok {
			p.t.Fatalf("no checklist on %s's card", owner)
		}
		opts, _ := el["options"].([]any)
		first, _ := opts[0].(map[string]any)
		p.h.press(slackUser(presser), m, el["action_id"].(string), first["value"].(string))
	default:
		p.t.Fatalf("no control of verb %s", verb)
	}
	p.h.idle()
	for _, r := range p.responses()[n:] {
		if r["response_type"] == "ephemeral" && r["replace_original"] != true {
			return fmt.Sprint(r["text"])
		}
	}
	return ""
}

// Answer is a message in the owner's thread, as Slack's Events API
// delivers it.
func (p *suitePlatform) Answer(writer, owner, lesson, text string) {
	th, ok := p.thread(owner, lesson)
	if !ok {
		p.t.Fatalf("%s has no thread of %s", owner, lesson)
	}
	p.events++
	if code := p.h.reply(slackUser(writer), th.Channel, th.ThreadID, text, fmt.Sprintf("EvSUITE%d", p.events)); code != 200 {
		p.t.Fatalf("event: HTTP %d", code)
	}
	p.h.idle()
}

func (p *suitePlatform) Restart() {
	p.h.stop()
	p.h.start(p.handle, p.mod)
}

func (p *suitePlatform) Send(ctx context.Context, to coursebot.Learner, replies []bot.Reply) error {
	return p.h.a.Send(ctx, to, replies)
}

func (p *suitePlatform) SendChannel(ctx context.Context, channel string, replies []bot.Reply) error {
	return p.h.a.SendChannel(ctx, channel, replies)
}

func (p *suitePlatform) Channel() string { return suiteCohort }

// Files are the files shared in the channel or in the user's direct
// messages (where Slack puts the files of ephemeral answers).
func (p *suitePlatform) Files(to string) []bot.File {
	where := to
	if to != suiteCohort {
		where = "D" + strings.TrimPrefix(slackUser(to), "U")
	}
	var out []bot.File
	for _, f := range p.h.fake.uploaded() {
		if f.Channel == where {
			out = append(out, bot.File{Name: f.Name, Title: f.Title, Data: f.Data, Alt: f.Alt})
		}
	}
	return out
}

func (suiteHarness) Faults() []bottest.Fault {
	refuse := func(code, key string) func(bottest.Platform) func() int {
		return func(bp bottest.Platform) func() int {
			f := bp.(*suitePlatform).h.fake
			f.refuse("chat.postMessage", key, code)
			n := f.count("chat.postMessage")
			return func() int { return f.count("chat.postMessage") - n }
		}
	}
	// Each post fails and was not made: the adapter finds it missing
	// from the history and posts again, up to its three attempts.
	fail := func(bp bottest.Platform) func() int {
		f := bp.(*suitePlatform).h.fake
		f.fail("chat.postMessage", fault{status: 500}, fault{status: 503}, fault{status: 500})
		n := f.count("chat.postMessage")
		return func() int { return f.count("chat.postMessage") - n }
	}
	var out []bottest.Fault
	for _, code := range []string{"cannot_dm_bot", "user_not_found", "user_disabled", "account_inactive", "invalid_auth"} {
		out = append(out, bottest.Fault{Name: code, Permanent: true, User: "9", Set: refuse(code, "U9")})
	}
	out = append(out, bottest.Fault{Name: "token_revoked on the DM post", Permanent: true, User: "9", Set: refuse("token_revoked", "D9")})
	for _, code := range []string{"channel_not_found", "not_in_channel", "is_archived", "not_authed",
		"msg_too_long"} { // the same message stays too long
		out = append(out, bottest.Fault{Name: code, Permanent: true, Channel: "C0X", Set: refuse(code, "C0X")})
	}
	return append(out,
		bottest.Fault{Name: "5xx on a DM after the retries", User: "9", Set: fail},
		bottest.Fault{Name: "5xx on a channel after the retries", Channel: "C0X", Set: fail})
}

func (p *suitePlatform) EditInterval() time.Duration { return LiveEditInterval }

// Shutdown ends Run while the routes still take requests.
func (p *suitePlatform) Shutdown(user string) (string, int) {
	p.h.cancel()
	if err := <-p.h.done; err != nil {
		p.t.Fatalf("Run: %v", err)
	}
	p.h.done <- nil // for the cleanup's stop
	code, body := p.h.command(slackUser(user), bottest.Status, suiteChannel)
	if code != 200 {
		p.t.Fatalf("/status after shutdown: HTTP %d", code)
	}
	items, err := p.h.db.InboxItems(context.Background())
	if err != nil {
		p.t.Fatal(err)
	}
	return body, len(items)
}

func (p *suitePlatform) Logs() string      { return p.h.logs.String() }
func (p *suitePlatform) Secrets() []string { return []string{testBotToken, testSecret} }
