package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/coursebot/coursebot/store"
)

// The public address serves the platforms and the probes only; metrics
// and backups are on admin.listen.
func TestAdminEndpointsAreOnlyOnTheAdminAddress(t *testing.T) {
	t.Parallel()
	e := startServe(t, "")
	if e.base == e.admin {
		t.Fatalf("public and admin on one address %s", e.base)
	}
	if code, _ := e.get("/metrics"); code != http.StatusNotFound {
		t.Errorf("public /metrics: HTTP %d, want 404", code)
	}
	if resp, err := http.Post(e.base+adminBackupPath, "", nil); err != nil || resp.StatusCode != http.StatusNotFound {
		t.Errorf("public POST %s: %v %v, want 404", adminBackupPath, resp, err)
	} else {
		_ = resp.Body.Close()
	}
	if code, m := e.adminGet("/metrics"); code != 200 || !strings.Contains(m, "# TYPE coursebot_panics_total counter") {
		t.Errorf("admin /metrics: HTTP %d\n%s", code, m)
	}
	for _, base := range []string{e.base, e.admin} {
		for path, want := range map[string]string{"/healthz": "ok\n", "/readyz": "ready\n"} {
			if code, body := e.getFrom(base, path); code != 200 || body != want {
				t.Errorf("%s%s: %d %q", base, path, code, body)
			}
		}
	}
}

