package main

import (
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
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

// adminRoutes registers the operator's endpoints on the admin mux.
func (s *server) adminRoutes() {
	s.admin.HandleFunc("GET /healthz", serveHealth)
	s.admin.HandleFunc("GET /readyz", s.serveReady)
	s.admin.Handle("GET /metrics", s.m.Handler())
	s.admin.HandleFunc("POST "+adminBackupPath, s.serveBackup)
}

// serveHealth answers ok; a failed write means the prober went away.
func serveHealth(w http.ResponseWriter, _ *http.Request) { _, _ = io.WriteString(w, "ok\n") }

// serveBackup is POST /admin/backup: a consistent copy of the database
// streamed from one read transaction (bbolt's tx.WriteTo; writers carry on).
// Content-Length is the copy's exact size, so a copy cut off half-way is
// an error for the client, never a short file taken for a whole one. POST,
// and a Host that is an IP address or localhost, so neither a link nor a
// web page that rebinds its own name to 127.0.0.1 can fetch the learners'
// data through a browser.
func (s *server) serveBackup(w http.ResponseWriter, r *http.Request) {
	if !literalHost(r.Host) {
		http.Error(w, "admin endpoints answer only requests to an IP address or localhost", http.StatusForbidden)
		return
	}
	n, err := s.db.BackupSized(func(size int64) io.Writer {
		w.Header().Set("Content-Type", "application/octet-stream")
		w.Header().Set("Content-Length", strconv.FormatInt(size, 10))
		w.Header().Set("Cache-Control", "no-store")
		return w
	})
	if err != nil {
		s.log.Error("admin backup failed", "bytes", n, "err", err)
		if n == 0 {
			http.Error(w, "backup failed; see the bot's log", http.StatusInternalServerError)
			return
		}
		// The status is sent: cut the connection so the client sees a
		// short body against Content-Length.
		panic(http.ErrAbortHandler)
	}
	s.log.Info("admin backup sent", "bytes", n)
}

// literalHost reports whether host (a Host header, maybe with a port) is
// an IP address or localhost.
func literalHost(host string) bool {
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	host = strings.Trim(host, "[]")
	return strings.EqualFold(host, "localhost") || net.ParseIP(host) != nil
}
