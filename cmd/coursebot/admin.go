package main

import (
	"errors"
	"io"
	"net"
	"net/http"
	"os"
	"strconv"
	"strings"
	"time"
)

// The operator's endpoints live on admin.listen (loopback by default), apart
// from the public webhook address, which serves only the platforms'
// endpoints and the two probes:
//
//	public (http.listen)   Slack/Discord endpoints, GET /healthz, GET /readyz
//	admin (admin.listen)   GET /healthz, GET /readyz, GET /metrics, POST /admin/backup
//
// The probes are on both: a load balancer or Kubernetes probe may only
// reach the public port, and they say nothing but "ok"/"ready" or which
// check fails.

// adminBackupPath is where `coursebot backup` fetches a running bot's copy.
const adminBackupPath = "/admin/backup"

// adminHeader must be set on every admin request that is not a GET or HEAD
// (`coursebot backup` sends it). A web page cannot make a browser send a
// custom header to another origin without a CORS preflight, which the
// admin server never approves.
const adminHeader = "Coursebot-Admin"

// adminRoutes registers the operator's endpoints on the admin mux, each
// behind adminGuard.
func (s *server) adminRoutes() {
	g := adminGuard{hosts: s.cfg.Admin.Hosts}
	s.admin.Handle("GET /healthz", g.wrap(http.HandlerFunc(serveHealth)))
	s.admin.Handle("GET /readyz", g.wrap(http.HandlerFunc(s.serveReady)))
	s.admin.Handle("GET /metrics", g.wrap(s.m.Handler()))
	s.admin.Handle("POST "+adminBackupPath, g.wrap(http.HandlerFunc(s.serveBackup)))
}

// adminGuard refuses (403, one line) every admin request a browser could
// have been made to send by a web page: the admin address has no
// authentication and serves no pages, so no page has a reason to talk to
// it.
//
//   - The Host must be an IP address, localhost or a name listed in
//     admin.hosts: a page that rebinds its own name to the admin address
//     (DNS rebinding) sends its own name, so it cannot read /metrics or a
//     backup even though the browser takes it for same-origin.
//   - A request with an Origin header, or with Sec-Fetch-Site other than
//     "none" (an address typed by the user), came from a page: refused,
//     GET too. (net/http's CrossOriginProtection lets safe methods and
//     same-origin requests through; here nothing from a page is wanted.)
//   - Any method but GET and HEAD needs the Coursebot-Admin header, which
//     a cross-site form cannot set, for browsers too old to send the
//     headers above.
type adminGuard struct{ hosts []string }

func (g adminGuard) wrap(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if why := g.refuse(r); why != "" {
			http.Error(w, why, http.StatusForbidden)
			return
		}
		h.ServeHTTP(w, r)
	})
}

// refuse says why r is refused, or "".
func (g adminGuard) refuse(r *http.Request) string {
	if !g.host(r.Host) {
		return "admin endpoints answer only requests to an IP address, localhost or a name in admin.hosts"
	}
	if r.Header.Get("Origin") != "" {
		return "admin endpoints refuse requests sent by a web page (Origin header)"
	}
	if site := r.Header.Get("Sec-Fetch-Site"); site != "" && site != "none" {
		return "admin endpoints refuse requests sent by a web page (Sec-Fetch-Site: " + site + ")"
	}
	if r.Method != http.MethodGet && r.Method != http.MethodHead && r.Header.Get(adminHeader) == "" {
		return r.Method + " needs the " + adminHeader + " header (coursebot backup sends it)"
	}
	return ""
}

// host reports whether host (a Host header, maybe with a port) is an IP
// address, localhost or one of g.hosts.
func (g adminGuard) host(host string) bool {
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	host = strings.Trim(host, "[]")
	if strings.EqualFold(host, "localhost") || net.ParseIP(host) != nil {
		return true
	}
	for _, h := range g.hosts {
		if strings.EqualFold(host, h) {
			return true
		}
	}
	return false
}

// serveHealth answers ok; a failed write means the prober went away.
func serveHealth(w http.ResponseWriter, _ *http.Request) { _, _ = io.WriteString(w, "ok\n") }

// serveBackup is POST /admin/backup: a consistent copy of the database.
// The copy is first written to a temporary file at disk speed (one short
// read transaction, store.Snapshot), then streamed from that file, so a
// slow client never holds back learners' writes; a client that takes
// nothing more for admin.backup_stall_timeout is cut off. One backup at a
// time (each needs the database's size in free disk space); another gets
// 503. Content-Length is the copy's exact size, so a copy cut off half-way
// is an error for the client, never a short file taken for a whole one.
// adminGuard keeps web pages out.
func (s *server) serveBackup(w http.ResponseWriter, r *http.Request) {
	if !s.backupRunning.TryLock() {
		http.Error(w, "a backup is already being sent; try again when it is done", http.StatusServiceUnavailable)
		return
	}
	defer s.backupRunning.Unlock()
	snap, err := s.db.Snapshot()
	if err != nil {
		s.log.Error("admin backup failed", "err", err)
		http.Error(w, "backup failed; see the bot's log", http.StatusInternalServerError)
		return
	}
	defer func() {
		if err := snap.Close(); err != nil {
			s.log.Warn("admin backup: free the temporary copy", "err", err)
		}
	}()
	w.Header().Set("Content-Type", "application/octet-stream")
	w.Header().Set("Content-Length", strconv.FormatInt(snap.Size, 10))
	w.Header().Set("Cache-Control", "no-store")
	out := &stallWriter{w: w, rc: http.NewResponseController(w), stall: s.cfg.Admin.BackupStall}
	n, err := io.CopyBuffer(out, snap, make([]byte, 256<<10))
	if err != nil {
		if errors.Is(err, os.ErrDeadlineExceeded) {
			s.log.Warn("admin backup: the client stopped taking the copy; cut off", "bytes", n, "of", snap.Size, "stall", s.cfg.Admin.BackupStall)
		} else {
			s.log.Error("admin backup cut off", "bytes", n, "of", snap.Size, "err", err)
		}
		// The status is sent: cut the connection so the client sees a
		// short body against Content-Length.
		panic(http.ErrAbortHandler)
	}
	s.log.Info("admin backup sent", "bytes", n)
}

// stallWriter writes to an HTTP response, giving each write stall to
// complete: a client that stops reading fills its socket's buffers, the
// write blocks, and the deadline ends it.
type stallWriter struct {
	w     io.Writer
	rc    *http.ResponseController
	stall time.Duration
}

func (s *stallWriter) Write(p []byte) (int, error) {
	if err := s.rc.SetWriteDeadline(time.Now().Add(s.stall)); err != nil {
		return 0, err
	}
	return s.w.Write(p)
}
