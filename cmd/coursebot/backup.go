package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"time"

	"github.com/coursebot/coursebot/store"
)

// runBackup writes a consistent copy of the database. On a stopped bot it
// reads the file itself; when the file is in use by a running `serve`, it
// asks that process for the copy over the admin address (admin.listen, or
// --admin), which copies it to a local file and streams that. Either way the copy
// is written to PATH.tmp, fsynced, checked (store.Check) and only then
// renamed over PATH.
func runBackup(ctx context.Context, args []string, stdout io.Writer, env func(string) string) (err error) {
	fs := flags("backup")
	set := settingsFlags(fs, false)
	admin := fs.String("admin", "", "fetch the copy from the running bot at this admin address (host:port; default admin.listen when the database is in use)")
	if err := parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return usagef("backup: want the path to write the copy to")
	}
	cfg, err := set.load(env)
	if err != nil {
		return err
	}
	path := fs.Arg(0)
	from := cfg.Store.Path
	fill := func(w io.Writer) error { return fetchBackup(ctx, *admin, w) }
	if *admin == "" {
		db, err := openStore(cfg)
		switch {
		case err == nil:
			defer closeInto(&err, db, "the database")
			fill = func(w io.Writer) error { _, err := db.Backup(w); return err }
		case errors.Is(err, store.ErrLocked):
			// serve has the file: ask it.
			*admin = cfg.Admin.Listen
		default:
			return err
		}
	}
	if *admin != "" {
		from = "the running bot (admin " + *admin + ")"
	}
	rep, err := store.WriteBackup(path, fill, cfg.Store.LockTimeout)
	if err != nil {
		return fmt.Errorf("backup of %s to %s: %w", from, path, err)
	}
	_, err = fmt.Fprintf(stdout, "wrote a consistent copy of %s to %s (%d bytes, %d learners, checked)\n", from, path, rep.Bytes, rep.Learners)
	return err
}

// fetchBackup streams POST http://addr/admin/backup into w. A copy cut off
// half-way is an error (the response has the copy's Content-Length).
func fetchBackup(ctx context.Context, addr string, w io.Writer) error {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("admin address %q is not host:port", addr)
	}
	if ip := net.ParseIP(host); host == "" || (ip != nil && ip.IsUnspecified()) {
		host = "127.0.0.1" // listening on every interface: loopback is one
	}
	url := "http://" + net.JoinHostPort(host, port) + adminBackupPath
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, nil)
	if err != nil {
		return err
	}
	req.Header.Set(adminHeader, "backup") // the admin server's guard against web pages
	// No overall timeout: a big file takes as long as it takes. Only
	// connecting and the first byte are bounded.
	client := &http.Client{Transport: &http.Transport{
		DialContext:           (&net.Dialer{Timeout: 5 * time.Second}).DialContext,
		ResponseHeaderTimeout: 30 * time.Second,
	}}
	resp, err := client.Do(req)
	if err != nil {
		return fmt.Errorf("the database is in use and the running bot did not answer at admin.listen %s (set admin.listen in the config or pass --admin): %w", addr, err)
	}
	defer func() { _ = resp.Body.Close() }() // read-only: what was read is checked
	if resp.StatusCode != http.StatusOK {
		msg, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
		return fmt.Errorf("%s answered %s: %s", url, resp.Status, trimLine(string(msg)))
	}
	if _, err := io.Copy(w, resp.Body); err != nil {
		return fmt.Errorf("copy from %s cut off: %w", url, err)
	}
	return nil
}

func trimLine(s string) string {
	for i, r := range s {
		if r == '\n' {
			return s[:i]
		}
	}
	return s
}
