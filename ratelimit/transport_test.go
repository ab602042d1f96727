package ratelimit_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/slack-go/slack"

	"github.com/coursebot/coursebot/ratelimit"
	"github.com/coursebot/coursebot/ratelimit/ratelimittest"
)

// inMemory serves requests with h in the caller's goroutine: no sockets,
// so a synctest bubble's clock moves only when the limiter waits.
type inMemory struct{ h http.Handler }

func (t inMemory) RoundTrip(r *http.Request) (*http.Response, error) {
	rec := httptest.NewRecorder()
	t.h.ServeHTTP(rec, r)
	if err := r.Context().Err(); err != nil {
		return nil, err // as a real transport gives up on a cancelled call
	}
	return rec.Result(), nil
}

// slackOK answers every Web API method with ok and a ts.
var slackOK = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	_ = r.ParseForm()
	_, _ = fmt.Fprintf(w, `{"ok":true,"channel":%q,"ts":"1.000001"}`, r.PostForm.Get("channel"))
})

const slackBase = "http://slack.test/api/"

func slackClient(tr http.RoundTripper) *slack.Client {
	return slack.New("xoxb-t", slack.OptionAPIURL(slackBase), slack.OptionHTTPClient(&http.Client{Transport: tr}))
}

// recordingObserver keeps what a Transport reports.
type recordingObserver struct {
	mu                      sync.Mutex
	waiting, maxWaiting     int
	refused, skipped, waits map[string]int
}

func newObserver() *recordingObserver {
	return &recordingObserver{refused: map[string]int{}, skipped: map[string]int{}, waits: map[string]int{}}
}

func (o *recordingObserver) Waiting(_ string, d int) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.waiting += d
	o.maxWaiting = max(o.maxWaiting, o.waiting)
}

func (o *recordingObserver) Waited(m string, _ ratelimit.Priority, d time.Duration) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if d > 0 {
		o.waits[m]++
	}
}
func (o *recordingObserver) Refused(m string) { o.mu.Lock(); o.refused[m]++; o.mu.Unlock() }
func (o *recordingObserver) Skipped(m string) { o.mu.Lock(); o.skipped[m]++; o.mu.Unlock() }

// TestSlackPacesPostsBeforeSlackRefuses: posts into one channel, into many
// channels and a Tier 3 method, all at once through the transport, reach
// a gate enforcing Slack's limits without one 429, at the pace the limits
// allow.
func TestSlackPacesPostsBeforeSlackRefuses(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		gate := ratelimittest.NewSlack(ratelimit.SlackLimits{}, ratelimit.Real())
		obs := newObserver()
		tr := ratelimit.NewSlack(slackBase, ratelimit.SlackLimits{}, ratelimit.Options{Next: inMemory{gate.Wrap(slackOK)}, Limiter: ratelimit.New(nil), Observer: obs})
		api := slackClient(tr)
		ctx := context.Background()
		start := time.Now()
		var mu sync.Mutex
		var lastSame, lastOther, lastUpdate time.Duration
		var wg sync.WaitGroup
		for i := range 10 {
			wg.Go(func() {
				if _, _, err := api.PostMessageContext(ctx, "D1", slack.MsgOptionText("x", false)); err != nil {
					t.Error(err)
				}
				mu.Lock()
				lastSame = max(lastSame, time.Since(start))
				mu.Unlock()
			})
			wg.Go(func() {
				if _, _, err := api.PostMessageContext(ctx, fmt.Sprint("D", 100+i), slack.MsgOptionText("x", false)); err != nil {
					t.Error(err)
				}
				mu.Lock()
				lastOther = max(lastOther, time.Since(start))
				mu.Unlock()
			})
			wg.Go(func() {
				if _, _, _, err := api.UpdateMessageContext(ctx, "D1", "1.0", slack.MsgOptionText("y", false)); err != nil {
					t.Error(err)
				}
				mu.Lock()
				lastUpdate = max(lastUpdate, time.Since(start))
				mu.Unlock()
			})
		}
		wg.Wait()
		st := gate.Stats()
		if st.Refusals() != 0 {
			t.Errorf("the gate refused %v", st.Refused)
		}
		// One channel: a burst of 3, then one a second. The workspace's
		// 300 a minute (5 a second, burst 3) bounds all 20 posts: 17 more
		// at 5 a second after the burst.
		if lastSame < 7*time.Second || lastSame > 8*time.Second {
			t.Errorf("10 posts into one channel took %v, want 7s (burst 3, then 1/s)", lastSame)
		}
		if lastOther > 4*time.Second {
			t.Errorf("10 posts into 10 channels took %v, want at most what the workspace's 5/s allows", lastOther)
		}
		// chat.update, Tier 3: 50 a minute, burst 3: 7 more at 1.2s.
		if want := 7 * 1200 * time.Millisecond; lastUpdate < want-time.Millisecond || lastUpdate > want+time.Millisecond {
			t.Errorf("10 chat.update took %v, want %v", lastUpdate, want)
		}
		if obs.maxWaiting == 0 || obs.waits["chat.update"] != 7 {
			t.Errorf("observer saw max waiting %d, %d waits of chat.update (want 7)", obs.maxWaiting, obs.waits["chat.update"])
		}
	})
}

