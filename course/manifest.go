// The course manifest, coursebot.yaml, read with yaml.v3's node API: every
// problem names the line of the node it is about, so no line number is read
// out of an error message except a syntax error's (yaml.v3 exports no
// position for it; see internal/yamlsyntax).

package course

import (
	"errors"
	"fmt"
	"io/fs"
	"slices"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/coursebot/coursebot/internal/yamlsyntax"
)

// manifest is the optional coursebot.yaml at a course's top, for the few
// choices an author may want to override.
type manifest struct {
	Lessons  map[string]lessonManifest `yaml:"lessons"`
	Commands struct {
		Status string `yaml:"status"`
		Help   string `yaml:"help"`
	} `yaml:"commands"`
}

type lessonManifest struct {
	// Attach pins a module section (by its "##" title) to a step number;
	// 0 puts it on the opening card.
	Attach map[string]int `yaml:"attach"`
	// Revisit maps a self-assessment item's text to the lessons to revisit
	// when it is rated 1-2 (overriding the automatic match by wording).
	Revisit map[string][]string `yaml:"revisit"`
	// Repository are the capstone check's rules (repository.go).
	Repository []repoEntry
	line       int
}

func (l *loader) loadManifest() (manifest, error) {
	var m manifest
	src, err := fs.ReadFile(l.fsys, ManifestFile)
	if errors.Is(err, fs.ErrNotExist) {
		return m, nil
	}
	if err != nil {
		return m, fmt.Errorf("load course %s: %w", l.label, err)
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(src, &doc); err != nil {
		line, msg := yamlsyntax.Split(err)
		l.problem(ManifestFile, line, "%s", msg)
		return m, nil
	}
	if len(doc.Content) == 0 {
		return m, nil
	}
	r := manifestReader{l: l}
	r.each(doc.Content[0], "the manifest", []string{"lessons", "commands"}, func(k, v *yaml.Node) {
		switch k.Value {
		case "lessons":
			m.Lessons = map[string]lessonManifest{}
			r.each(v, "lessons", nil, func(id, v *yaml.Node) {
				lm := lessonManifest{line: id.Line}
				where := fmt.Sprintf("lesson %q", id.Value)
				r.each(v, where, []string{"attach", "revisit", "repository"}, func(k, v *yaml.Node) {
					switch k.Value {
					case "attach":
						lm.Attach = entries[int](r, v, "attach", "is not a step number (0 = the opening card)")
					case "revisit":
						lm.Revisit = entries[[]string](r, v, "revisit", "is not a list of lesson ids (for example [\"1-1\", \"2-3\"])")
					default:
						lm.Repository = repoEntries(r, v)
					}
				})
				m.Lessons[id.Value] = lm
			})
		case "commands":
			r.each(v, "commands", []string{"status", "help"}, func(k, v *yaml.Node) {
				name := &m.Commands.Status
				if k.Value == "help" {
					name = &m.Commands.Help
				}
				if v.Kind != yaml.ScalarNode {
					l.problem(ManifestFile, v.Line, "commands: %s is not a command name", k.Value)
					return
				}
				*name = v.Value
			})
		}
	})
	return m, nil
}

// manifestReader reports the manifest's problems at their nodes' lines.
type manifestReader struct{ l *loader }

// each calls fn for each key: value of the mapping n (where names it in
// messages), reporting what is not a mapping, duplicate keys and, when
// known is not nil, keys that are not in it. A null n is an empty mapping.
func (r manifestReader) each(n *yaml.Node, where string, known []string, fn func(k, v *yaml.Node)) {
	if n.ShortTag() == "!!null" {
		return
	}
	if n.Kind != yaml.MappingNode {
		r.l.problem(ManifestFile, n.Line, "%s must be a mapping of key: value lines", where)
		return
	}
	seen := map[string]bool{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		switch {
		case seen[k.Value]:
			r.l.problem(ManifestFile, k.Line, "%s: key %q given twice", where, k.Value)
		case known != nil && !slices.Contains(known, k.Value):
			r.l.problem(ManifestFile, k.Line, "%s: unknown key %q (known keys: %s)", where, k.Value, strings.Join(known, ", "))
		default:
			seen[k.Value] = true
			fn(k, v)
		}
	}
}

// entries decodes the mapping n (the manifest's key what) into a map, each
// value with yaml.v3 (Node.Decode); a value that does not decode is
// reported at its line: "what "key" want".
func entries[V any](r manifestReader, n *yaml.Node, what, want string) map[string]V {
	out := map[string]V{}
	r.each(n, what, nil, func(k, v *yaml.Node) {
		var val V
		if err := v.Decode(&val); err != nil {
			r.l.problem(ManifestFile, v.Line, "%s %q %s", what, k.Value, want)
			return
		}
		out[k.Value] = val
	})
	return out
}
