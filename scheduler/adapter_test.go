package scheduler

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coursebot/coursebot"

	"github.com/coursebot/coursebot/bot"
	slackbot "github.com/coursebot/coursebot/bot/slack"
	"github.com/coursebot/coursebot/course"
	"github.com/coursebot/coursebot/ratelimit"
	"github.com/coursebot/coursebot/ratelimit/ratelimittest"
)

// fakeSlackAPI speaks the Web API method a DM needs (chat.postMessage to
// the learner's user id, which Slack posts in the app's DM with them,
// "D"+id here): users in blocked get Slack's cannot_dm_bot, flaky users a
// non-permanent error once.
type fakeSlackAPI struct {
	mu      sync.Mutex
	blocked map[string]bool
	flaky   map[string]int // remaining failures
	posts   map[string]int // DM channel -> messages
	tries   map[string]int // user -> posts asked for
	opens   int            // conversations.open calls
}

func (f *fakeSlackAPI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	form, _ := url.ParseQuery(string(body))
	f.mu.Lock()
	defer f.mu.Unlock()
	var out map[string]any
	switch strings.TrimPrefix(r.URL.Path, "/api/") {
	case "conversations.open":
		f.opens++
		out = map[string]any{"ok": true, "channel": map[string]any{"id": "D" + form.Get("users")}}
	case "chat.postMessage":
		ch := form.Get("channel")
		f.tries[ch]++
		switch {
		case f.blocked[ch]:
			out = map[string]any{"ok": false, "error": "cannot_dm_bot"}
		case f.flaky[ch] > 0:
			f.flaky[ch]--
			out = map[string]any{"ok": false, "error": "fatal_error"}
		default:
			if strings.HasPrefix(ch, "U") {
				ch = "D" + ch
			}
			f.posts[ch]++
			out = map[string]any{"ok": true, "channel": ch, "ts": fmt.Sprintf("1700000000.%06d", f.posts[ch])}
		}
	default:
		out = map[string]any{"ok": false, "error": "unknown_method"}
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(out)
}

type noHandler struct{}

func (noHandler) Handle(context.Context, bot.Message) ([]bot.Reply, error) { return nil, nil }

// TestBlockedLearnerFailsAtOnce runs a reminder through the real Slack
// adapter against a fake Web API that enforces Slack's limits: the learner
// who blocked the bot (cannot_dm_bot, marked Permanent by the adapter) is
// recorded as failed after one attempt; a learner with a transient Slack
// error (fatal_error) is retried by the adapter's own call retry (the one
// delivery policy: the scheduler makes one attempt); the others are
// delivered, and the lead is told who could not be reached.
func TestBlockedLearnerFailsAtOnce(t *testing.T) {
	t.Parallel()
	api := &fakeSlackAPI{blocked: map[string]bool{"U3": true}, flaky: map[string]int{"U4": 1}, posts: map[string]int{}, tries: map[string]int{}}
	// Slack's limits enforced, on a clock a thousand times faster, which
	// the adapter shares.
	fast := ratelimittest.Fast()
	gate := ratelimittest.NewSlack(ratelimit.SlackLimits{}, fast)
	srv := httptest.NewServer(gate.Wrap(api))
	t.Cleanup(srv.Close)

	start := mustTime(t, "2026-11-02T08:00:00Z")
	clock := newClock(start)
	db, _ := tempDB(t, clock)
	ctx := context.Background()
	if err := db.CreateCohort(ctx, coursebot.Cohort{Name: "c1", Code: "code-c1", Timezone: "UTC", Leads: []string{"slack:ULEAD"}, Created: start}); err != nil {
		t.Fatal(err)
	}
	for _, u := range []string{"U1", "U2", "U3", "U4"} {
		if _, err := db.AddMember(ctx, coursebot.Member{Cohort: "c1", Learner: "slack:" + u, Joined: start}); err != nil {
			t.Fatal(err)
		}
	}
	sch := addReminder(t, db, "c1", "every monday 09:00", "UTC", start)
	clock.Set(mustTime(t, "2026-11-02T09:00:00Z"))

	a, err := slackbot.New(slackbot.Options{BotToken: "xoxb-test", SigningSecret: "s", APIURL: srv.URL + "/api/",
		Handler: noHandler{}, Store: db, Log: slog.New(slog.NewTextHandler(io.Discard, nil)),
		Backoff: 10 * time.Millisecond, Attempts: 3, Clock: fast})
	if err != nil {
		t.Fatal(err)
	}
	actx, stop := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- a.Run(actx) }()
	t.Cleanup(func() {
		stop()
		if err := <-done; err != nil && !errors.Is(err, context.Canceled) {
			t.Errorf("adapter stopped with %v", err)
		}
	})

	loaded := builtin(t)
	s, err := New(Options{
		Store: db, Course: func() *course.Course { return loaded },
		Senders: map[string]bot.Sender{"slack": a}, Channels: map[string]ChannelSender{"slack": a},
		Now: clock.Now, After: clock.After, Log: quietLog(), CatchUp: true, Workers: 4,
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.RunDue(ctx); err != nil {
		t.Fatal(err)
	}

	runs, _ := db.Runs(ctx, sch.ID)
	if len(runs) != 1 {
		t.Fatalf("%d runs, want 1", len(runs))
	}
	ds, err := db.Deliveries(ctx, runs[0])
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]struct {
		status   string
		attempts int
	}{
		"slack:U1": {coursebot.DeliverySent, 1}, "slack:U2": {coursebot.DeliverySent, 1},
		"slack:U3": {coursebot.DeliveryFailed, 1}, "slack:U4": {coursebot.DeliverySent, 1},
	}
	for k, w := range want {
		if d := ds[k]; d.Status != w.status || d.Attempts != w.attempts {
			t.Errorf("delivery to %s = %s after %d attempts (%s), want %s after %d", k, d.Status, d.Attempts, d.Err, w.status, w.attempts)
		}
	}
	if !strings.Contains(ds["slack:U3"].Err, "cannot_dm_bot") {
		t.Errorf("U3's recorded error %q does not say cannot_dm_bot", ds["slack:U3"].Err)
	}
	if st := gate.Stats(); st.Refusals() != 0 {
		t.Errorf("Slack refused %v", st.Refused)
	}
	api.mu.Lock()
	defer api.mu.Unlock()
	if api.tries["U3"] != 1 {
		t.Errorf("the post to the blocked U3 was tried %d times, want 1", api.tries["U3"])
	}
	if api.tries["U4"] != 2 {
		t.Errorf("the post to the flaky U4 was tried %d times, want 2 (one retry)", api.tries["U4"])
	}
	if api.opens != 0 {
		t.Errorf("conversations.open called %d times: a DM is posted to the user id", api.opens)
	}
	for _, ch := range []string{"DU1", "DU2", "DU4"} {
		if api.posts[ch] != 1 {
			t.Errorf("%s got %d messages, want 1", ch, api.posts[ch])
		}
	}
	if api.posts["DULEAD"] != 1 {
		t.Errorf("the lead got %d reports, want 1", api.posts["DULEAD"])
	}
}
