// Package builtin embeds the built-in course: Lesson 4.4 from the course's
// own repository layout, copied unchanged from the author's files.
package builtin

import (
	"embed"
	"io/fs"
)

//go:embed all:course
var files embed.FS

// FS returns the built-in course as a file system rooted at the course
// repository's top (".claude/commands/...", "lesson-modules/...").
func FS() fs.FS {
	sub, err := fs.Sub(files, "course")
	if err != nil {
		// fs.Sub fails only on an invalid path; "course" is a constant.
		panic(err)
	}
	return sub
}
