package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/coursebot/coursebot/store"
)

// codeRE finds a link code in what the bot posted.
var codeRE = regexp.MustCompile(`[A-HJ-KM-NP-Z2-9]{4}-[A-HJ-KM-NP-Z2-9]{4}`)

// linkEnv drives one serve (Slack and Discord over their wire fakes, one
// bbolt file) and keeps a transcript of what each side typed and got.
type linkEnv struct {
	*serveEnv
	t          *testing.T
	transcript strings.Builder
	seen       struct{ slack, responses, discord int }
	n          int
	// discordName is the Discord user's global name ("Ada" when empty).
	discordName string
}

func (e *linkEnv) discordUser() string {
	name := e.discordName
	if name == "" {
		name = "Ada"
	}
	return fmt.Sprintf(`{"user":{"id":"777","username":%q,"global_name":%q}}`, strings.ToLower(name)+".d", name)
}

func (e *linkEnv) say(who, line string) {
	fmt.Fprintf(&e.transcript, "\n%s> %s\n", who, line)
}

// slackCommand sends /name text as Slack user U1 (Ada on Slack).
func (e *linkEnv) slackCommand(name, text string) {
	e.t.Helper()
	e.say("slack U1", "/"+name+" "+text)
	form := url.Values{"command": {"/" + name}, "text": {text}, "user_id": {"U1"}, "user_name": {"ada"},
		"channel_id": {"D1"}, "team_id": {"T1"}, "response_url": {e.api.responseURL("U1")}, "trigger_id": {"trig"}}
	code, body := e.slackPost("/slack/commands", form.Encode())
	if code != 200 {
		e.t.Fatalf("/%s on Slack: HTTP %d", name, code)
	}
	if body != "" {
		e.api.mu.Lock()
		e.api.responses = append(e.api.responses, body) // answered in the HTTP response itself
		e.api.mu.Unlock()
	}
	e.settle()
}

func (e *linkEnv) slackPress(label, action string) {
	e.t.Helper()
	e.say("slack U1", "[press "+label+"]")
	e.n++
	if code := e.press("U1", label, action, 1000+e.n); code != 200 {
		e.t.Fatalf("press %s on Slack: HTTP %d", label, code)
	}
	e.settle()
}

// discord sends an interaction as Discord user 777 (Ada on Discord).
func (e *linkEnv) discordCommand(name, value string) {
	e.t.Helper()
	e.say("discord 777", strings.TrimSpace("/"+name+" "+value))
	e.n++
	opts := "[]"
	if value != "" {
		opts = fmt.Sprintf(`[{"name":"args","type":3,"value":%q}]`, value)
	}
	body := fmt.Sprintf(`{"id":"%d","application_id":"4242","type":2,"token":"ltok-%d","version":1,"channel_id":"c1","guild_id":"g1",
		"member":%s,"data":{"id":"9","name":%q,"type":1,"options":%s}}`, 5000+e.n, e.n, e.discordUser(), name, opts)
	if code, _ := e.discordPost(body); code != 200 {
		e.t.Fatalf("/%s on Discord: HTTP %d", name, code)
	}
	e.settle()
}

func (e *linkEnv) discordPress(label, channel, customID string) {
	e.t.Helper()
	e.say("discord 777", "[press "+label+"]")
	e.n++
	body := fmt.Sprintf(`{"id":"%d","application_id":"4242","type":3,"token":"lptok-%d","version":1,"channel_id":%q,"guild_id":"g1",
		"member":%s,"message":{"id":"m%d","channel_id":%q},
		"data":{"custom_id":%q,"component_type":2}}`, 5000+e.n, e.n, channel, e.discordUser(), e.n, channel, customID)
	if code, _ := e.discordPost(body); code != 200 {
		e.t.Fatalf("press %s on Discord: HTTP %d", label, code)
	}
	e.settle()
}

// settle waits until the bot has nothing left to do, then writes what it
// posted meanwhile to the transcript.
func (e *linkEnv) settle() {
	e.t.Helper()
	e.waitMetric("coursebot_inbox_depth 0") // the signal: nothing waits on the clock
	e.api.mu.Lock()
	slack, responses, disc := e.api.slackBodies[e.seen.slack:], e.api.responses[e.seen.responses:], e.api.discordBodies[e.seen.discord:]
	e.seen.slack, e.seen.responses, e.seen.discord = len(e.api.slackBodies), len(e.api.responses), len(e.api.discordBodies)
	e.api.mu.Unlock()
	for _, b := range responses {
		if t := slackText(b); t != "" {
			fmt.Fprintf(&e.transcript, "  [slack] %s\n", indent(t))
		}
	}
	for _, b := range slack {
		if t := slackText(b); t != "" {
			fmt.Fprintf(&e.transcript, "  [slack%s] %s\n", slackEdit(b), indent(t))
		}
	}
	for _, b := range disc {
		if t := discordText(b); t != "" {
			fmt.Fprintf(&e.transcript, "  [discord %s] %s\n", discordWhere(b), indent(t))
		}
	}
}

