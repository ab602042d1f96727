// Package yamlsyntax splits a yaml.v3 syntax error into its line and its
// sentence. yaml.v3 (v3.0.1) reports a syntax error only as text,
// fmt.Errorf("yaml: line %d: %s") inside an unexported type, and exports no
// error type or position for it (its *TypeError holds only strings too), so
// this is the one place in coursebot where a line number is read out of a
// message. Everything else that reads YAML (the configuration, the course
// manifest) takes lines from yaml.Node.
package yamlsyntax

import (
	"strconv"
	"strings"
)

// Split turns "yaml: line 3: mapping values are not allowed in this
// context" into 3 and "mapping values are not allowed in this context";
// without a line, 0 and the message without "yaml: ".
func Split(err error) (line int, msg string) {
	msg = strings.TrimPrefix(err.Error(), "yaml: ")
	if rest, ok := strings.CutPrefix(msg, "line "); ok {
		if n, tail, ok := strings.Cut(rest, ": "); ok {
			if line, err := strconv.Atoi(n); err == nil {
				return line, tail
			}
		}
	}
	return 0, msg
}
