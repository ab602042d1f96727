package config

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/coursebot/coursebot/course"
	"github.com/coursebot/coursebot/scheduler"
	"github.com/coursebot/coursebot/store"
)

// TestNudgeCheckValidatesAsTheSchedulerRunsIt: a scheduler.nudges.check
// that LoadConfig accepts is one scheduler.New accepts, and the other way
// round. Config validation used its own robfig/cron parse and let through
// "@every 1h" and "TZ=UTC 0 9 * * *", on which serve then failed to start.
func TestNudgeCheckValidatesAsTheSchedulerRunsIt(t *testing.T) {
	loaded, err := course.LoadBuiltin()
	if err != nil {
		t.Fatal(err)
	}
	db, err := store.Open(filepath.Join(t.TempDir(), "n.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		if err := db.Close(); err != nil {
			t.Error(err)
		}
	}()
	dir := t.TempDir()
	for i, tc := range []struct {
		check string
		ok    bool
	}{
		{"0 * * * *", true},
		{"@hourly", true},
		{"30 9 * * MON-FRI", true},
		{"CRON_TZ=Europe/Berlin 30 9 * * MON-FRI", true},
		{"TZ=UTC 0 9 * * *", true},
		{"@every 1h", false},
		{"CRON_TZ=UTC", false},
		{"TZ=Mars/Base 0 9 * * *", false},
		{"61 * * * *", false},
		{"0 9 * *", false},
		{"0 9 * * * *", false},
	} {
		t.Run(tc.check, func(t *testing.T) {
			path := filepath.Join(dir, fmt.Sprintf("c%d.yaml", i))
			yaml := fmt.Sprintf("scheduler:\n  enabled: true\n  nudges:\n    check: %q\n", tc.check)
			if err := os.WriteFile(path, []byte(yaml), 0o600); err != nil {
				t.Fatal(err)
			}
			cfg, cfgErr := Load(path, noEnv)
			if (cfgErr == nil) != tc.ok {
				t.Fatalf("LoadConfig: %v; want ok=%v", cfgErr, tc.ok)
			}
			if cfgErr != nil {
				cfg = Default()
				cfg.Scheduler.Nudges.Check = tc.check
			}
			_, startErr := scheduler.New(scheduler.Options{Store: db, Course: func() *course.Course { return loaded }, Nudges: cfg.NudgeOptions()})
			if (startErr == nil) != tc.ok {
				t.Errorf("scheduler.New: %v; want ok=%v (LoadConfig said %v)", startErr, tc.ok, cfgErr)
			}
		})
	}
}
