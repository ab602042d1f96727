package slack

import (
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coursebot/coursebot"
	"github.com/coursebot/coursebot/bot"
	"github.com/coursebot/coursebot/ratelimit"
	"github.com/coursebot/coursebot/ratelimit/ratelimittest"
	"github.com/coursebot/coursebot/store"
)

// The pace benchmarks run the adapter for real (its routes, the real
// engine, a bbolt store) against the fake Web API enforcing Slack's limits
// (ratelimittest: method tiers, posts per channel and per workspace, 429
// with Retry-After), the fake and the adapter sharing a clock scale times
// faster than the wall clock: times are reported in Slack's time, and the
// least time the limits allow beside them. Each runs its scenario once,
// whatever b.N is.

// paceHarness is the harness on a Scaled clock.
func paceHarness(b *testing.B, scale float64, handler func(*store.DB) bot.Handler) (*harness, ratelimit.Clock) {
	clock := ratelimit.Scaled(scale)
	return newHarnessFake(b, newFakeSlackOn(b, clock), handler, nil), clock
}

func pct(ds []time.Duration, p float64) time.Duration {
	s := slices.Clone(ds)
	slices.Sort(s)
	return s[min(len(s)-1, int(float64(len(s))*p))]
}

// BenchmarkPaceKickoffSlack: a cohort lead announces Lesson 4.4 and 300
// learners type /start-4-4 within a minute (half in the first 5 s), each
// getting the lesson in their DM. Reported: time to each learner's first
// card (p50, max) against the least the limits allow for the calls made
// (a start is one post, and the workspace's post budget, 300 a minute,
// bounds a burst; vs-min is their ratio), calls per start, the share of
// 429s, and learners who got no card or a sorry (failures); min-before is
// the least the limits allowed for the calls a start made before this
// pacing work (conversations.open, Tier 3, and three posts). 10 times
// faster than Slack's time.
func BenchmarkPaceKickoffSlack(b *testing.B) { ratelimittest.Once(b, pacePaceKickoffSlack) }

func pacePaceKickoffSlack(b *testing.B) ratelimittest.Figures {
	var figs ratelimittest.Figures
	const learners, scale = 300, 10
	h, clock := paceHarness(b, scale, nil)
	user := func(i int) string { return fmt.Sprintf("U%04d", i) }
	b.ResetTimer()
	run := ratelimittest.Arrive(ratelimittest.Kickoff(learners), scale, clock, func(i int) bool {
		code, body := h.command(user(i), "start-4-4", "C1")
		return code == 200 && strings.Contains(body, "Starting Lesson 4.4")
	})
	firsts := map[string]time.Time{}
	ratelimittest.Until(b, "every learner's first card", 5*time.Minute, func() bool {
		_, msgs, _ := h.fake.snapshot()
		for _, m := range msgs {
			u := "U" + strings.TrimPrefix(m.Channel, "D")
			if _, ok := firsts[u]; !ok && m.ThreadTS == "" {
				firsts[u] = m.At
			}
		}
		return len(firsts) >= learners
	})
	wall := time.Since(run.Real0)
	b.StopTimer()
	waits, actual := run.Waits(func(i int) time.Time { return firsts[user(i)] })
	st := h.fake.gate.Stats()
	lim := h.fake.gate.Limits()
	least := ratelimittest.Longest(actual, ratelimittest.TokenFinish(actual, 1, float64(lim.PostsPerWorkspace), h.fake.gate.WorkspaceBurst()))
	// The same for the calls a start made before (conversations.open, a
	// Tier 3 method, and three posts: the root, the card, its controls).
	before := ratelimittest.Longest(actual, ratelimittest.TokenFinish(actual, 1, float64(lim.Tier3), ratelimittest.SlackBurst),
		ratelimittest.TokenFinish(actual, 3, float64(lim.PostsPerWorkspace), h.fake.gate.WorkspaceBurst()))
	_, _, responses := h.fake.snapshot()
	for _, r := range responses {
		if strings.Contains(fmt.Sprint(r["text"]), "Sorry") {
			run.Bad.Add(1)
		}
	}
	figs.Add(pct(waits, 0.5).Seconds(), "ttfc-p50-s")
	figs.Add(pct(waits, 1).Seconds(), "ttfc-max-s")
	figs.Add(least.Seconds(), "min-s")
	figs.Add(pct(waits, 1).Seconds()/least.Seconds(), "vs-min")
	figs.Add(before.Seconds(), "min-before-s")
	figs.Add(float64(st.Total())/learners, "calls/start")
	figs.Add(100*float64(st.Refusals())/float64(max(1, st.Total())), "429-%")
	figs.Add(float64(run.Bad.Load()), "failures")
	figs.Add(wall.Seconds(), "wall-s")
	figs.Add(float64(wall.Nanoseconds())/learners, "ns/op")
	return figs
}

