package main

import (
	"os"
	"regexp"
	"strings"
	"testing"
)

// TestReadmeNamesPrerequisites: a newcomer learns from the README which
// Go to install (the version go.mod asks for) and that `make test` needs
// a C compiler (the race detector uses cgo).
func TestReadmeNamesPrerequisites(t *testing.T) {
	t.Parallel()
	mod, err := os.ReadFile("../../go.mod")
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`(?m)^go (\d+)\.(\d+)`).FindSubmatch(mod)
	if m == nil {
		t.Fatal("go.mod has no go directive")
	}
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"Go " + string(m[1]) + "." + string(m[2]), "C compiler", "make"} {
		if !strings.Contains(string(readme), want) {
			t.Errorf("README does not name %q", want)
		}
	}
}
