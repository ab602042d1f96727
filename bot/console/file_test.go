package console

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/coursebot/coursebot"
	"github.com/coursebot/coursebot/bot"
)

// TestFileSaved: a reply's file is written into FileDir and announced as
// "saved NAME (N bytes)"; a second export of the same name gets -1, -2…
// and never overwrites, and a name with directories stays inside FileDir.
func TestFileSaved(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	data := []byte("learner,name\nconsole:alice,Alice\n")
	if err := os.WriteFile(filepath.Join(dir, "old.csv"), []byte("keep me"), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, wantFile string
	}{
		{"progress-spring.csv", "progress-spring.csv"},
		{"progress-spring.csv", "progress-spring-1.csv"},
		{"progress-spring.csv", "progress-spring-2.csv"},
		{"old.csv", "old-1.csv"},
		{"../../escape.csv", "escape.csv"},
		{"noext", "noext"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := &script{card: bot.Reply{Ephemeral: true, Title: "Progress of cohort spring (CSV)",
				Blocks: []bot.Block{{Kind: bot.BlockMarkdown, Text: "attached"}}, File: &bot.File{Name: tt.name, Data: data}}}
			var out bytes.Buffer
			c := New(h, coursebot.Learner{Platform: "console", UserID: "alice"}, &out, nil)
			c.FileDir = dir
			if err := c.Line(context.Background(), "/cohort progress spring csv"); err != nil {
				t.Fatal(err)
			}
			want := fmt.Sprintf("saved %s (%d bytes)", filepath.Join(dir, tt.wantFile), len(data))
			if !strings.Contains(out.String(), want) {
				t.Errorf("output lacks %q:\n%s", want, out.String())
			}
			got, err := os.ReadFile(filepath.Join(dir, tt.wantFile))
			if err != nil || !bytes.Equal(got, data) {
				t.Errorf("%s = %q, %v; want %q", tt.wantFile, got, err, data)
			}
		})
	}
	if got, _ := os.ReadFile(filepath.Join(dir, "old.csv")); string(got) != "keep me" {
		t.Errorf("an existing file was overwritten: %q", got)
	}
	if _, err := os.Stat(filepath.Join(filepath.Dir(filepath.Dir(dir)), "escape.csv")); err == nil {
		t.Errorf("a file escaped FileDir")
	}
}

// TestFileUnwritableAndPrinter: a directory that cannot be written gets one clear line,
// and the reply's text is still shown; so does the Printer's.
func TestFileUnwritableAndPrinter(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(t.TempDir(), "missing")
	f := &bot.File{Name: "progress-spring.csv", Data: []byte("a,b\n")}
	h := &script{card: bot.Reply{Ephemeral: true, Title: "Export", Blocks: []bot.Block{{Kind: bot.BlockMarkdown, Text: "attached"}}, File: f}}
	var out bytes.Buffer
	c := New(h, coursebot.Learner{Platform: "console", UserID: "alice"}, &out, nil)
	c.FileDir = dir
	if err := c.Line(context.Background(), "/cohort progress spring csv"); err != nil {
		t.Fatal(err)
	}
	if s := out.String(); !strings.Contains(s, "could not save the attached file") || !strings.Contains(s, "attached") {
		t.Errorf("output:\n%s", s)
	}

	var pout bytes.Buffer
	p := NewPrinter(&pout)
	p.FileDir = t.TempDir()
	if err := p.SendChannel(context.Background(), "general", []bot.Reply{{Title: "Export", File: f}}); err != nil {
		t.Fatal(err)
	}
	want := fmt.Sprintf("saved %s (4 bytes)", filepath.Join(p.FileDir, "progress-spring.csv"))
	if !strings.Contains(pout.String(), want) {
		t.Errorf("printer output lacks %q:\n%s", want, pout.String())
	}
}
