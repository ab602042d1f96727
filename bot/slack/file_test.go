package slack

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/coursebot/coursebot"
	"github.com/coursebot/coursebot/bot"
	"github.com/coursebot/coursebot/bot/bottest"
	"github.com/coursebot/coursebot/cohorts"
	"github.com/coursebot/coursebot/course"
	"github.com/coursebot/coursebot/lessons"
	"github.com/coursebot/coursebot/store"
)

// replyHandler answers every message with fixed replies.
type replyHandler []bot.Reply

func (h replyHandler) Handle(context.Context, bot.Message) ([]bot.Reply, error) { return h, nil }

func csvFile() *bot.File {
	data := []byte("learner,name,lesson_4-4\nslack:U1,Ann,completed\nslack:U2,\"Bo, Jr\",step 3/12\n")
	return &bot.File{Name: "progress-spring.csv", Title: "Progress of cohort spring", Data: data}
}

// TestFileUploads: a reply's File arrives at the fake Slack through the
// external-upload flow (getUploadURLExternal, the bytes POSTed to the
// upload_url as multipart, completeUploadExternal) byte for byte, shared
// where the reply belongs: the learner's DM for an ephemeral command answer
// and a nudge, the channel for a cohort post, the lesson thread for a card.
func TestFileUploads(t *testing.T) {
	t.Parallel()
	file := csvFile()
	short := bot.Block{Kind: bot.BlockMarkdown, Text: "The table is attached as `progress-spring.csv`."}
	tests := []struct {
		name        string
		run         func(t *testing.T, h *harness)
		wantChannel string
		inThread    bool
	}{
		{"ephemeral slash command answer goes to the DM", func(t *testing.T, h *harness) {
			code, body := h.command("U7", "cohort", "C0PUBLIC")
			if code != 200 || !strings.Contains(body, "progress-spring.csv") || !strings.Contains(body, "direct messages") {
				t.Errorf("command answer %d %s: want the short message and where the file went", code, body)
			}
			if strings.Contains(body, "Bo, Jr") {
				t.Errorf("the CSV was pasted into the message: %s", body)
			}
		}, "D7", false},
		{"nudge by DM", func(t *testing.T, h *harness) {
			if err := h.a.Send(context.Background(), coursebot.Learner{Platform: Platform, UserID: "U7"}, []bot.Reply{{Blocks: []bot.Block{short}, File: file}}); err != nil {
				t.Fatal(err)
			}
		}, "D7", false},
		{"cohort channel", func(t *testing.T, h *harness) {
			if err := h.a.SendChannel(context.Background(), "C0COHORT", []bot.Reply{{Title: "Weekly export", Blocks: []bot.Block{short}, File: file}}); err != nil {
				t.Fatal(err)
			}
		}, "C0COHORT", false},
		{"lesson thread", func(t *testing.T, h *harness) {
			card := bot.Reply{Lesson: "4-4", Card: "c", Title: "Card", Blocks: []bot.Block{short}, File: file,
				Buttons: []bot.Button{{Label: "Next", Action: "next|4-4|c"}}}
			if err := h.a.Send(context.Background(), coursebot.Learner{Platform: Platform, UserID: "U7"}, []bot.Reply{card}); err != nil {
				t.Fatal(err)
			}
		}, "D7", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t, func(*store.DB) bot.Handler {
				return replyHandler{{Ephemeral: true, Title: "Progress of cohort spring (CSV)", Blocks: []bot.Block{short}, File: file}}
			}, nil)
			tt.run(t, h)
			waitFor(t, func() bool { return len(h.fake.uploaded()) > 0 })
			h.idle()
			ups := h.fake.uploaded()
			if len(ups) != 1 {
				t.Fatalf("%d files shared, want 1: %+v", len(ups), ups)
			}
			up := ups[0]
			if !bytes.Equal(up.Data, file.Data) || up.Name != file.Name || up.Title != file.Title {
				t.Errorf("fake got %q %q %q, want %q %q %q", up.Name, up.Title, up.Data, file.Name, file.Title, file.Data)
			}
			if up.Channel != tt.wantChannel {
				t.Errorf("shared in %q, want %q", up.Channel, tt.wantChannel)
			}
			if tt.inThread {
				th := h.lessonThread("U7", "4-4")
				if up.ThreadTS == "" || up.ThreadTS != th.ThreadID {
					t.Errorf("shared in thread %q, want the lesson thread %q", up.ThreadTS, th.ThreadID)
				}
			} else if up.ThreadTS != "" {
				t.Errorf("shared in thread %q, want none", up.ThreadTS)
			}
		})
	}
}