// TestSlack429PausesTheBudget: a 429 with Retry-After pauses every budget
// the call drew on, so the next call waits it out instead of being refused.
func TestSlack429PausesTheBudget(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		first := true
		h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if first {
				first = false
				w.Header().Set("Retry-After", "4")
				w.WriteHeader(http.StatusTooManyRequests)
				return
			}
			slackOK(w, r)
		})
		obs := newObserver()
		api := slackClient(ratelimit.NewSlack(slackBase, ratelimit.SlackLimits{}, ratelimit.Options{Next: inMemory{h}, Limiter: ratelimit.New(nil), Observer: obs}))
		ctx := context.Background()
		_, _, err := api.PostMessageContext(ctx, "D1", slack.MsgOptionText("x", false))
		var rl *slack.RateLimitedError
		if !errors.As(err, &rl) || rl.RetryAfter != 4*time.Second {
			t.Fatalf("first post: %v, want the 429 passed on", err)
		}
		start := time.Now()
		if _, _, err := api.PostMessageContext(ctx, "D1", slack.MsgOptionText("x", false)); err != nil {
			t.Fatal(err)
		}
		if d := time.Since(start); d < 4*time.Second {
			t.Errorf("the post after a 429 went after %v, want the 4s Retry-After", d)
		}
		if obs.refused[ratelimit.MethodPost] != 1 {
			t.Errorf("observer saw %v refusals", obs.refused)
		}
	})
}

// TestSlackPrioritiesAndOptionalCalls: with chat.update's budget spent, a
// learner's call goes before a reminder that waited longer, and an
// optional call is dropped rather than queued.
func TestSlackPrioritiesAndOptionalCalls(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		obs := newObserver()
		tr := ratelimit.NewSlack(slackBase, ratelimit.SlackLimits{}, ratelimit.Options{Next: inMemory{slackOK}, Limiter: ratelimit.New(nil), Observer: obs})
		api := slackClient(tr)
		ctx := context.Background()
		update := func(ctx context.Context) error {
			_, _, _, err := api.UpdateMessageContext(ctx, "D1", "1.0", slack.MsgOptionText("y", false))
			return err
		}
		for range 3 {
			if err := update(ctx); err != nil {
				t.Fatal(err)
			}
		}
		var order []string
		var mu sync.Mutex
		var wg sync.WaitGroup
		for _, p := range []ratelimit.Priority{ratelimit.Background, ratelimit.Background, ratelimit.Interactive} {
			wg.Go(func() {
				if err := update(ratelimit.WithPriority(ctx, p)); err != nil {
					t.Error(err)
				}
				mu.Lock()
				order = append(order, p.String())
				mu.Unlock()
			})
			synctest.Wait()
		}
		if err := update(ratelimit.WithPriority(ctx, ratelimit.Optional)); !errors.Is(err, ratelimit.ErrSkipped) {
			t.Errorf("an optional edit with the budget spent: %v, want ErrSkipped", err)
		}
		wg.Wait()
		if strings.Join(order, ",") != "interactive,background,background" {
			t.Errorf("served %v, want the learner's call first", order)
		}
		if obs.skipped["chat.update"] != 1 {
			t.Errorf("observer saw %v skipped", obs.skipped)
		}
	})
}