// slackEdit says ", edit" of a Web API call that changes a message the
// bot posted before (chat.update names its ts).
func slackEdit(body string) string {
	var m map[string]any
	if json.Unmarshal([]byte(body), &m) != nil {
		form, _ := url.ParseQuery(body)
		if form.Get("ts") != "" {
			return ", edit"
		}
		return ""
	}
	if _, ok := m["ts"]; ok {
		return ", edit"
	}
	return ""
}

func indent(s string) string { return strings.ReplaceAll(strings.TrimSpace(s), "\n", "\n    ") }

// slackText is the readable text of a Slack post or response: its
// sections and buttons.
func slackText(body string) string {
	var m map[string]any
	if json.Unmarshal([]byte(body), &m) != nil {
		form, _ := url.ParseQuery(body)
		if bl := form.Get("blocks"); bl != "" {
			m = map[string]any{}
			var blocks any
			_ = json.Unmarshal([]byte(bl), &blocks)
			m["blocks"] = blocks
		} else {
			return ""
		}
	}
	var out []string
	blocks, _ := m["blocks"].([]any)
	for _, b := range blocks {
		bm, _ := b.(map[string]any)
		if t, ok := bm["text"].(map[string]any); ok {
			out = append(out, fmt.Sprint(t["text"]))
		}
		if els, ok := bm["elements"].([]any); ok {
			var labels []string
			for _, el := range els {
				em, _ := el.(map[string]any)
				if em["type"] == "checkboxes" {
					out = append(out, checkboxLines(em)...)
					continue
				}
				if t, ok := em["text"].(map[string]any); ok {
					labels = append(labels, "["+fmt.Sprint(t["text"])+"]")
				} else if s, ok := em["text"].(string); ok {
					labels = append(labels, s)
				}
			}
			if len(labels) > 0 {
				out = append(out, strings.Join(labels, " "))
			}
		}
	}
	return strings.Join(out, "\n")
}

// checkboxLines are a Slack checkboxes element's options, "[x] item" where
// the element shows a tick.
func checkboxLines(el map[string]any) []string {
	ticked := map[string]bool{}
	initial, _ := el["initial_options"].([]any)
	for _, o := range initial {
		om, _ := o.(map[string]any)
		ticked[fmt.Sprint(om["value"])] = true
	}
	var out []string
	options, _ := el["options"].([]any)
	for _, o := range options {
		om, _ := o.(map[string]any)
		t, _ := om["text"].(map[string]any)
		box := "[ ]"
		if ticked[fmt.Sprint(om["value"])] {
			box = "[x]"
		}
		out = append(out, box+" "+fmt.Sprint(t["text"]))
	}
	return out
}

var contentRE = regexp.MustCompile(`"content":("(?:[^"\\]|\\.)*")`)
var buttonLabelRE = regexp.MustCompile(`"label":("(?:[^"\\]|\\.)*")`)

// discordText is the content and button labels of a Discord post or edit.
func discordText(call string) string {
	var out []string
	for _, m := range contentRE.FindAllStringSubmatch(call, -1) {
		var s string
		if json.Unmarshal([]byte(m[1]), &s) == nil && s != "" {
			out = append(out, s)
		}
	}
	var labels []string
	for _, m := range buttonLabelRE.FindAllStringSubmatch(call, -1) {
		var s string
		if json.Unmarshal([]byte(m[1]), &s) == nil {
			labels = append(labels, "["+s+"]")
		}
	}
	if len(labels) > 0 {
		out = append(out, strings.Join(labels, " "))
	}
	return strings.Join(out, "\n")
}

func discordWhere(call string) string {
	f := strings.Fields(call)
	if len(f) < 2 {
		return ""
	}
	p := strings.TrimPrefix(f[1], "/discord/api/v10/")
	if strings.HasPrefix(p, "webhooks/") {
		return "reply to the command"
	}
	if ch, _, ok := strings.Cut(strings.TrimPrefix(p, "channels/"), "/"); ok {
		if f[0] == "PATCH" {
			return "channel " + ch + ", edit"
		}
		return "channel " + ch
	}
	return p
}