// TestAdminRefusesWhatABrowserCouldBeMadeToSend: every admin route
// refuses a Host that is not an IP address, localhost or a name in
// admin.hosts (a page that rebinds its own name to the admin address), and
// any request a web page could make a browser send: one with an Origin or
// a cross-site Sec-Fetch-Site, and a POST without the Coursebot-Admin
// header (a cross-site form). What the operator's tools send is answered.
func TestAdminRefusesWhatABrowserCouldBeMadeToSend(t *testing.T) {
	t.Parallel()
	e := startServe(t, "admin:\n  listen: 127.0.0.1:0\n  hosts: [coursebot.internal]\n")
	do := func(method, path, host string, header map[string]string) int {
		t.Helper()
		req, _ := http.NewRequest(method, e.admin+path, nil)
		if host != "" {
			req.Host = host
		}
		for k, v := range header {
			req.Header.Set(k, v)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatalf("%s %s: %v", method, path, err)
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		_ = resp.Body.Close()
		return resp.StatusCode
	}
	admin := map[string]string{adminHeader: "backup"}
	routes := []struct{ method, path string }{{"GET", "/healthz"}, {"GET", "/readyz"}, {"GET", "/metrics"}, {"POST", adminBackupPath}}
	for _, r := range routes {
		for _, c := range []struct {
			what   string
			host   string
			header map[string]string
			want   int
		}{
			{"the operator's tools", "", admin, 200},
			{"localhost", "localhost:9090", admin, 200},
			{"a name in admin.hosts", "CourseBot.internal:9090", admin, 200},
			{"a rebinding page's name", "evil.example:9090", admin, 403},
			{"a page's fetch (Origin)", "", map[string]string{adminHeader: "backup", "Origin": "https://evil.example"}, 403},
			{"a cross-site request", "", map[string]string{adminHeader: "backup", "Sec-Fetch-Site": "cross-site"}, 403},
			{"a same-site request", "", map[string]string{adminHeader: "backup", "Sec-Fetch-Site": "same-site"}, 403},
			{"an address typed in a browser", "", map[string]string{adminHeader: "backup", "Sec-Fetch-Site": "none"}, 200},
		} {
			if got := do(r.method, r.path, c.host, c.header); got != c.want {
				t.Errorf("%s %s from %s: HTTP %d, want %d", r.method, r.path, c.what, got, c.want)
			}
		}
	}
	// A cross-site HTML form can send neither a custom header nor omit
	// its Origin, and old browsers send neither Origin nor Sec-Fetch-Site:
	// a POST without the header is refused whatever else it carries.
	if got := do("POST", adminBackupPath, "", nil); got != 403 {
		t.Errorf("POST %s without %s: HTTP %d, want 403", adminBackupPath, adminHeader, got)
	}
	if got := do("POST", adminBackupPath, "", map[string]string{"Origin": "null", "Content-Type": "application/x-www-form-urlencoded"}); got != 403 {
		t.Errorf("a cross-site form's POST %s: HTTP %d, want 403", adminBackupPath, got)
	}
}

// `coursebot backup` against a running bot: the file is locked by serve,
// so the copy comes from the admin endpoint; it is a valid coursebot
// database holding what the learners did.
func TestBackupWhileServing(t *testing.T) {
	t.Parallel()
	e := startServe(t, "")
	e.takeLesson("U1", "an answer")
	e.waitMetric(`coursebot_lesson_completions_total{lesson="4-4"} 1`)
	e.waitMetric(`coursebot_inbox_depth 0`) // the last step's writes are committed with its item
	dbPath := filepath.Join(e.dir, "coursebot.db")
	adminAddr := strings.TrimPrefix(e.admin, "http://")

	// Today's refusal, for the record: opening the file directly fails.
	if _, err := store.Open(dbPath, store.Options{LockTimeout: 50 * time.Millisecond}); err == nil {
		t.Fatal("the running bot's file opened twice")
	}

	// --admin names the running bot.
	copy1 := filepath.Join(t.TempDir(), "copy1.db")
	out, errs, code := runCmd(t, "", "backup", "--db", dbPath, "--admin", adminAddr, copy1)
	if code != exitOK {
		t.Fatalf("backup --admin: exit %d: %s", code, errs)
	}
	if !strings.Contains(out, "running bot") || !strings.Contains(out, "1 learners") {
		t.Errorf("backup said %q", out)
	}
	// Without --admin: the file is in use, so admin.listen from the config.
	cfg := filepath.Join(t.TempDir(), "backup.yaml")
	body := fmt.Sprintf("store:\n  path: %s\n  lock_timeout: 100ms\nadmin:\n  listen: %s\n", dbPath, adminAddr)
	if err := os.WriteFile(cfg, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	copy2 := filepath.Join(t.TempDir(), "copy2.db")
	if _, errs, code := runCmd(t, "", "backup", "--config", cfg, copy2); code != exitOK {
		t.Fatalf("backup --config (admin.listen): exit %d: %s", code, errs)
	}

	for _, c := range []string{copy1, copy2} {
		db, err := store.Open(c, store.Options{})
		if err != nil {
			t.Fatalf("open the copy %s: %v", c, err)
		}
		data, err := db.LearnerData(context.Background(), "slack:U1")
		if err := db.Close(); err != nil {
			t.Error(err)
		}
		if err != nil || !data.Found || len(data.Progress) != 1 || data.Progress[0].Completed.IsZero() {
			t.Fatalf("copy %s: slack:U1 = %+v, %v", c, data, err)
		}
		if out, errs, code := runCmd(t, "", "check", c); code != exitOK || !strings.Contains(out, ": ok (") {
			t.Errorf("check %s: exit %d: %s %s", c, code, out, errs)
		}
	}
	if _, m := e.adminGet("/metrics"); !strings.Contains(m, `coursebot_http_request_seconds_count{code="200",route="POST /admin/backup"} 2`) {
		t.Errorf("two backups were not served by the admin endpoint:\n%s", m)
	}
}

// With the bot stopped, backup reads the file itself.
func TestBackupOfAStoppedBot(t *testing.T) {
	t.Parallel()
	db := learnerDB(t)
	copyPath := filepath.Join(t.TempDir(), "copy.db")
	out, errs, code := runCmd(t, "", "backup", "--db", db, copyPath)
	if code != exitOK || !strings.Contains(out, "2 learners") {
		t.Fatalf("backup: exit %d: %s %s", code, out, errs)
	}
}