// TestReserveSpendsTheBudgetOnce: a reservation is spent by the first call
// of its method made under its context, without waiting; it cannot be
// had while the budget is spent; an unspent one can be given back.
func TestReserveSpendsTheBudgetOnce(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		tr := ratelimit.NewSlack(slackBase, ratelimit.SlackLimits{Burst: 2}, ratelimit.Options{Next: inMemory{slackOK}, Limiter: ratelimit.New(nil), Observer: nil})
		api := slackClient(tr)
		bg := context.Background()
		ctx, _, ok := tr.Reserve(bg, "chat.update")
		if !ok {
			t.Fatal("no reservation with a full budget")
		}
		_, release, ok := tr.Reserve(bg, "chat.update")
		if !ok {
			t.Fatal("no second reservation with a burst of 2")
		}
		if _, _, ok := tr.Reserve(bg, "chat.update"); ok {
			t.Fatal("a reservation beyond the budget")
		}
		start := time.Now()
		if _, _, _, err := api.UpdateMessageContext(ctx, "D1", "1.0", slack.MsgOptionText("y", false)); err != nil {
			t.Fatal(err)
		}
		if d := time.Since(start); d != 0 {
			t.Errorf("the reserved call waited %v", d)
		}
		release() // the second one is not needed after all
		if _, _, ok := tr.Reserve(bg, "chat.update"); !ok {
			t.Error("a reservation given back is not there again")
		}
		if _, _, ok := tr.Reserve(bg, ratelimit.MethodPost); ok {
			t.Error("chat.postMessage's budget depends on the channel: it cannot be reserved")
		}
	})
}

// TestTimeoutBoundsTheCallNotTheWait: a call that waited for its budget
// still gets the whole timeout.
func TestTimeoutBoundsTheCallNotTheWait(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		slow := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path == "/api/chat.update" {
				<-r.Context().Done() // never answers
				return
			}
			slackOK(w, r)
		})
		tr := ratelimit.NewSlack(slackBase, ratelimit.SlackLimits{}, ratelimit.Options{Next: inMemory{slow}, Timeout: 5 * time.Second})
		api := slackClient(tr)
		ctx := context.Background()
		tr.Limiter().Pause(10*time.Second, "slack chat.update")
		start := time.Now()
		_, _, _, err := api.UpdateMessageContext(ctx, "D1", "1.0", slack.MsgOptionText("y", false))
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("err %v, want the call's deadline", err)
		}
		// 10s paused, then an empty budget (1.2s for a token), then 5s.
		if d := time.Since(start); d != 16200*time.Millisecond {
			t.Errorf("gave up after %v, want 16.2s", d)
		}
		if _, _, err := api.PostMessageContext(ctx, "D1", slack.MsgOptionText("x", false)); err != nil {
			t.Errorf("a call that answers: %v", err)
		}
	})
}

// discordOK answers every route with a JSON object.
var discordOK = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	_, _ = fmt.Fprint(w, `{"id":"1","channel_id":"2"}`)
})

const discordBase = "http://discord.test/api/v10/"

