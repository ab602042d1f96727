package discord_test

import (
	"bytes"
	"context"
	"errors"
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
// follow-up to a slash command whose answer is ephemeral.
func TestFileUploads(t *testing.T) {
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
	t.Run("empty and oversized files are refused", func(t *testing.T) {
		e := newEnv(t, discord.ModeGateway, nil, "", false)
		e.f.mu.Lock()
		e.f.channels["777"] = &fakeChannel{ID: "777"}
		e.f.mu.Unlock()
		for _, bad := range []*bot.File{{Name: "empty.csv"}, {Name: "huge.csv", Data: make([]byte, bot.MaxFileSize+1)}} {
			err := e.a.SendChannel(context.Background(), "777", []bot.Reply{{Blocks: []bot.Block{shortText}, File: bad}})
			if err == nil || !strings.Contains(err.Error(), bad.Name) {
				t.Errorf("%s: err = %v, want one naming the file", bad.Name, err)
			}
		}
		if got := withFile(e.f.channelMessages("777")); len(got) != 0 {
			t.Errorf("refused files were posted: %+v", got)
		}
	})
}

func isPermanent(err error) bool {
	p, ok := errors.AsType[interface {
		error
		Permanent() bool
	}](err)
	return ok && p.Permanent()
}

// TestPermanentSendErrors: REST failures no retry fixes come back from Send
// and SendChannel marked Permanent, and so is a bad request; a 5xx that
// outlasts the retries is not.
func TestPermanentSendErrors(t *testing.T) {
	nudge := []bot.Reply{{Blocks: []bot.Block{{Kind: bot.BlockMarkdown, Text: "You were halfway through Lesson 4.4."}}}}
	type fault struct {
		method, path string
		status       int
		body         string
	}
	tests := []struct {
		name      string
		fault     fault
		channel   bool // SendChannel to 777, else Send to user 9
		permanent bool
	}{
		{"DMs closed (403, 50007)", fault{"POST", "/channels/dm-9/messages", 403, `{"code":50007,"message":"Cannot send messages to this user"}`}, false, true},
		{"50007 on a 400", fault{"POST", "/channels/dm-9/messages", 400, `{"code":50007,"message":"Cannot send messages to this user"}`}, false, true},
		{"unknown user (10013)", fault{"POST", "/users/@me/channels", 400, `{"code":10013,"message":"Unknown User"}`}, false, true},
		{"DM channel gone (404)", fault{"POST", "/channels/dm-9/messages", 404, `{"code":10003,"message":"Unknown Channel"}`}, false, true},
		{"bad token (401)", fault{"POST", "/users/@me/channels", 401, `{"code":0,"message":"401: Unauthorized"}`}, false, true},
		{"unknown channel (10003)", fault{"POST", "/channels/777/messages", 404, `{"code":10003,"message":"Unknown Channel"}`}, true, true},
		{"missing access (403)", fault{"POST", "/channels/777/messages", 403, `{"code":50001,"message":"Missing Access"}`}, true, true},
		{"5xx on DM", fault{"POST", "/channels/dm-9/messages", 503, `{"message":"unavailable"}`}, false, false},
		{"5xx on channel", fault{"POST", "/channels/777/messages", 500, `{"message":"oops"}`}, true, false},
		{"bad request is permanent too (the same body stays invalid)", fault{"POST", "/channels/777/messages", 400, `{"code":50035,"message":"Invalid Form Body"}`}, true, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, discord.ModeGateway, nil, "", false)
			e.f.mu.Lock()
			e.f.channels["777"] = &fakeChannel{ID: "777"}
			e.f.mu.Unlock()
			e.f.setFault(func(r *http.Request, _ []byte) (int, string, bool) {
				if r.Method == tt.fault.method && strings.TrimPrefix(r.URL.Path, "/api/v10") == tt.fault.path {
					return tt.fault.status, tt.fault.body, true
				}
				return 0, "", false
			})
			var err error
			if tt.channel {
				err = e.a.SendChannel(context.Background(), "777", nudge)
			} else {
				err = e.a.Send(context.Background(), coursebot.Learner{Platform: discord.Platform, UserID: "9"}, nudge)
			}
			if err == nil {
				t.Fatal("send succeeded")
			}
			if got := isPermanent(err); got != tt.permanent {
				t.Errorf("permanent = %v, want %v (err %v)", got, tt.permanent, err)
			}
			if strings.Contains(err.Error(), testToken) {
				t.Errorf("token in the error: %v", err)
			}
		})
	}
}
