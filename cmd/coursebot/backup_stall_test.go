//go:build unix

package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/coursebot/coursebot"
	"github.com/coursebot/coursebot/internal/testwait"
	"github.com/coursebot/coursebot/store"
)

// fillDB writes learners with 100 KB answers into dir/coursebot.db until
// the data reaches size bytes (bbolt's high-water mark, as a copy's size).
func fillDB(t testing.TB, dir string, size int64) {
	t.Helper()
	db, err := store.Open(filepath.Join(dir, "coursebot.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		if err := db.Close(); err != nil {
			t.Error(err)
		}
	}()
	answer := strings.Repeat("filler ", 100<<10/7)
	for i := 0; ; i++ {
		if i%8 == 0 {
			if n, err := db.Backup(io.Discard); err != nil || n >= size {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
		}
		_, _, err := db.UpdateProgress(context.Background(), fmt.Sprintf("slack:UF%04d", i), "4-4", func(_ *coursebot.LearnerRecord, p *coursebot.Progress) error {
			p.Answers = map[string]coursebot.Answer{"q": {Text: answer}}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
}

// startBackupClient asks the admin server at base for a backup over a
// connection with a 4 KB receive buffer from the start (before the
// handshake sets the window), so the server's socket fills after a few MB
// if the client stops reading, and returns the connection and the
// response, its headers read.
func startBackupClient(t testing.TB, base string) (net.Conn, *http.Response) {
	t.Helper()
	d := net.Dialer{Control: func(_, _ string, c syscall.RawConn) error {
		var serr error
		if err := c.Control(func(fd uintptr) { serr = syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_RCVBUF, 4096) }); err != nil {
			return err
		}
		return serr
	}}
	conn, err := d.Dial("tcp", strings.TrimPrefix(base, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.WriteString(conn, "POST "+adminBackupPath+" HTTP/1.1\r\nHost: 127.0.0.1\r\n"+adminHeader+": backup\r\nContent-Length: 0\r\n\r\n"); err != nil {
		t.Fatal(err)
	}
	resp, err := http.ReadResponse(bufio.NewReaderSize(conn, 4096), nil)
	if err != nil {
		t.Fatal(err)
	}
	return conn, resp
}

// TestBackupToAClientThatStopsReading: a backup client that reads the
// headers and a little of the copy, then stops reading. Learners go on
// being acknowledged meanwhile, even for writes that grow the file (a read
// transaction held for the client would make those wait until it went
// away), /readyz stays ready, and the client is cut off once it has taken
// nothing for admin.backup_stall_timeout, its temporary copy freed.
func TestBackupToAClientThatStopsReading(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	// 7 MiB of data in an 8 MiB map: more than the sockets buffer, and
	// 1 MiB of new pages away from growing the map.
	fillDB(t, dir, 7<<20)
	e := startServeIn(t, dir, "admin:\n  listen: 127.0.0.1:0\n  backup_stall_timeout: 300ms\ncourse:\n  answer_limit: 20000\n")

	conn, resp := startBackupClient(t, e.admin)
	defer func() { _ = conn.Close() }()
	if resp.StatusCode != 200 || resp.ContentLength < 7<<20 {
		t.Fatalf("backup answered %s, %d bytes", resp.Status, resp.ContentLength)
	}
	if _, err := io.CopyN(io.Discard, resp.Body, 64<<10); err != nil {
		t.Fatal(err)
	}
	// The client stops reading here. Learners answer with long texts:
	// with no read transaction held, freed pages are reused; with one,
	// every answer takes new pages and the map must grow.
	if code := e.command("U7", "start-4-4"); code != 200 {
		t.Fatalf("/start-4-4 during the backup: HTTP %d", code)
	}
	text := strings.Repeat("a long answer ", 15000/14)
	for i := range 60 {
		if code := e.answer("U7", e.cards[2].question, text, 100+i); code != 200 {
			t.Fatalf("answer %d during the backup: HTTP %d", i, code)
		}
	}
	if code, body := e.adminGet("/readyz"); code != 200 {
		t.Errorf("/readyz during the backup: %d %s", code, body)
	}
	testwait.Until(t, "the server to cut off the client that stopped reading", func() bool {
		return strings.Contains(e.logs.String(), "the client stopped taking the copy")
	})
	n, err := io.Copy(io.Discard, resp.Body)
	if err == nil || 64<<10+n >= resp.ContentLength {
		t.Errorf("the cut-off client read %d more bytes of %d, err %v: want a short body and an error", n, resp.ContentLength, err)
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, en := range entries {
		if strings.Contains(en.Name(), "snapshot") {
			t.Errorf("the temporary copy %s is left behind", en.Name())
		}
	}
	// The next backup is served: the cut-off one let go of everything.
	copyPath := filepath.Join(t.TempDir(), "copy.db")
	if _, errs, code := runCmd(t, "", "backup", "--admin", strings.TrimPrefix(e.admin, "http://"), copyPath); code != exitOK {
		t.Fatalf("backup after the cut-off one: exit %d: %s", code, errs)
	}
}

// fakeStoreHealth is what storeReady reads.
type fakeStoreHealth struct {
	fault error
	wait  time.Duration
}

func (f fakeStoreHealth) Fault() error             { return f.fault }
func (f fakeStoreHealth) WriteWait() time.Duration { return f.wait }
func (f fakeStoreHealth) Schema() (int, error)     { return 2, nil }

// TestReadyzSaysWhenWritesAreBlocked: the store check fails, saying so,
// once a write has waited longer than writesStalled (store.DB.WriteWait;
// store's TestWriteWaitSeesAWriteStalledBehindAReader shows it measures a
// write stuck behind a reader).
func TestReadyzSaysWhenWritesAreBlocked(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		wait time.Duration
		want string
	}{
		{0, ""},
		{writesStalled, ""},
		{writesStalled + 3*time.Second, "writes are blocked: one has waited 5s"},
	} {
		err := storeReady(fakeStoreHealth{wait: c.wait})()
		if (err == nil) != (c.want == "") || (err != nil && !strings.Contains(err.Error(), c.want)) {
			t.Errorf("a write waiting %v: %v, want %q", c.wait, err, c.want)
		}
	}
}

// TestServeBinaryKill9DuringBackup: the process is killed while a backup
// client holds the copy half-read and a learner's answer, acknowledged
// during the backup, is not done yet. The temporary copy leaves nothing in
// the data directory (it was unlinked when made), the client gets a short
// body, and the next start does the acknowledged answer: nothing lost,
// nothing posted twice.
func TestServeBinaryKill9DuringBackup(t *testing.T) {
	t.Parallel()
	api := newWireSlack(t)
	var hold atomic.Bool
	stalled := make(chan struct{}, 1)
	api.stall = func(method string) bool {
		if method != "chat.postMessage" || !hold.Load() {
			return false
		}
		select {
		case stalled <- struct{}{}:
		default:
		}
		return true // the answer's work stays undone until the kill
	}
	dir := t.TempDir()
	fillDB(t, dir, 7<<20)
	cfg := slackOnlyConfig(t, dir, api.apiURL(), "")
	q := firstQuestion(t)

	p := startBinary(t, "--config", cfg)
	e := &serveEnv{t: t, base: p.base}
	if code, body := e.slackPost("/slack/commands", slackCommandBody("UBK", "start-4-4")); code != 200 {
		t.Fatalf("start: HTTP %d %s", code, body)
	}
	p.waitDrained(1)
	conn, resp := startBackupClient(t, p.admin)
	defer func() { _ = conn.Close() }()
	if resp.StatusCode != 200 {
		t.Fatalf("backup: %s", resp.Status)
	}
	hold.Store(true)
	if code, _ := e.slackPost("/slack/interactions", slackAnswerBody("UBK", q, "answered during a backup", "VBK")); code != 200 {
		t.Fatalf("answer during the backup: HTTP %d", code)
	}
	<-stalled
	p.kill9()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, en := range entries {
		if strings.Contains(en.Name(), "snapshot") {
			t.Errorf("the killed backup left %s behind", en.Name())
		}
	}
	if n, err := io.Copy(io.Discard, resp.Body); err == nil || n >= resp.ContentLength {
		t.Errorf("the client of the killed backup read %d of %d bytes, err %v: want a short body and an error", n, resp.ContentLength, err)
	}
	hold.Store(false)

	db := drainAndOpen(t, cfg, dir)
	pr, err := db.Progress(context.Background(), "slack:UBK", "4-4")
	if err != nil {
		t.Fatal(err)
	}
	if pr.Answers[q].Text != "answered during a backup" {
		t.Errorf("the answer acknowledged during the backup was lost (saved %q)", pr.Answers[q].Text)
	}
	if ids, _ := api.doubled(); len(ids) > 0 {
		t.Errorf("posted twice: %v", ids)
	}
}