// TestDiscordLearnsRouteBudgetsFromHeaders: messages into one channel go
// five per five seconds as the gate announces, into many channels as fast
// as the global budget allows, without a 429; the caller (discordgo)
// never sees the headers, so its own limiter stays idle.
func TestDiscordLearnsRouteBudgetsFromHeaders(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		gate := ratelimittest.NewDiscord(ratelimittest.DiscordLimits{}, ratelimit.Real(), "/api/v10")
		tr := ratelimit.NewDiscord(discordBase, ratelimit.DiscordLimits{}, ratelimit.Options{Next: inMemory{gate.Wrap(discordOK)}, Limiter: ratelimit.New(nil), Observer: nil})
		var sawHeaders atomic.Bool
		inspect := roundTripFunc(func(r *http.Request) (*http.Response, error) {
			resp, err := tr.RoundTrip(r)
			if err == nil && resp.Header.Get("X-RateLimit-Remaining") != "" {
				sawHeaders.Store(true)
			}
			return resp, err
		})
		// Plain requests as discordgo makes them (its per-route mutex
		// would not let a synctest bubble's clock move).
		c := &http.Client{Transport: inspect}
		send := func(channel string) {
			resp, err := c.Post(discordBase+"channels/"+channel+"/messages", "application/json", strings.NewReader(`{"content":"x"}`))
			if err != nil {
				t.Error(err)
				return
			}
			_ = resp.Body.Close()
			if resp.StatusCode != 200 {
				t.Errorf("message into %s: %d", channel, resp.StatusCode)
			}
		}
		start := time.Now()
		var mu sync.Mutex
		var lastSame, lastMany time.Duration
		var wg sync.WaitGroup
		for i := range 12 {
			wg.Go(func() {
				send("100")
				mu.Lock()
				lastSame = max(lastSame, time.Since(start))
				mu.Unlock()
			})
			for j := range 10 {
				wg.Go(func() {
					send(fmt.Sprint(1000 + 10*i + j))
					mu.Lock()
					lastMany = max(lastMany, time.Since(start))
					mu.Unlock()
				})
			}
		}
		wg.Wait()
		if st := gate.Stats(); st.Refusals() != 0 {
			t.Errorf("the gate refused %v", st.Refused)
		}
		if sawHeaders.Load() {
			t.Error("X-RateLimit headers reached discordgo")
		}
		// 12 into one channel: 5 now, 5 when the window resets at 5s, 2 at 10s.
		if lastSame != 10*time.Second {
			t.Errorf("12 messages into one channel took %v, want 10s", lastSame)
		}
		// 120 into 120 channels: the global 50/s with a burst of 10 gives
		// 110 more in 2.2s.
		if lastMany > 3*time.Second {
			t.Errorf("120 messages into 120 channels took %v, want about 2.2s", lastMany)
		}
	})
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// TestDiscordGlobal429PausesEveryRoute: a 429 marked global holds every
// route's calls for retry_after; interaction routes are outside the
// global budget.
func TestDiscordGlobal429PausesEveryRoute(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		first := true
		h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if first && strings.Contains(r.URL.Path, "/channels/") {
				first = false
				w.Header().Set("Content-Type", "application/json")
				w.WriteHeader(http.StatusTooManyRequests)
				_, _ = fmt.Fprint(w, `{"message":"slow down","retry_after":2.5,"global":true}`)
				return
			}
			discordOK(w, r)
		})
		tr := ratelimit.NewDiscord(discordBase, ratelimit.DiscordLimits{}, ratelimit.Options{Next: inMemory{h}, Limiter: ratelimit.New(nil), Observer: nil})
		c := &http.Client{Transport: tr}
		get := func(path string) int {
			resp, err := c.Post(discordBase+path, "application/json", strings.NewReader("{}"))
			if err != nil {
				t.Fatal(err)
			}
			_ = resp.Body.Close()
			return resp.StatusCode
		}
		if code := get("channels/1/messages"); code != http.StatusTooManyRequests {
			t.Fatalf("first call %d", code)
		}
		start := time.Now()
		if code := get("interactions/9/tok/callback"); code != 200 || time.Since(start) != 0 {
			t.Errorf("an interaction response waited %v (%d): it is outside the global budget", time.Since(start), code)
		}
		if code := get("channels/2/messages"); code != 200 {
			t.Fatalf("after the pause: %d", code)
		}
		// The global budget starts again empty: 2.5s, then one 50th.
		if d := time.Since(start); d != 2520*time.Millisecond {
			t.Errorf("a call on another route went after %v, want the global 2.5s and 20ms", d)
		}
	})
}

func TestDiscordRoutes(t *testing.T) {
	for _, tt := range []struct{ method, path, want string }{
		{"POST", "channels/100/messages", "POST /channels/{id}/messages 100"},
		{"PATCH", "channels/100/messages/555555555", "PATCH /channels/{id}/messages/{id} 100"},
		{"POST", "channels/100/messages/555555555/threads", "POST /channels/{id}/messages/{id}/threads 100"},
		{"PUT", "channels/7/messages/123456/reactions/%E2%9C%85/@me", "PUT /channels/{id}/messages/{id}/reactions/{emoji}/@me 7"},
		{"PATCH", "webhooks/42/tok-en/messages/@original", "PATCH /webhooks/{id}/{token}/messages/@original 42/tok-en"},
		{"POST", "interactions/99999/tok/callback", "POST /interactions/{id}/{token}/callback 99999/tok"},
	} {
		r, major := ratelimit.DiscordRoute(tt.method, tt.path)
		if got := r + " " + major; got != tt.want {
			t.Errorf("%s %s: %q, want %q", tt.method, tt.path, got, tt.want)
		}
	}
}