// TestFileRefused: an empty or oversized file is an error before anything
// is uploaded, and a refused share comes back as Slack's error.
func TestFileRefused(t *testing.T) {
	t.Parallel()
	h := newHarness(t, stub(make(chan bot.Message, 8)), nil)
	ctx := context.Background()
	for _, f := range []*bot.File{
		{Name: "empty.csv"},
		{Name: "huge.csv", Data: make([]byte, bot.MaxFileSize+1)},
	} {
		if err := h.a.SendChannel(ctx, "C0COHORT", []bot.Reply{{Title: "x", File: f}}); err == nil || !strings.Contains(err.Error(), f.Name) {
			t.Errorf("%s: err = %v, want one naming the file", f.Name, err)
		}
	}
	if n := h.fake.count("files.getUploadURLExternal"); n != 0 {
		t.Errorf("%d upload URLs asked for refused files", n)
	}
	h.fake.refuse("files.completeUploadExternal", "C0SHUT", "is_archived")
	err := h.a.SendChannel(ctx, "C0SHUT", []bot.Reply{{Title: "x", File: csvFile()}})
	if !bottest.IsPermanent(err) || !strings.Contains(err.Error(), "is_archived") {
		t.Errorf("share in an archived channel: err = %v, want is_archived marked permanent", err)
	}
}

// TestCohortCSVEndToEnd: a lead's signed `/cohort progress spring csv`
// through the real cohorts handler and lesson engine: the ephemeral answer
// is the short message, and the CSV arrives at the fake's upload_url byte
// for byte, shared in the lead's DM.
func TestCohortCSVEndToEnd(t *testing.T) {
	t.Parallel()
	var ch *cohorts.Handler
	h := newHarness(t, func(db *store.DB) bot.Handler {
		loaded, err := course.LoadBuiltin()
		if err != nil {
			t.Fatal(err)
		}
		now := func() time.Time { return time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC) }
		eng := lessons.NewEngine(loaded, db, lessons.EngineOptions{Now: now, Log: slog.New(slog.DiscardHandler)})
		ch, err = cohorts.NewHandler(eng, cohorts.Options{Store: db, Course: func() *course.Course { return loaded },
			Admins: []string{"slack:UADMIN"}, DefaultTimezone: "UTC", Now: now, Log: slog.New(slog.DiscardHandler)})
		if err != nil {
			t.Fatal(err)
		}
		return ch
	}, nil)
	ctx := context.Background()
	admin := coursebot.Learner{Platform: Platform, UserID: "UADMIN"}
	for _, args := range []string{"create spring", "join spring slack:U1", "join spring slack:U2"} {
		if _, err := ch.Handle(ctx, bot.Message{Learner: admin, Kind: bot.KindCommand, Command: "cohort", Args: args}); err != nil {
			t.Fatal(err)
		}
	}
	for _, u := range []string{"U1", "U2"} { // an invitation shows nothing until accepted
		if _, err := ch.Handle(ctx, bot.Message{Learner: coursebot.Learner{Platform: Platform, UserID: u}, Kind: bot.KindCommand, Command: "cohort", Args: "accept spring"}); err != nil {
			t.Fatal(err)
		}
	}
	form := url.Values{"team_id": {"T1"}, "channel_id": {"C0PUBLIC"}, "user_id": {"UADMIN"}, "user_name": {"admin"},
		"command": {"/cohort"}, "text": {"progress spring csv"}, "api_app_id": {"A1"}, "response_url": {h.fake.responseURL()}, "trigger_id": {"1.2.3"}}
	code, body := h.send("/slack/commands", formType, form.Encode())
	if code != 200 || !strings.Contains(body, "progress-spring.csv") || strings.Contains(body, "slack:U2") {
		t.Errorf("answer %d %s: want the short message naming the file, no table", code, body)
	}
	waitFor(t, func() bool { return len(h.fake.uploaded()) > 0 })
	tab, err := ch.Progress(ctx, "spring")
	if err != nil {
		t.Fatal(err)
	}
	var want bytes.Buffer
	if err := tab.WriteCSV(&want); err != nil {
		t.Fatal(err)
	}
	ups := h.fake.uploaded()
	if len(ups) != 1 || ups[0].Channel != "DADMIN" || ups[0].Name != "progress-spring.csv" || !bytes.Equal(ups[0].Data, want.Bytes()) {
		t.Fatalf("uploads %+v, want progress-spring.csv in DADMIN with\n%s", ups, want.Bytes())
	}
	if !strings.Contains(string(ups[0].Data), "slack:U1") || !strings.Contains(string(ups[0].Data), "slack:U2") {
		t.Errorf("the CSV lacks the members:\n%s", ups[0].Data)
	}
}