// slowModel is an OpenAI-compatible chat completions server that streams
// text word by word, a word every perWord of clock's time.
func slowModel(b *testing.B, clock ratelimit.Clock, text string, perWord time.Duration) string {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		fl, _ := w.(http.Flusher)
		for _, p := range strings.SplitAfter(text, " ") {
			if ratelimit.Sleep(r.Context(), clock, perWord) != nil {
				return
			}
			c, _ := json.Marshal(map[string]any{"id": "c1", "object": "chat.completion.chunk", "created": 1, "model": "fake",
				"choices": []any{map[string]any{"index": 0, "delta": map[string]any{"content": p}}}})
			_, _ = fmt.Fprintf(w, "data: %s\n\n", c)
			if fl != nil {
				fl.Flush()
			}
		}
		_, _ = fmt.Fprint(w, "data: [DONE]\n\n")
	}))
	b.Cleanup(srv.Close)
	return srv.URL + "/v1"
}

// window is the most calls in any span of d among sorted times ts.
func window(ts []time.Time, d time.Duration) int {
	most, j := 0, 0
	for i := range ts {
		for ts[i].Sub(ts[j]) >= d {
			j++
		}
		most = max(most, i-j+1)
	}
	return most
}

// BenchmarkPaceTutorBurst: 30 learners, each on Lesson 4.4's first
// question, answer at once, and the AI tutor streams each a reply of 40
// words over 6 s. chat.update is Tier 3: 50 a minute for the workspace,
// shared by them all. Reported: the most chat.update calls in any minute
// (the tier allows 50, and a burst), 429s, the time to each learner's
// finished reply (p50, max), and the replies not complete and equal to the
// model's text (failures). 20 times faster than Slack's time.
func BenchmarkPaceTutorBurst(b *testing.B) { ratelimittest.Once(b, pacePaceTutorBurst) }

func pacePaceTutorBurst(b *testing.B) ratelimittest.Figures {
	var figs ratelimittest.Figures
	const learners, scale = 30, 20
	clock := ratelimit.Scaled(scale)
	text := strings.TrimSpace(strings.Repeat("Good start, you named delivery and monitoring as the two halves. ", 4)) + " What breaks first when the data drifts in production?"
	fake := newFakeSlackOn(b, clock)
	h := newHarnessFake(b, fake, tutorHandler(b, slowModel(b, clock, text, 150*time.Millisecond)), nil)
	user := func(i int) string { return fmt.Sprintf("U%04d", i) }
	var wg sync.WaitGroup
	for i := range learners { // each to the first question: start, then Next twice
		wg.Go(func() { h.command(user(i), "start-4-4", "C1") })
	}
	wg.Wait()
	h.idle()
	threads := make([]coursebot.Thread, learners)
	for i := range learners {
		threads[i] = h.lessonThread(user(i), "4-4")
	}
	for range 2 {
		for i := range learners {
			_, ctrl := currentCard(b, h.fake.thread(threads[i].Channel, threads[i].ThreadID))
			h.press(user(i), ctrl, navButton(ctrl, "Next"))
		}
		h.idle()
	}
	var mu sync.Mutex
	var updates []time.Time
	fake.gate.OnCall(func(method string, refused bool) {
		if method == "chat.update" && !refused {
			mu.Lock()
			updates = append(updates, clock.Now())
			mu.Unlock()
		}
	})
	before := fake.gate.Stats()
	b.ResetTimer()
	real0, t0 := time.Now(), clock.Now()
	for i := range learners {
		wg.Go(func() {
			h.reply(user(i), threads[i].Channel, threads[i].ThreadID, "Shipping ML that keeps working", "EvBURST"+strconv.Itoa(i))
		})
	}
	wg.Wait()
	want := markupText(text)
	finals := make([]time.Time, learners)
	ratelimittest.Until(b, "every learner's finished reply", 5*time.Minute, func() bool {
		done := 0
		for i := range learners {
			for _, m := range h.fake.thread(threads[i].Channel, threads[i].ThreadID) {
				if strings.Contains(sectionTexts(m), want) {
					finals[i] = m.At
					if !m.Edited.IsZero() {
						finals[i] = m.Edited
					}
					done++
					break
				}
			}
		}
		return done == learners
	})
	h.idle()
	wall := time.Since(real0)
	b.StopTimer()
	var waits []time.Duration
	failures := 0
	for i := range learners {
		waits = append(waits, finals[i].Sub(t0))
		thread := h.fake.thread(threads[i].Channel, threads[i].ThreadID)
		if n := strings.Count(fmt.Sprint(thread), bot.Placeholder); n > 0 {
			failures++ // a placeholder never replaced
		}
	}
	mu.Lock()
	peak := window(updates, time.Minute)
	n := len(updates)
	mu.Unlock()
	after := fake.gate.Stats()
	calls, refused := after.Total()-before.Total(), after.Refusals()-before.Refusals()
	figs.Add(float64(peak), "updates/min")
	figs.Add(float64(n), "updates")
	figs.Add(pct(waits, 0.5).Seconds(), "reply-p50-s")
	figs.Add(pct(waits, 1).Seconds(), "reply-max-s")
	figs.Add(100*float64(refused)/float64(max(1, calls)), "429-%")
	figs.Add(float64(failures), "failures")
	figs.Add(wall.Seconds(), "wall-s")
	figs.Add(float64(wall.Nanoseconds())/learners, "ns/op")
	return figs
}

