package discord_test

import (
	"bytes"
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/coursebot/coursebot"
	"github.com/coursebot/coursebot/bot"
	"github.com/coursebot/coursebot/bot/discord"
)

// replyHandler answers every message with fixed replies.
type replyHandler []bot.Reply

func (h replyHandler) Handle(context.Context, bot.Message) ([]bot.Reply, error) { return h, nil }

func csvFile() *bot.File {
	return &bot.File{Name: "progress-spring.csv", Title: "Progress of cohort spring",
		Data: []byte("learner,name,lesson_4-4\ndiscord:1,Ann,completed\ndiscord:2,\"Bo, Jr\",step 3/12\n")}
}

var shortText = bot.Block{Kind: bot.BlockMarkdown, Text: "The table is attached as `progress-spring.csv`."}

// withFile returns the messages in channel that carry attachments.
func withFile(ms []fakeMessage) []fakeMessage {
	var out []fakeMessage
	for _, m := range ms {
		if len(m.Attachments) > 0 {
			out = append(out, m)
		}
	}
	return out
}

// checkUpload: exactly one message carries one files[0] part with the file.
func checkUpload(t *testing.T, ms []fakeMessage, f *bot.File) fakeMessage {
	t.Helper()
	got := withFile(ms)
	if len(got) != 1 || len(got[0].Attachments) != 1 {
		t.Fatalf("messages with files: %+v, want one with one file", got)
	}
	at := got[0].Attachments[0]
	if at.Field != "files[0]" || at.Filename != f.Name || !bytes.Equal(at.Data, f.Data) || !strings.HasPrefix(at.ContentType, "text/csv") {
		t.Errorf("part %s %q (%s) = %q, want files[0] %q (text/csv) = %q", at.Field, at.Filename, at.ContentType, at.Data, f.Name, f.Data)
	}
	return got[0]
}

// TestFileUploads: a reply's File reaches the fake REST API as a
// multipart/form-data message whose files[0] part holds the bytes: in the
// cohort channel and a learner's DM (with a nonce), and as an ephemeral
// follow-up to a slash command whose answer is ephemeral. (That the file
// arrives at all, and that empty and oversized files are refused, is the
// conformance suite's: TestConformance.)
func TestFileUploads(t *testing.T) {
	t.Parallel()
	f := csvFile()
	t.Run("channel", func(t *testing.T) {
		e := newEnv(t, discord.ModeGateway, nil, "", false)
		e.f.mu.Lock()
		e.f.channels["777"] = &fakeChannel{ID: "777"}
		e.f.mu.Unlock()
		if err := e.a.SendChannel(context.Background(), "777", []bot.Reply{{Title: "Weekly export", Blocks: []bot.Block{shortText}, File: f}}); err != nil {
			t.Fatal(err)
		}
		ms := e.f.channelMessages("777")
		m := checkUpload(t, ms, f)
		if m.Nonce == "" || ms[len(ms)-1].ID != m.ID || !strings.Contains(ms[0].Content, "attached") {
			t.Errorf("want the text first, then the file with a nonce: %+v", ms)
		}
	})
	t.Run("direct message", func(t *testing.T) {
		e := newEnv(t, discord.ModeGateway, nil, "", false)
		if err := e.a.Send(context.Background(), coursebot.Learner{Platform: discord.Platform, UserID: "5"}, []bot.Reply{{Blocks: []bot.Block{shortText}, File: f}}); err != nil {
			t.Fatal(err)
		}
		checkUpload(t, e.f.channelMessages("dm-5"), f)
	})
	t.Run("ephemeral command answer", func(t *testing.T) {
		h := replyHandler{{Ephemeral: true, Title: "Progress of cohort spring (CSV)", Blocks: []bot.Block{shortText}, File: f}}
		e := newEnvWith(t, discord.ModeHTTP, nil, "", false, h)
		id := e.nextID()
		if typ := e.deliver(commandPayload(id, "u4", "status")); typ != 5 {
			t.Fatalf("response type %d, want 5 (deferred)", typ)
		}
		var ms []fakeMessage
		waitFor(t, "the file follow-up", func() bool { ms = e.f.channelMessages("followups:itok-" + id); return len(withFile(ms)) > 0 })
		m := checkUpload(t, ms, f)
		if m.Flags&64 == 0 {
			t.Errorf("file follow-up flags %d, want ephemeral (64)", m.Flags)
		}
	})
	t.Run("retry after an applied 500 is not doubled", func(t *testing.T) {
		e := newEnv(t, discord.ModeGateway, nil, "", false)
		e.f.mu.Lock()
		e.f.channels["777"] = &fakeChannel{ID: "777"}
		e.f.mu.Unlock()
		failed := false
		e.f.setFault(func(r *http.Request, _ []byte) (int, string, bool) {
			if !failed && strings.HasPrefix(r.Header.Get("Content-Type"), "multipart/") {
				failed = true
				return 0, `{"message":"oops"}`, true // created, then answered 500
			}
			return 0, "", false
		})
		if err := e.a.SendChannel(context.Background(), "777", []bot.Reply{{Blocks: []bot.Block{shortText}, File: f}}); err != nil {
			t.Fatal(err)
		}
		if !failed {
			t.Fatal("the fault never fired")
		}
		checkUpload(t, e.f.channelMessages("777"), f)
	})
}