// TestFileSlowAnswer: when the handler misses the fast answer, the text
// goes through response_url and the file still reaches the DM.
func TestFileSlowAnswer(t *testing.T) {
	t.Parallel()
	file := csvFile()
	slow := make(chan struct{})
	h := newHarness(t, func(*store.DB) bot.Handler {
		return slowHandler{hold: slow, r: replyHandler{{Ephemeral: true, Title: "Export", Blocks: []bot.Block{{Kind: bot.BlockMarkdown, Text: "attached"}}, File: file}}}
	}, func(o *Options) { o.FastAnswer = 10 * time.Millisecond })
	code, body := h.command("U8", "cohort", "C0PUBLIC")
	close(slow) // the answer is ready only after the request was answered
	if code != 200 || strings.Contains(body, "attached") {
		t.Fatalf("answer %d %q: want an empty 200 (the answer comes later)", code, body)
	}
	waitFor(t, func() bool { return len(h.fake.uploaded()) > 0 })
	h.idle()
	if ups := h.fake.uploaded(); len(ups) != 1 || ups[0].Channel != "D8" || !bytes.Equal(ups[0].Data, file.Data) {
		t.Fatalf("uploads %+v, want the file in D8", ups)
	}
	_, _, responses := h.fake.snapshot()
	found := false
	for _, r := range responses {
		if s, _ := r["text"].(string); s != "" {
			b, _ := json.Marshal(r)
			found = found || strings.Contains(string(b), "direct messages")
		}
	}
	if !found {
		t.Errorf("no response_url answer says where the file went: %v", responses)
	}
}

// slowHandler answers only once hold is closed: the test closes it after
// the request was answered, so the fast answer is always missed.
type slowHandler struct {
	hold <-chan struct{}
	r    bot.Handler
}

func (s slowHandler) Handle(ctx context.Context, m bot.Message) ([]bot.Reply, error) {
	<-s.hold
	return s.r.Handle(ctx, m)
}

// TestFileUploadFailsSaysOneTrueThing: the upload to the DM is refused
// (an app installed without files:write). The learner reads one sentence,
// that the file could not be sent; never first that it is in their DMs.
// Both when the answer fits the HTTP response and when it comes later
// through response_url.
func TestFileUploadFailsSaysOneTrueThing(t *testing.T) {
	t.Parallel()
	for _, slow := range []bool{false, true} {
		fake := newFakeSlack(t)
		fake.refuse("files.completeUploadExternal", "D7", "missing_scope")
		var hd bot.Handler = replyHandler{{Ephemeral: true, Title: "Export", Blocks: []bot.Block{{Kind: bot.BlockMarkdown, Text: "attached"}}, File: csvFile()}}
		fast, held := time.Minute, make(chan struct{})
		if slow {
			hd, fast = slowHandler{hold: held, r: hd}, 10*time.Millisecond
		}
		h := newHarnessFake(t, fake, func(*store.DB) bot.Handler { return hd }, func(o *Options) { o.FastAnswer = fast })
		code, body := h.command("U7", "cohort", "C0PUBLIC")
		close(held)
		if code != 200 {
			t.Fatalf("slow %v: answer %d %q", slow, code, body)
		}
		h.idle()
		said := []string{body}
		_, _, rs := fake.snapshot()
		for _, r := range rs {
			b, _ := json.Marshal(r)
			said = append(said, string(b))
		}
		all := strings.Join(said, "\n")
		if strings.Contains(all, "direct messages") || strings.Contains(all, "attached") {
			t.Errorf("slow %v: the learner was told the file was sent: %s", slow, all)
		}
		if n := strings.Count(all, "could not send you `progress-spring.csv`"); n != 1 {
			t.Errorf("slow %v: told %d times that the file could not be sent: %s", slow, n, all)
		}
		if n := len(fake.uploaded()); n != 0 {
			t.Errorf("slow %v: %d files shared despite the refusal", slow, n)
		}
	}
}
