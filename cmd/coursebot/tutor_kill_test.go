package main

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/coursebot/coursebot"
	"github.com/coursebot/coursebot/course"
	"github.com/coursebot/coursebot/store"
)

// TestServeBinaryTutorReplyIsNotAskedTwiceAfterKill9: a learner's answer
// is acknowledged, the tutor's reply streams into the lesson's thread, and
// the process is killed with SIGKILL before the item is done (while the
// card's buttons are being posted). The next start does the item again
// (at-least-once): the tutor's reply, kept under the item's key, is given
// again without a second request to the model or a second unit of the
// learner's daily budget, and no message is posted twice.
func TestServeBinaryTutorReplyIsNotAskedTwiceAfterKill9(t *testing.T) {
	t.Parallel()
	llm, llmURL := newFakeChat(t)
	asked := func() int { llm.mu.Lock(); defer llm.mu.Unlock(); return len(llm.users) }
	api := newWireSlack(t)
	var kill atomic.Bool
	stalled := make(chan struct{}, 1)
	api.stall = func(method string) bool {
		// The first post after the model answered is the card's buttons,
		// after the reply was kept: the process dies there.
		if method != "chat.postMessage" || asked() == 0 || !kill.Load() {
			return false
		}
		select {
		case stalled <- struct{}{}:
		default:
		}
		return true
	}
	dir := t.TempDir()
	cfg := slackOnlyConfig(t, dir, api.apiURL(), fmt.Sprintf("tutor:\n  enabled: true\n  base_url: %s\n  model: fake\n", llmURL))

	// U1 is on the lesson's first question.
	q := firstQuestion(t)
	seedOnQuestion(t, filepath.Join(dir, "coursebot.db"), "slack:U1", q)

	kill.Store(true)
	p := startBinary(t, "--config", cfg)
	e := &serveEnv{t: t, base: p.base}
	if code, body := e.slackPost("/slack/interactions", slackAnswerBody("U1", q, "Shipping ML that keeps working", "VU1")); code != 200 {
		t.Fatalf("answer: HTTP %d %s", code, body)
	}
	<-stalled
	p.kill9()
	if n := asked(); n != 1 {
		t.Fatalf("before the kill the model was asked %d times, want 1", n)
	}

	kill.Store(false)
	db := drainAndOpen(t, cfg, dir)
	if n := asked(); n != 1 {
		t.Errorf("the model was asked %d times in all, want 1", n)
	}
	rec, err := db.TutorRecord(context.Background(), "slack:U1")
	if err != nil {
		t.Fatal(err)
	}
	var turns []string
	for _, ex := range rec.Exchanges {
		for _, tu := range ex.Turns {
			turns = append(turns, tu.Role+": "+tu.Text)
		}
	}
	if rec.Used != 1 || len(turns) != 2 {
		t.Errorf("budget used %d (want 1), turns %q (want the answer and one reply)", rec.Used, turns)
	}
	if pr, err := db.Progress(context.Background(), "slack:U1", "4-4"); err != nil || pr.Answers[q].Text != "Shipping ML that keeps working" {
		t.Errorf("the answer after the redo: %+v, %v", pr.Answers, err)
	}
	doubled, posts := api.doubled()
	if len(doubled) > 0 {
		t.Errorf("messages posted twice: %v", doubled)
	}
	reply := 0
	api.mu.Lock()
	var texts []string
	for _, m := range api.msgs["DU1"] {
		texts = append(texts, m.Text+" => "+api.edits[m.TS])
		if strings.HasSuffix(api.edits[m.TS], "You said it well: now name one thing that breaks in production.") {
			reply++
		}
	}
	api.mu.Unlock()
	if reply != 1 {
		t.Errorf("%d messages carry the tutor's finished reply, want 1:\n%s", reply, strings.Join(texts, "\n"))
	}
	t.Logf("kill -9 during the tutor's reply: model asked %d time(s), budget used %d, %d posts, %d doubled, %d finished reply message(s):\n%s", asked(), rec.Used, posts, len(doubled), reply, strings.Join(texts, "\n"))
}

// seedOnQuestion puts learner on the card of question q of Lesson 4.4, as
// if they had pressed Next up to it.
func seedOnQuestion(t *testing.T, path, learner, q string) {
	t.Helper()
	loaded, err := course.LoadBuiltin()
	if err != nil {
		t.Fatal(err)
	}
	card := ""
	for _, c := range loaded.Lessons["4-4"].Cards {
		if qq := c.Question(); qq != nil && qq.ID == q {
			card = c.Key
		}
	}
	db, err := store.Open(path, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		if err := db.Close(); err != nil {
			t.Error(err)
		}
	}()
	if _, _, err := db.UpdateProgress(context.Background(), learner, "4-4", func(r *coursebot.LearnerRecord, p *coursebot.Progress) error {
		r.Active = "4-4"
		p.Card, p.Started, p.Updated = card, time.Now(), time.Now()
		return nil
	}); err != nil {
		t.Fatal(err)
	}
}