// markupText is text as the reply's section shows it (plain text stays as
// it is; the check is that all of it is there).
func markupText(text string) string { return text }

// BenchmarkPaceFastClicker: one learner clicks through Lesson 4.4 three
// times a second for a minute: ticking each box, rating each item, Next
// once a card is done, then changing ratings while the next card comes.
// Reported: presses made and answered (a tick or a rating: the card
// changed in place; Next: the next card posted), the time to an answer
// (p50, max), the most Tier 3 calls of one method in any minute (the tier
// allows 50), 429s, and presses not answered (failures). 20 times faster
// than Slack's time.
func BenchmarkPaceFastClicker(b *testing.B) { ratelimittest.Once(b, pacePaceFastClicker) }

func pacePaceFastClicker(b *testing.B) ratelimittest.Figures {
	var figs ratelimittest.Figures
	const scale, perSecond, seconds = 20, 3, 60
	h, clock := paceHarness(b, scale, nil)
	tier3 := map[string][]time.Time{}
	var mu sync.Mutex
	h.fake.gate.OnCall(func(method string, refused bool) {
		if !refused && h.fake.gate.Limits().Tier(method) == 3 && method != ratelimit.MethodPost && method != "response_url" {
			mu.Lock()
			tier3[method] = append(tier3[method], clock.Now())
			mu.Unlock()
		}
	})
	h.command("U1", "start-4-4", "C1")
	h.idle()
	th := h.lessonThread("U1", "4-4")
	type press struct {
		at   time.Time
		url  string // its response URL
		next bool   // a navigation press: answered by the next card
		seen int    // messages in the thread when it was made
	}
	var presses []press
	ticked := map[string]bool{}
	rated := map[string]int{}
	navPressed := map[string]bool{}
	b.ResetTimer()
	real0 := time.Now()
	for k := range perSecond * seconds {
		ratelimittest.SleepUntil(real0, time.Duration(k)*time.Second/perSecond, scale)
		thread := h.fake.thread(th.Channel, th.ThreadID)
		content, ctrl, ok := liveCard(thread)
		if !ok {
			continue // the next card is on its way
		}
		if headerText(content[0]) == "Lesson complete" {
			break
		}
		p := press{at: clock.Now(), seen: len(thread)}
		switch m, el, v, ok := firstUnticked(content, ticked); {
		case ok:
			ticked[v] = true
			h.press("U1", m, el["action_id"].(string), tickedIn(el, ticked)...)
		default:
			if m, id, ok := firstUnrated(content, rated); ok {
				h.press("U1", m, id)
				break
			}
			nav := navButton(ctrl, "Next", "Skip question", "Finish lesson")
			if nav != "" && !navPressed[ctrl.TS] {
				navPressed[ctrl.TS] = true
				p.next = true
				h.press("U1", ctrl, nav)
				break
			}
			if m, id, ok := anyRating(content, rated); ok { // changing one's mind while the next card comes
				h.press("U1", m, id)
				break
			}
			continue // nothing to press on a plain card whose Next is pressed
		}
		p.url = "/respond/" + strconv.FormatInt(h.fake.urls.Load(), 10)
		presses = append(presses, p)
	}
	h.idle()
	wall := time.Since(real0)
	b.StopTimer()
	h.fake.mu.Lock()
	urlAt := maps.Clone(h.fake.urlAt)
	h.fake.mu.Unlock()
	thread := h.fake.thread(th.Channel, th.ThreadID)
	var waits []time.Duration
	unanswered := 0
	for _, p := range presses {
		var at time.Time
		if p.next {
			for _, m := range thread[min(p.seen, len(thread)):] {
				at = m.At
				break
			}
		} else {
			at = urlAt[p.url]
		}
		if at.IsZero() {
			unanswered++
			continue
		}
		waits = append(waits, at.Sub(p.at))
	}
	mu.Lock()
	peak := 0
	for _, ts := range tier3 {
		peak = max(peak, window(ts, time.Minute))
	}
	mu.Unlock()
	st := h.fake.gate.Stats()
	figs.Add(float64(len(presses)), "presses")
	figs.Add(float64(len(presses)-unanswered), "answered")
	if len(waits) > 0 {
		figs.Add(pct(waits, 0.5).Seconds(), "answer-p50-s")
		figs.Add(pct(waits, 1).Seconds(), "answer-max-s")
	}
	figs.Add(float64(peak), "tier3/min")
	figs.Add(100*float64(st.Refusals())/float64(max(1, st.Total())), "429-%")
	figs.Add(float64(unanswered), "failures")
	figs.Add(wall.Seconds(), "wall-s")
	figs.Add(float64(wall.Nanoseconds())/float64(max(1, len(presses))), "ns/op")
	return figs
}

