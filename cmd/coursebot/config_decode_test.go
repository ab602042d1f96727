package main

import (
	"errors"
	"reflect"
	"testing"

	"gopkg.in/yaml.v3"
)

// syntaxProblem is the one place a line number is read out of a message
// (yaml.v3 exports no position for a syntax error). The cases come from
// yaml.v3 itself, so a change of its wording fails here.
func TestSyntaxProblem(t *testing.T) {
	var n yaml.Node
	tests := []struct {
		err  error
		want Problem
	}{
		{yaml.Unmarshal([]byte("slack:\n  mode: http\n    enabled: true\n"), &n),
			Problem{Line: 3, Msg: "invalid YAML: mapping values are not allowed in this context"}},
		{yaml.Unmarshal([]byte("a: [b,\n"), &n),
			Problem{Line: 1, Msg: "invalid YAML: did not find expected node content"}},
		{yaml.Unmarshal([]byte("a: \"b\n"), &n),
			Problem{Line: 2, Msg: "invalid YAML: found unexpected end of stream"}},
		{errors.New("yaml: line x: odd"), Problem{Msg: "invalid YAML: line x: odd"}},
		{errors.New("yaml: control characters are not allowed"), Problem{Msg: "invalid YAML: control characters are not allowed"}},
	}
	for _, tt := range tests {
		if tt.err == nil {
			t.Fatalf("want an error for %+v", tt.want)
		}
		if got := syntaxProblem(tt.err); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("syntaxProblem(%q) = %+v, want %+v", tt.err, got, tt.want)
		}
	}
}