// lastCustomID is the custom_id of the last Discord button labelled label.
func (e *linkEnv) lastCustomID(label string) (channel, id string) {
	e.api.mu.Lock()
	defer e.api.mu.Unlock()
	re := regexp.MustCompile(`"label":"` + regexp.QuoteMeta(label) + `"[^}]*?"custom_id":("(?:[^"\\]|\\.)*")|"custom_id":("(?:[^"\\]|\\.)*")[^}]*?"label":"` + regexp.QuoteMeta(label) + `"`)
	for i := len(e.api.discordBodies) - 1; i >= 0; i-- {
		b := e.api.discordBodies[i]
		if m := re.FindStringSubmatch(b); m != nil {
			raw := m[1]
			if raw == "" {
				raw = m[2]
			}
			_ = json.Unmarshal([]byte(raw), &id)
			if ch, ok := strings.CutPrefix(strings.Fields(b)[1], "/discord/api/v10/channels/"); ok {
				channel, _, _ = strings.Cut(ch, "/")
			}
			return channel, id
		}
	}
	return "", ""
}

// TestLinkSlackDiscordAndConsole: Ada takes Lesson 4.4 on Slack, starts it
// on Discord too, links the two with /link; Discord then resumes the
// lesson at Slack's card in a Discord thread of its own (nothing is posted
// into the Slack thread), goes on, and Slack's /status shows where Discord
// got to. The console, on the same file once serve is stopped, joins with
// a code from Discord. One row in the cohort's table, one learner for
// the scheduler; coursebot links lists and undoes the link. The code
// never reaches the log. The transcript is kept in $COURSEBOT_TRANSCRIPTS.
func TestLinkSlackDiscordAndConsole(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	e := &linkEnv{serveEnv: startServeIn(t, dir, "admins: [slack:U1]\n"), t: t}
	ctx := context.Background()

	// Slack: Ada starts the lesson, answers the opener, goes to card 5.
	e.slackCommand("start-4-4", "")
	for i := 0; i < 4; i++ {
		c := e.cards[i]
		if c.question != "" {
			e.say("slack U1", "[answers in the modal] MLOps ships models like software.")
			if code := e.answer("U1", c.question, "MLOps ships models like software.", i); code != 200 {
				t.Fatalf("answer: %d", code)
			}
			e.settle()
		}
		e.slackPress("Next", "next|4-4|"+c.key)
	}
	e.slackCommand("cohort", "create spring")
	code := ""
	for _, r := range e.api.responses {
		if m := regexp.MustCompile("`([a-z0-9]+)`").FindStringSubmatch(slackText(r)); m != nil && strings.Contains(slackText(r), "Join code") {
			code = m[1]
		}
	}
	if code == "" {
		t.Fatalf("no join code:\n%s", e.transcript.String())
	}
	e.slackCommand("cohort", "join "+code)

	// Discord: Ada, not linked yet, is a stranger: the lesson starts afresh.
	e.discordCommand("start-4-4", "")
	// Slack: /link gives a code.
	e.slackCommand("link", "")
	linkCode := lastMatch(e.api.responses, codeRE)
	if linkCode == "" {
		t.Fatalf("no link code in Slack's answers:\n%s", e.transcript.String())
	}
	// Typed wrongly, then on the wrong account (Slack itself), then right.
	e.discordCommand("link", "AAAA-BBBB")
	e.slackCommand("link", linkCode)
	slackPostsBefore := e.api.count("slack chat.postMessage")
	e.discordCommand("link", strings.ToLower(linkCode))
	e.discordCommand("link", linkCode) // used now

	// Discord: /status is the person's; /start-4-4 offers Resume at Slack's card.
	e.discordCommand("status", "")
	e.discordCommand("start-4-4", "")
	ch, resume := e.lastCustomID("Resume")
	if resume == "" {
		t.Fatalf("no Resume on Discord:\n%s", e.transcript.String())
	}
	e.discordPress("Resume", ch, resume)
	ch, next := e.lastCustomID("Next")
	if !strings.Contains(next, "|"+e.cards[4].key) {
		t.Errorf("Discord resumed at %q, want card 5 (%s)", next, e.cards[4].key)
	}
	e.discordPress("Next", ch, next)
	if n := e.api.count("slack chat.postMessage"); n != slackPostsBefore {
		t.Errorf("Discord's lesson posted %d messages to Slack", n-slackPostsBefore)
	}
	// Slack sees where Discord got to.
	e.slackCommand("status", "")
	if last := lastResponse(e.api.responses); !strings.Contains(last, "card 6 of 41") {
		t.Errorf("Slack's /status after Discord's Next: %s", last)
	}
	e.slackCommand("cohort", "progress spring")
	// A code for the console, from Discord.
	e.discordCommand("link", "")
	consoleCode := ""
	for _, b := range e.api.discordBodies {
		if strings.Contains(b, "Your link code") {
			consoleCode = codeRE.FindString(b)
		}
	}
	e.stop()
	if consoleCode == "" {
		t.Fatal("no code for the console")
	}

	// The console, on the same file.
	out, errOut, exit := runCLI(t, "/link "+consoleCode+"\n/status\n/start-4-4\nresume\n", "console", "--db", filepath.Join(dir, "coursebot.db"), "--user", "ada")
	fmt.Fprintf(&e.transcript, "\n==== coursebot console --user ada (same database, serve stopped)\n%s", out)
	if exit != 0 {
		t.Fatalf("console: %d %s", exit, errOut)
	}
	for _, want := range []string{"Linked: this console account and your Slack account (U1) and your Discord account (777) are one learner now",
		"▶️ 4.4 Capstone: in progress", "card 6 of 41"} {
		if !strings.Contains(out, want) {
			t.Errorf("the console lacks %q", want)
		}
	}
	// Admins: coursebot links.
	out, errOut, exit = runCLI(t, "", "links", "--db", filepath.Join(dir, "coursebot.db"))
	fmt.Fprintf(&e.transcript, "\n==== coursebot links\n%s", out)
	if exit != 0 || !strings.Contains(out, "slack:U1") || !strings.Contains(out, "discord:777") || !strings.Contains(out, "console:ada") {
		t.Errorf("coursebot links: %d %s %s", exit, out, errOut)
	}

	st, err := store.Open(filepath.Join(dir, "coursebot.db"), store.Options{LockTimeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	person, ids, err := st.Person(ctx, "console:ada")
	if err != nil || person != "slack:U1" || !slices.Equal(ids, []string{"slack:U1", "console:ada", "discord:777"}) {
		t.Errorf("person %s %v (%v)", person, ids, err)
	}
	learners, _ := st.Learners(ctx)
	if !slices.Equal(learners, []string{"slack:U1"}) {
		t.Errorf("learners %v: the scheduler would reach the person more than once", learners)
	}
	ms, _ := st.Members(ctx, "spring")
	if len(ms) != 1 || ms[0].Learner != "slack:U1" {
		t.Errorf("members %+v", ms)
	}
	p, _ := st.Progress(ctx, "discord:777", "4-4")
	if p.CardIndex != 5 || p.Answers[e.cards[1].question].Text == "" && p.Answers[e.cards[2].question].Text == "" {
		t.Errorf("progress %+v", p)
	}
	threads := 0
	for _, who := range []string{"slack:U1", "discord:777"} {
		if th, ok, _ := st.ThreadFor(ctx, strings.Split(who, ":")[0], who, "4-4"); ok && th.Learner == who {
			threads++
		}
	}
	if threads != 2 {
		t.Errorf("%d lesson threads, want one per platform", threads)
	}
	if via, _ := st.Reach(ctx, "slack:U1"); via != "console:ada" {
		t.Errorf("a DM goes to %s, want the console (used last)", via)
	}
	_ = st.Close()

	// The link code never reached the log, in any form.
	for _, c := range []string{linkCode, strings.ToLower(linkCode), consoleCode, strings.ReplaceAll(linkCode, "-", "")} {
		if strings.Contains(e.logs.String(), c) {
			t.Errorf("the link code %s is in the log", c)
		}
	}
	// Undo, data staying with Discord.
	out, _, exit = runCLI(t, "", "links", "undo", "--db", filepath.Join(dir, "coursebot.db"), "discord:777")
	fmt.Fprintf(&e.transcript, "\n==== coursebot links undo discord:777\n%s", out)
	if exit != 0 || !strings.Contains(out, "discord:777 keeps") {
		t.Errorf("links undo: %d %s", exit, out)
	}
	if d := os.Getenv("COURSEBOT_TRANSCRIPTS"); d != "" {
		if err := os.WriteFile(filepath.Join(d, "link-slack-discord-console.txt"), []byte(e.transcript.String()), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if t.Failed() {
		t.Log(e.transcript.String())
	}
}

func lastMatch(bodies []string, re *regexp.Regexp) string {
	for i := len(bodies) - 1; i >= 0; i-- {
		if m := re.FindString(bodies[i]); m != "" {
			return m
		}
	}
	return ""
}

func lastResponse(bodies []string) string {
	if len(bodies) == 0 {
		return ""
	}
	return slackText(bodies[len(bodies)-1])
}