// elements calls f with each control of msgs whose action_id has prefix.
func elements(msgs []fakeMsg, prefix string, f func(m fakeMsg, el map[string]any) bool) {
	for _, m := range msgs {
		for _, b := range m.Blocks {
			els, _ := b["elements"].([]any)
			for _, e := range els {
				el, _ := e.(map[string]any)
				if id, _ := el["action_id"].(string); strings.HasPrefix(id, prefix) && !f(m, el) {
					return
				}
			}
		}
	}
}

func optionValues(el map[string]any) []string {
	var out []string
	opts, _ := el["options"].([]any)
	for _, o := range opts {
		om, _ := o.(map[string]any)
		v, _ := om["value"].(string)
		out = append(out, v)
	}
	return out
}

// firstUnticked finds a checkbox not ticked yet (as shown, or by the
// clicker): its message, element and option value.
func firstUnticked(msgs []fakeMsg, ticked map[string]bool) (m fakeMsg, el map[string]any, v string, ok bool) {
	elements(msgs, actCheck, func(mm fakeMsg, e map[string]any) bool {
		for _, val := range initialValues(e) {
			ticked[val] = true
		}
		for _, val := range optionValues(e) {
			if !ticked[val] {
				m, el, v, ok = mm, e, val, true
				return false
			}
		}
		return true
	})
	return m, el, v, ok
}

func initialValues(el map[string]any) []string {
	var out []string
	opts, _ := el["initial_options"].([]any)
	for _, o := range opts {
		om, _ := o.(map[string]any)
		v, _ := om["value"].(string)
		out = append(out, v)
	}
	return out
}

// tickedIn is the element's options ticked: what Slack reports selected.
func tickedIn(el map[string]any, ticked map[string]bool) []string {
	var out []string
	for _, v := range optionValues(el) {
		if ticked[v] {
			out = append(out, v)
		}
	}
	return out
}

// ratingItem is a rating button's item: its action_id less the value.
func ratingItem(id string) (string, int) {
	i := strings.LastIndexByte(id, '-')
	v, _ := strconv.Atoi(id[i+1:])
	return id[:i], v
}

// firstUnrated finds an item not rated yet and its 4, which it records.
func firstUnrated(msgs []fakeMsg, rated map[string]int) (m fakeMsg, id string, ok bool) {
	elements(msgs, actRate, func(mm fakeMsg, e map[string]any) bool {
		aid, _ := e["action_id"].(string)
		item, v := ratingItem(aid)
		if _, done := rated[item]; !done && v == 4 {
			m, id, ok = mm, aid, true
			rated[item] = 4
			return false
		}
		return true
	})
	return m, id, ok
}

// anyRating finds a rated item and another value for it, which it records.
func anyRating(msgs []fakeMsg, rated map[string]int) (m fakeMsg, id string, ok bool) {
	elements(msgs, actRate, func(mm fakeMsg, e map[string]any) bool {
		aid, _ := e["action_id"].(string)
		item, v := ratingItem(aid)
		if cur, done := rated[item]; done && v == cur%5+1 {
			m, id, ok = mm, aid, true
			rated[item] = v
			return false
		}
		return true
	})
	return m, id, ok
}
