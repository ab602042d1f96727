package yamlsyntax_test

import (
	"errors"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/coursebot/coursebot/internal/yamlsyntax"
)

// The cases come from yaml.v3 itself, so a change of its wording fails here.
func TestSplit(t *testing.T) {
	t.Parallel()
	var n yaml.Node
	tests := []struct {
		err  error
		line int
		msg  string
	}{
		{yaml.Unmarshal([]byte("slack:\n  mode: http\n    enabled: true\n"), &n), 3, "mapping values are not allowed in this context"},
		{yaml.Unmarshal([]byte("a: [b,\n"), &n), 1, "did not find expected node content"},
		{yaml.Unmarshal([]byte("a: \"b\n"), &n), 2, "found unexpected end of stream"},
		{errors.New("yaml: line x: odd"), 0, "line x: odd"},
		{errors.New("yaml: control characters are not allowed"), 0, "control characters are not allowed"},
	}
	for _, tt := range tests {
		if tt.err == nil {
			t.Fatalf("want an error for %q", tt.msg)
		}
		if line, msg := yamlsyntax.Split(tt.err); line != tt.line || msg != tt.msg {
			t.Errorf("Split(%q) = %d, %q; want %d, %q", tt.err, line, msg, tt.line, tt.msg)
		}
	}
}
