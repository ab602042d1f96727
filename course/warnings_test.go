package course_test

import (
	"strings"
	"testing"
	"testing/fstest"

	"github.com/coursebot/coursebot/course"
)

func TestWarningsStepThatDeliversNothing(t *testing.T) {
	t.Parallel()
	fsys := fstest.MapFS{
		".claude/commands/start-1-1.md": {Data: []byte("# Lesson 1.1: Basics\n\n## Lesson Flow\n\n### 1. Opener (3 min)\nWelcome! You will build a pipeline.\n\n### 2. Practice (10 min)\nGuide them through, but let them drive.\n\n### 3. Wrap Up\nYou did it.\n")},
	}
	c, err := course.LoadFS(fsys, "test")
	if err != nil {
		t.Fatal(err)
	}
	ws := course.Warnings(c)
	if len(ws) != 1 || !strings.HasPrefix(ws[0].String(), ".claude/commands/start-1-1.md:8: warning: step 2 (Practice) delivers nothing") {
		t.Errorf("warnings = %v", ws)
	}
	b, err := course.LoadBuiltin()
	if err != nil {
		t.Fatal(err)
	}
	if ws := course.Warnings(b); len(ws) != 0 {
		t.Errorf("built-in course warnings = %v", ws)
	}
}
