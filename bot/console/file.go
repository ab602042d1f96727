package console

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/coursebot/coursebot/bot"
)

// saveFile writes f into dir ("" is the current directory) under its own
// name, or name-1.ext, name-2.ext… when that exists: an export never
// overwrites a file. It returns the path written. The file is created
// 0600: exports hold learners' progress.
func saveFile(dir string, f *bot.File) (string, error) {
	if len(f.Data) > bot.MaxFileSize {
		return "", fmt.Errorf("%s is %d bytes, over the %d-byte limit", f.Name, len(f.Data), bot.MaxFileSize)
	}
	name := filepath.Base(filepath.Clean("/" + strings.ReplaceAll(f.Name, `\`, "/")))
	if name == "/" || name == "." || name == "" {
		name = "file"
	}
	ext := filepath.Ext(name)
	stem := strings.TrimSuffix(name, ext)
	for n := 0; n < 1000; n++ {
		try := name
		if n > 0 {
			try = fmt.Sprintf("%s-%d%s", stem, n, ext)
		}
		path := filepath.Join(dir, try)
		w, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
		if errors.Is(err, fs.ErrExist) {
			continue
		}
		if err != nil {
			return "", fmt.Errorf("save %s: %w", try, err)
		}
		_, werr := w.Write(f.Data)
		if cerr := w.Close(); werr == nil {
			werr = cerr
		}
		if werr != nil {
			_ = os.Remove(path)
			return "", fmt.Errorf("save %s: %w", try, werr)
		}
		return path, nil
	}
	return "", fmt.Errorf("save %s: 1000 files of that name already exist", name)
}

// fileLine is what the console prints for a reply's file: where it was
// saved, and what an image shows in words (its alt text).
func fileLine(dir string, f *bot.File) string {
	path, err := saveFile(dir, f)
	if err != nil {
		return fmt.Sprintf("could not save the attached file: %v", err)
	}
	line := fmt.Sprintf("saved %s (%d bytes)", path, len(f.Data))
	if f.Alt != "" {
		line += "\n" + f.Alt
	}
	return line
}
