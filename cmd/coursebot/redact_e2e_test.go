package main

import (
	"path/filepath"
	"strings"
	"testing"

	bolt "go.etcd.io/bbolt"

	"github.com/coursebot/coursebot/config"
	"github.com/coursebot/coursebot/store"
)

// serve with hashing on (the default): learners whose records cannot be
// read make the engine fail, so the adapters log "handler failed" with the
// error; no raw learner id may appear anywhere in the log.
func TestServeLogsNoRawLearnerIDsOnErrors(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	path := filepath.Join(dir, "coursebot.db")
	db, err := store.Open(path, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	// Progress records that are not JSON: reading them is an error.
	bdb, err := bolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	err = bdb.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket([]byte("progress"))
		for _, k := range []string{"slack:U0LEAKY1\x004-4", "discord:990011223344\x004-4"} {
			if err := b.Put([]byte(k), []byte("{not json")); err != nil {
				return err
			}
		}
		return nil
	})
	if cerr := bdb.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		t.Fatal(err)
	}

	e := startServeIn(t, dir, "")
	e.command("U0LEAKY1", "start-4-4")
	e.command("U0LEAKY1", "status")
	cmd := `{"id":"2","application_id":"4242","type":2,"token":"itok","version":1,"channel_id":"55",
		"member":{"user":{"id":"990011223344","username":"dee"}},"data":{"id":"9","name":"status","type":1}}`
	if code, _ := e.discordPost(cmd); code != 200 {
		t.Errorf("discord status: HTTP %d", code)
	}
	e.waitMetric(`coursebot_messages_total{platform="slack",kind="command",name="status",outcome="error"} 1`)
	e.waitMetric(`coursebot_messages_total{platform="discord",kind="command",name="status",outcome="error"} 1`)
	e.stop()
	logs := e.logs.String()
	if !strings.Contains(logs, "handler failed") {
		t.Fatalf("the adapters did not log the failures; log:\n%s", tail(logs, 30))
	}
	for _, raw := range []string{"U0LEAKY1", "990011223344"} {
		if i := strings.Index(logs, raw); i >= 0 {
			t.Errorf("%q appears in the log: …%s…", raw, logs[max(0, i-300):min(len(logs), i+100)])
		}
	}
	if h := (config.LogConfig{LearnerIDs: "hashed"}).LearnerID("slack:U0LEAKY1"); !strings.Contains(logs, h) {
		t.Errorf("the learner's lines should carry %s", h)
	}
}
