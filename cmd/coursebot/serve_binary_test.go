package main

import (
	"bufio"
	"context"
	"crypto/ed25519"
	"encoding/hex"
	"errors"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/coursebot/coursebot/bot/bottest"
	"github.com/coursebot/coursebot/course/builtin"
	"github.com/coursebot/coursebot/internal/testwait"
	"github.com/coursebot/coursebot/store"
)

// proc is the built coursebot binary serving.
type proc struct {
	t     *testing.T
	cmd   *exec.Cmd
	base  string // http.listen
	admin string // admin.listen
	logs  *bottest.Log
	done  chan error
}

func binaryEnv() []string {
	return []string{
		"PATH=" + os.Getenv("PATH"), "HOME=" + os.TempDir(),
		"SLACK_BOT_TOKEN=" + testSlackToken, "SLACK_SIGNING_SECRET=" + testSlackSecret,
		"DISCORD_TOKEN=" + testDiscordToken,
		"DISCORD_PUBLIC_KEY=" + hex.EncodeToString(testDiscordKey().Public().(ed25519.PublicKey)),
	}
}

// startBinary runs `coursebot serve` and waits until it listens.
func startBinary(t *testing.T, args ...string) *proc {
	t.Helper()
	p := &proc{t: t, logs: &bottest.Log{}, done: make(chan error, 1)}
	p.cmd = exec.Command(binary(t), append([]string{"serve"}, args...)...)
	p.cmd.Env = binaryEnv()
	p.cmd.Stderr = p.logs
	out, err := p.cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { p.done <- p.cmd.Wait() }()
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("coursebot's log:\n%s", tail(p.logs.String(), 4000))
		}
	})
	t.Cleanup(func() {
		if p.cmd.ProcessState == nil {
			_ = p.cmd.Process.Kill() // it may have exited on its own
			if err := <-p.done; err != nil {
				t.Logf("serve killed at cleanup: %v", err)
			}
		}
	})
	p.base, p.admin = readAddrs(t, bufio.NewReader(out), p.logs)
	go func() { _, _ = io.Copy(io.Discard, out) }() // drain; the reader's end is the pipe's close
	return p
}

func (p *proc) get(path string) (int, string) { return p.getFrom(p.base, path) }

// adminGet is get on the admin address (admin.listen).
func (p *proc) adminGet(path string) (int, string) { return p.getFrom(p.admin, path) }

