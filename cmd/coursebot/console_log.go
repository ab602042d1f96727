package main

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
)

// The console's log. The learner's terminal is their chat: log lines
// (a tutor that fell back, a slow store) do not belong in it. They go to a
// file beside the database (coursebot.db -> coursebot.log), created on the
// first line, or with --verbose to stderr.

// consoleLogPath is the log file of the console run on database db.
func consoleLogPath(db string) string {
	return strings.TrimSuffix(db, filepath.Ext(db)) + ".log"
}

// lazyFile appends to a file it creates on the first write, so a run that
// logs nothing leaves no file behind.
type lazyFile struct {
	path string
	mu   sync.Mutex
	f    *os.File
	err  error
}

func (l *lazyFile) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.f == nil && l.err == nil {
		l.f, l.err = os.OpenFile(l.path, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	}
	if l.err != nil {
		return 0, fmt.Errorf("console log %s: %w", l.path, l.err)
	}
	return l.f.Write(p)
}

// Close closes the file if it was opened.
func (l *lazyFile) Close() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.f == nil {
		return nil
	}
	return l.f.Close()
}

var _ io.WriteCloser = (*lazyFile)(nil)
