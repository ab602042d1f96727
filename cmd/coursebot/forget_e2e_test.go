package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/coursebot/coursebot/bot"
)

// TestForgetLeavesNothingInTheFile: a Slack learner works through part of
// the lesson (commands, presses, an answer with a marker no one else
// writes) and deletes their data with /forget-me; a Discord learner starts
// the lesson and is forgotten with `coursebot forget`. The compacted file
// then holds no byte of either: not their ids, their DM channel, their
// answer, nor the dedup records of what they pressed. Another learner's
// answer is still there, so the scan does find what the file holds.
func TestForgetLeavesNothingInTheFile(t *testing.T) {
	t.Parallel()
	e := startServe(t, "")
	const (
		gone, kept     = "UFGT123", "UKEEP45"
		marker, keeper = "marker-zq81-forget-me", "marker-keep-7731"
		discordID      = "777666555444333222"
	)
	for _, u := range []struct{ user, answer string }{{gone, marker}, {kept, keeper}} {
		if code := e.command(u.user, "start-4-4"); code != 200 {
			t.Fatalf("/start-4-4: HTTP %d", code)
		}
		for i, c := range e.cards[:3] {
			if c.question != "" {
				if code := e.answer(u.user, c.question, u.answer, i); code != 200 {
					t.Fatalf("answer: HTTP %d", code)
				}
			}
			if code := e.press(u.user, "Next", "next|4-4|"+c.key, i); code != 200 {
				t.Fatalf("Next: HTTP %d", code)
			}
		}
	}
	e.command(gone, "status")
	cmd := func(id, name string) string {
		return fmt.Sprintf(`{"id":%q,"application_id":"4242","type":2,"token":"tok-%s","version":1,"channel_id":"55",
			"member":{"user":{"id":%q,"username":"dee"}},"data":{"id":"9","name":%q,"type":1}}`, id, id, discordID, name)
	}
	for i, name := range []string{"start-4-4", "status"} {
		if code, _ := e.discordPost(cmd(fmt.Sprint(9100+i), name)); code != 200 {
			t.Fatalf("discord /%s: HTTP %d", name, code)
		}
	}
	e.waitMetric(`coursebot_messages_total{kind="command",name="status",outcome="ok",platform="discord"} 1`)
	e.waitMetric(`coursebot_messages_total{kind="answer",name="",outcome="ok",platform="slack"} 2`)
	if code := e.command(gone, lessonsForget); code != 200 {
		t.Fatalf("/forget-me: HTTP %d", code)
	}
	if code := e.press(gone, "Delete my data", bot.Action{Verb: "forget", Value: "yes"}.Encode(), 99); code != 200 {
		t.Fatalf("Delete my data: HTTP %d", code)
	}
	e.waitMetric(`coursebot_messages_total{kind="press",name="forget",outcome="ok",platform="slack"} 1`)
	e.waitMetric(`coursebot_inbox_depth 0`)
	e.stop()

	dbPath := filepath.Join(e.dir, "coursebot.db")
	if out, errs, code := runCmd(t, "", "forget", "--db", dbPath, "--user", "discord:"+discordID, "--yes"); code != exitOK {
		t.Fatalf("forget the Discord learner: exit %d: %s %s", code, out, errs)
	}
	compacted := filepath.Join(t.TempDir(), "compacted.db")
	if out, errs, code := runCmd(t, "", "compact", dbPath, compacted); code != exitOK {
		t.Fatalf("compact: exit %d: %s %s", code, out, errs)
	}
	raw, err := os.ReadFile(compacted)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(raw, []byte(keeper)) || !bytes.Contains(raw, []byte(kept)) {
		t.Fatal("the kept learner's answer is not in the compacted file: the scan would find nothing")
	}
	for _, s := range []string{gone, "D" + strings.TrimPrefix(gone, "U"), marker, discordID} {
		if i := bytes.Index(raw, []byte(s)); i >= 0 {
			t.Errorf("%q is still in the compacted file: …%q…", s, raw[max(0, i-80):min(len(raw), i+80)])
		}
	}
}

// TestForgetDropsRequestsNotYetDone: a learner's request is acknowledged
// and the process killed before its work is done, so it waits in the
// inbox; `coursebot forget` drops it with the rest, and the next start
// does not make the learner anew from it.
func TestForgetDropsRequestsNotYetDone(t *testing.T) {
	t.Parallel()
	api := newWireSlack(t)
	var hold atomic.Bool
	stalled := make(chan struct{}, 1)
	api.stall = func(string) bool {
		if !hold.Load() {
			return false
		}
		select {
		case stalled <- struct{}{}:
		default:
		}
		return true
	}
	dir := t.TempDir()
	cfg := slackOnlyConfig(t, dir, api.apiURL(), "")
	hold.Store(true)
	p := startBinary(t, "--config", cfg)
	e := &serveEnv{t: t, base: p.base}
	if code, body := e.slackPost("/slack/commands", slackCommandBody("UPEND1", "start-4-4")); code != 200 {
		t.Fatalf("start: HTTP %d %s", code, body)
	}
	<-stalled
	p.kill9()
	hold.Store(false)

	out, errs, code := runCmd(t, "", "forget", "--config", cfg, "--user", "slack:UPEND1", "--yes")
	if code != exitOK || !strings.Contains(out, "1 request(s) not yet done") {
		t.Fatalf("forget a learner with a request not yet done: exit %d\n%s%s", code, out, errs)
	}
	db := drainAndOpen(t, cfg, dir)
	if d, err := db.LearnerData(context.Background(), "slack:UPEND1"); err != nil || d.Found {
		t.Errorf("the next start made the forgotten learner anew: %+v %v", d, err)
	}
	if n := api.lessonRoots("DUPEND1"); n != 0 {
		t.Errorf("the next start opened %d lesson(s) for the forgotten learner", n)
	}
}