func (p *proc) getFrom(base, path string) (int, string) {
	resp, err := http.Get(base + path)
	if err != nil {
		return 0, err.Error()
	}
	defer func() { _ = resp.Body.Close() }()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func (p *proc) waitReady() {
	p.t.Helper()
	testwait.Until(p.t, "/readyz to answer 200", func() bool { code, _ := p.get("/readyz"); return code == 200 })
}

func (p *proc) waitLog(s string) {
	p.t.Helper()
	testwait.Until(p.t, "the log to show "+s, func() bool { return strings.Contains(p.logs.String(), s) })
}

// wait returns the exit error once the process ends (or fails the test
// after limit).
func (p *proc) wait(limit time.Duration) error {
	p.t.Helper()
	select {
	case err := <-p.done:
		return err
	case <-time.After(limit):
		p.t.Fatalf("process still running after %v:\n%s", limit, p.logs.String())
		return nil
	}
}

// copyCourse copies the built-in course to a directory a test may break.
func copyCourse(t *testing.T) string {
	dir := filepath.Join(t.TempDir(), "course")
	if err := os.CopyFS(dir, builtin.FS()); err != nil {
		t.Fatal(err)
	}
	return dir
}

const lessonFile = "lesson-modules/4-production/4-4-capstone.md"

func TestServeBinaryReloadAndShutdown(t *testing.T) {
	t.Parallel()
	api := newFakeAPI(t)
	dir := t.TempDir()
	course := copyCourse(t)
	cfg := serveConfig(t, dir, api, "course:\n  dir: "+course+"\n")
	p := startBinary(t, "--config", cfg)
	p.waitReady()

	// A broken course is rejected with its problems; the old one serves on.
	good, err := os.ReadFile(filepath.Join(course, lessonFile))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(course, lessonFile), []byte{}, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := p.cmd.Process.Signal(syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	p.waitLog("course reload rejected")
	if !strings.Contains(p.logs.String(), "4-4-capstone.md") {
		t.Errorf("the rejection should name the broken file:\n%s", p.logs.String())
	}
	if code, body := p.get("/readyz"); code != 200 {
		t.Errorf("after a rejected reload /readyz is %d: %s", code, body)
	}
	e := &serveEnv{t: t, api: api, base: p.base}
	if code := e.command("U5", "start-4-4"); code != 200 {
		t.Errorf("after a rejected reload /start-4-4 got HTTP %d", code)
	}
	_, m := p.adminGet("/metrics")
	if !strings.Contains(m, `coursebot_course_reloads_total{result="rejected"} 1`) {
		t.Errorf("reload not counted:\n%s", m)
	}

	// A fixed course is taken.
	if err := os.WriteFile(filepath.Join(course, lessonFile), good, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := p.cmd.Process.Signal(syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	p.waitLog("course reloaded")

	// SIGTERM: a clean stop, exit 0, the store closed and consistent.
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if err := p.wait(30 * time.Second); err != nil {
		t.Fatalf("exit after SIGTERM: %v\n%s", err, p.logs.String())
	}
	for _, want := range []string{"shutting down", "stopped"} {
		if !strings.Contains(p.logs.String(), want) {
			t.Errorf("log lacks %q", want)
		}
	}
	db, err := store.Open(filepath.Join(dir, "coursebot.db"), store.Options{LockTimeout: 100 * time.Millisecond})
	if err != nil {
		t.Fatalf("store after shutdown: %v", err)
	}
	if p, err := db.Progress(context.Background(), "slack:U5", "4-4"); err != nil || p.Card != "intro" {
		t.Errorf("the learner's start was not kept: %+v %v", p, err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}

	// A restart resumes the learner where they were: Next on the first
	// card moves them on.
	p2 := startBinary(t, "--config", cfg)
	p2.waitReady()
	e2 := &serveEnv{t: t, api: api, base: p2.base}
	if code := e2.press("U5", "Next", "next|4-4|intro", 1); code != 200 {
		t.Fatalf("Next after the restart: HTTP %d", code)
	}
	testwait.Until(t, "the press after the restart to be handled as ok", func() bool {
		_, m := p2.adminGet("/metrics")
		return strings.Contains(m, `coursebot_messages_total{kind="press",name="next",outcome="ok",platform="slack"} 1`)
	})
	if err := p2.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if err := p2.wait(30 * time.Second); err != nil {
		t.Fatalf("second run's exit: %v", err)
	}
	db, err = store.Open(filepath.Join(dir, "coursebot.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		if err := db.Close(); err != nil {
			t.Error(err)
		}
	}()
	if p, err := db.Progress(context.Background(), "slack:U5", "4-4"); err != nil || p.Card != "opener" {
		t.Errorf("after the restart and Next the learner is on %q (%v), want opener", p.Card, err)
	}
}

// TestServeBinarySecondSignal: while shutdown waits for a stuck delivery,
// a second SIGTERM ends the process at once.
func TestServeBinarySecondSignal(t *testing.T) {
	t.Parallel()
	api := newFakeAPI(t)
	api.delay.Store(int64(time.Minute)) // every Slack call hangs
	dir := t.TempDir()
	p := startBinary(t, "--config", serveConfig(t, dir, api, ""))
	p.waitReady()
	e := &serveEnv{t: t, api: api, base: p.base}
	if code := e.command("U9", "start-4-4"); code != 200 {
		t.Fatalf("/start-4-4: HTTP %d", code)
	}
	// Wait until the delivery is stuck in the fake API.
	testwait.Until(t, "a Slack call to reach the fake API", func() bool { return api.seq.Load() > 0 })
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	p.waitLog("shutting down")
	start := time.Now()
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	// Killed by the signal, not exited after the graceful drain (10 s):
	// the exit status tells which; the bound is only liveness.
	err := p.wait(60 * time.Second)
	var ee *exec.ExitError
	if !errors.As(err, &ee) {
		t.Fatalf("second signal: want the process killed by it, got %v", err)
	}
	if ws, ok := ee.Sys().(syscall.WaitStatus); !ok || !ws.Signaled() || ws.Signal() != syscall.SIGTERM {
		t.Errorf("second signal: exit %v, want death by SIGTERM", err)
	}
	t.Logf("exited %v after the second signal", time.Since(start).Round(time.Millisecond))
}

// TestServeBinaryStartupFailures: each bad start exits 1 with one line
// saying what and where.
func TestServeBinaryStartupFailures(t *testing.T) {
	t.Parallel()
	api := newFakeAPI(t)
	dir := t.TempDir()
	good := serveConfig(t, dir, api, "")
	held, err := store.Open(filepath.Join(dir, "coursebot.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		if err := held.Close(); err != nil {
			t.Error(err)
		}
	}()

	badYAML := filepath.Join(dir, "bad.yaml")
	if err := os.WriteFile(badYAML, []byte("slack:\n  enabled: true\n  mode: carrier-pigeon\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	unreadable := filepath.Join(dir, "nocourse.yaml")
	src, _ := os.ReadFile(good)
	if err := os.WriteFile(unreadable, append(src, []byte("course:\n  dir: "+filepath.Join(dir, "missing-course")+"\n")...), 0o600); err != nil {
		t.Fatal(err)
	}

	for _, tc := range []struct {
		name  string
		env   []string // replaces binaryEnv() when set
		args  []string
		wants []string
	}{
		{"bad config", nil, []string{"--config", badYAML}, []string{"bad.yaml:3", "slack.mode", "carrier-pigeon"}},
		{"missing secret", []string{"PATH=" + os.Getenv("PATH")}, []string{"--config", good}, []string{"SLACK_BOT_TOKEN is not set", "SLACK_SIGNING_SECRET is not set", "DISCORD_TOKEN is not set"}},
		{"unreadable course", nil, []string{"--config", unreadable}, []string{"missing-course"}},
		{"locked database", nil, []string{"--config", good}, []string{"coursebot.db", "in use by another coursebot process"}},
		{"missing config file", nil, []string{"--config", filepath.Join(dir, "nope.yaml")}, []string{"nope.yaml", "no such file"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cmd := exec.Command(binary(t), append([]string{"serve"}, tc.args...)...)
			cmd.Env = binaryEnv()
			if tc.env != nil {
				cmd.Env = tc.env
			}
			var stderr strings.Builder
			cmd.Stderr = &stderr
			err := cmd.Run()
			var ee *exec.ExitError
			if !errors.As(err, &ee) || ee.ExitCode() != exitError {
				t.Fatalf("exit: %v, want %d\n%s", err, exitError, stderr.String())
			}
			msg := strings.TrimSpace(stderr.String())
			first := strings.SplitN(msg, "\n", 2)[0]
			if !strings.HasPrefix(first, "coursebot: ") {
				t.Errorf("first line %q should start with coursebot:", first)
			}
			for _, w := range tc.wants {
				if !strings.Contains(first, w) {
					t.Errorf("first line %q lacks %q", first, w)
				}
			}
			if strings.Contains(msg, "\n") && tc.name != "bad config" {
				t.Errorf("want one line, got:\n%s", msg)
			}
		})
	}
}
