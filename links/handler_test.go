package links_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/coursebot/coursebot"
	"github.com/coursebot/coursebot/bot"
	"github.com/coursebot/coursebot/links"
	"github.com/coursebot/coursebot/store"
)

var (
	slackAda   = coursebot.Learner{Platform: "slack", UserID: "U1", Name: "Ada"}
	discordAda = coursebot.Learner{Platform: "discord", UserID: "9", Name: "Ada"}
	codeRE     = regexp.MustCompile(`\*\*([A-Z2-9]{4}-[A-Z2-9]{4})\*\*`)
)

type env struct {
	t    *testing.T
	h    *links.Handler
	db   *store.DB
	path string
	now  time.Time
}

func newEnv(t *testing.T) *env {
	t.Helper()
	e := &env{t: t, path: filepath.Join(t.TempDir(), "l.db"), now: time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)}
	db, err := store.Open(e.path, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = db.Close() })
	e.db = db
	e.h, err = links.New(nil, links.Options{Store: db, Now: func() time.Time { return e.now }})
	if err != nil {
		t.Fatal(err)
	}
	return e
}

func (e *env) send(who coursebot.Learner, m bot.Message) string {
	e.t.Helper()
	m.Learner = who
	rs, err := e.h.Handle(context.Background(), m)
	if err != nil {
		e.t.Fatal(err)
	}
	var b strings.Builder
	for _, r := range rs {
		for _, bl := range r.Blocks {
			b.WriteString(bl.Text)
		}
		for _, btn := range r.Buttons {
			b.WriteString(" [" + btn.Label + "=" + btn.Action + "]")
		}
	}
	return b.String()
}

func (e *env) cmd(who coursebot.Learner, name, args string) string {
	return e.send(who, bot.Message{Kind: bot.KindCommand, Command: name, Args: args})
}

func TestLinkAndUnlinkThroughTheCommands(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	out := e.cmd(slackAda, "link", "")
	m := codeRE.FindStringSubmatch(out)
	if m == nil || !strings.Contains(out, "type `/link "+m[1]+"` within 10 min") {
		t.Fatalf("/link = %q", out)
	}
	// The code is kept as a hash only: not in the file.
	raw, err := os.ReadFile(e.path)
	if err != nil {
		t.Fatal(err)
	}
	for _, form := range []string{m[1], strings.ReplaceAll(m[1], "-", "")} {
		if bytes.Contains(raw, []byte(form)) {
			t.Errorf("the code %s is in the database file", form)
		}
	}
	if out := e.cmd(discordAda, "link", " "+strings.ToLower(m[1])+" "); !strings.Contains(out, "Linked: this Discord account and your Slack account (U1) are one learner now") {
		t.Fatalf("/link CODE = %q", out)
	}
	if out := e.cmd(discordAda, "unlink", ""); !strings.Contains(out, "Unlink this Discord account from your Slack account (U1)? Your lessons") || !strings.Contains(out, "[Unlink=unlink||||yes]") {
		t.Fatalf("/unlink = %q", out)
	}
	if out := e.send(discordAda, bot.Message{Kind: bot.KindAction, Action: "unlink||||no"}); !strings.Contains(out, "stay linked") {
		t.Errorf("Keep them linked = %q", out)
	}
	if _, ids, _ := e.db.Person(context.Background(), "discord:9"); len(ids) != 2 {
		t.Fatalf("identities %v after Keep them linked", ids)
	}
	if out := e.send(discordAda, bot.Message{Kind: bot.KindAction, Action: "unlink||||yes"}); !strings.Contains(out, "Unlinked. Your data stays with this Discord account; your Slack account (U1) is a new learner from now on.") {
		t.Errorf("Unlink = %q", out)
	}
	if out := e.cmd(discordAda, "unlink", ""); !strings.Contains(out, "not linked") {
		t.Errorf("a second /unlink = %q", out)
	}
}

func TestLinkRefusalsAreOneSentence(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	code := codeRE.FindStringSubmatch(e.cmd(slackAda, "link", ""))[1]
	for _, tt := range []struct {
		who  coursebot.Learner
		code string
		want string
	}{
		{discordAda, "ZZZZ-ZZZZ", "That is not a code I gave out"},
		{slackAda, code, "That code is for your other account"},
		{coursebot.Learner{Platform: "slack", UserID: "U2"}, code, "That code came from another Slack account"},
	} {
		out := e.cmd(tt.who, "link", tt.code)
		if !strings.HasPrefix(out, tt.want) || !strings.HasSuffix(out, "Nothing was changed.") || strings.Count(out, ". ") > 2 {
			t.Errorf("%s /link %s = %q", tt.who.Key(), tt.code, out)
		}
	}
	e.now = e.now.Add(11 * time.Minute)
	if out := e.cmd(discordAda, "link", code); !strings.HasPrefix(out, "That code has expired (a code lasts 10 min, ") {
		t.Errorf("an expired code = %q", out)
	}
	for range 4 {
		e.cmd(slackAda, "link", "")
	}
	if out := e.cmd(slackAda, "link", ""); !strings.HasPrefix(out, "You asked for 5 link codes in the last 1 h: try again in 49 min.") {
		t.Errorf("a sixth code = %q", out)
	}
}

// Linked accounts: a code between two accounts that are one learner
// already, and a code typed on an account linked with someone else, get
// one sentence each and leave the links as they were.
func TestLinkRefusalsOfLinkedAccounts(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	code := codeRE.FindStringSubmatch(e.cmd(slackAda, "link", ""))[1]
	if out := e.cmd(discordAda, "link", code); !strings.HasPrefix(out, "Linked:") {
		t.Fatalf("/link CODE = %q", out)
	}
	consoleBo := coursebot.Learner{Platform: "console", UserID: "bo"}
	for _, tt := range []struct {
		issuer, redeemer coursebot.Learner
		want             string
	}{
		{slackAda, discordAda, "These accounts are one learner already. Nothing was changed."},
		{consoleBo, discordAda, "This account is linked with another account already: type /unlink here first to link it elsewhere. Nothing was changed."},
	} {
		code := codeRE.FindStringSubmatch(e.cmd(tt.issuer, "link", ""))[1]
		if out := e.cmd(tt.redeemer, "link", code); out != tt.want {
			t.Errorf("%s's code on %s = %q, want %q", tt.issuer.Key(), tt.redeemer.Key(), out, tt.want)
		}
	}
	for who, want := range map[string][]string{"discord:9": {"slack:U1", "discord:9"}, "console:bo": {"console:bo"}} {
		if _, ids, err := e.db.Person(context.Background(), who); err != nil || !slices.Equal(ids, want) {
			t.Errorf("%s's accounts %v (%v), want %v", who, ids, err, want)
		}
	}
}
