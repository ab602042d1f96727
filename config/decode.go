// YAML decoding of the configuration with yaml.v3's node API: the file is
// parsed into a yaml.Node tree, mappings are matched against the Config
// struct's tags (unknown and duplicate keys at any depth), and each value is
// converted by yaml.v3 itself (Node.Decode) into its field. Every problem
// carries the line of the node it is about, so no line number is ever read
// back out of an error message, except for syntax errors (syntaxProblem).

package config

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"reflect"
	"strconv"
	"strings"
	"time"

	"github.com/coursebot/coursebot/internal/yamlsyntax"
	"gopkg.in/yaml.v3"
)

var durationType = reflect.TypeFor[time.Duration]()

// decodeYAML decodes src over cfg. It returns the line of every dotted key
// it set (for validate) and every problem found.
func decodeYAML(src []byte, cfg *Config) (map[string]int, []Problem) {
	d := &decoder{lines: map[string]int{}}
	root, ps := parseDocument(src)
	if root == nil { // a syntax error, or an empty file: the defaults
		return d.lines, ps
	}
	d.decode(root, reflect.ValueOf(cfg).Elem(), "", "")
	return d.lines, d.problems
}

// parseDocument parses src into the root node of its one document; nil
// when there is none or on a problem.
func parseDocument(src []byte) (*yaml.Node, []Problem) {
	dec := yaml.NewDecoder(bytes.NewReader(src))
	var doc, extra yaml.Node
	err := dec.Decode(&doc)
	if err == nil {
		if err = dec.Decode(&extra); err == nil {
			return nil, []Problem{{Line: extra.Line, Msg: "more than one YAML document; put everything in one"}}
		}
	}
	if !errors.Is(err, io.EOF) {
		return nil, []Problem{syntaxProblem(err)}
	}
	if len(doc.Content) == 0 {
		return nil, nil
	}
	return doc.Content[0], nil
}

// syntaxProblem is a syntax error as a Problem: its line comes out of
// yaml.v3's message (internal/yamlsyntax says why).
func syntaxProblem(err error) Problem {
	line, msg := yamlsyntax.Split(err)
	return Problem{Line: line, Msg: "invalid YAML: " + msg}
}

// decoder walks a yaml.Node tree against a Go value.
type decoder struct {
	problems []Problem
	lines    map[string]int // dotted key -> line of its value
}

func (d *decoder) fail(n *yaml.Node, key, format string, args ...any) {
	d.problems = append(d.problems, Problem{Line: n.Line, Key: key, Msg: fmt.Sprintf(format, args...)})
}

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

// decode decodes n into v, whose dotted key is path; tag is the field's
// struct tag (a map's or list's tag applies to its values).
func (d *decoder) decode(n *yaml.Node, v reflect.Value, path string, tag reflect.StructTag) {
	if n.Kind == yaml.AliasNode && n.Alias != nil {
		resolved := *n.Alias
		resolved.Line = n.Line // report problems where the alias is used
		n = &resolved
	}
	if n.ShortTag() == "!!null" {
		return // "key:" with no value keeps the default
	}
	if path != "" {
		d.lines[path] = n.Line
	}
	switch {
	case v.Kind() == reflect.Struct:
		d.fields(n, v, path)
	case v.Kind() == reflect.Slice:
		d.list(n, v, path, tag)
	case v.Kind() == reflect.Map:
		d.dict(n, v, path, tag)
	case n.Kind != yaml.ScalarNode:
		d.notScalar(n, path)
	default:
		d.scalar(n, v, path, tag)
	}
}

// fields decodes a mapping into the struct v, field by yaml tag.
func (d *decoder) fields(n *yaml.Node, v reflect.Value, path string) {
	switch {
	case n.Kind == yaml.MappingNode:
	case path == "":
		d.fail(n, path, "the file must be a mapping of keys (course:, store:, slack:, ...)")
		return
	default:
		d.fail(n, path, "%s: must be a mapping of keys (known keys under %s: %s)", path, path, strings.Join(knownKeys(v.Type()), ", "))
		return
	}
	d.entries(n, path, func(k, val *yaml.Node) {
		full := join(path, k.Value)
		f, ok := fieldByTag(v.Type(), k.Value)
		if !ok {
			d.fail(k, full, "unknown key %q (%s)%s", full, knownKeysText(v.Type(), path), secretHint(k.Value))
			return
		}
		d.decode(val, v.FieldByIndex(f.Index), full, f.Tag)
	})
}

// dict decodes a mapping into the map v.
func (d *decoder) dict(n *yaml.Node, v reflect.Value, path string, tag reflect.StructTag) {
	if n.Kind != yaml.MappingNode {
		d.fail(n, path, "%s: must be a mapping of key: value lines", path)
		return
	}
	out := reflect.MakeMap(v.Type())
	d.entries(n, path, func(k, val *yaml.Node) {
		elem := reflect.New(v.Type().Elem()).Elem()
		d.decode(val, elem, join(path, k.Value), tag)
		out.SetMapIndex(reflect.ValueOf(k.Value), elem)
	})
	v.Set(out)
}

// list decodes a sequence into the slice v, items named path[i].
func (d *decoder) list(n *yaml.Node, v reflect.Value, path string, tag reflect.StructTag) {
	if n.Kind != yaml.SequenceNode {
		d.fail(n, path, "%s: must be a list (for example [a, b] or one \"- item\" a line)", path)
		return
	}
	out := reflect.MakeSlice(v.Type(), len(n.Content), len(n.Content))
	for i, item := range n.Content {
		d.decode(item, out.Index(i), fmt.Sprintf("%s[%d]", path, i), tag)
	}
	v.Set(out)
}

// entries calls fn for each key: value of the mapping n whose key is a
// single value seen for the first time, and reports the others.
func (d *decoder) entries(n *yaml.Node, path string, fn func(k, v *yaml.Node)) {
	seen := map[string]bool{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k := n.Content[i]
		switch {
		case k.Kind != yaml.ScalarNode:
			d.notScalar(k, path)
		case seen[k.Value]:
			d.fail(k, join(path, k.Value), "duplicate key %q", join(path, k.Value))
		default:
			seen[k.Value] = true
			fn(k, n.Content[i+1])
		}
	}
}

func (d *decoder) notScalar(n *yaml.Node, path string) {
	what := map[yaml.Kind]string{yaml.MappingNode: "a mapping", yaml.SequenceNode: "a list"}[n.Kind]
	if what == "" {
		what = "not a single value"
	}
	if path == "" {
		d.fail(n, path, "expected a single value, found %s", what)
		return
	}
	d.fail(n, path, "%s: expected a single value, found %s", path, what)
}

// scalar converts the scalar n with yaml.v3 (Node.Decode) and sets v when
// the value passes its checks.
func (d *decoder) scalar(n *yaml.Node, v reflect.Value, path string, tag reflect.StructTag) {
	val := reflect.New(v.Type())
	err := n.Decode(val.Interface())
	problem := scalarProblem(n, val.Elem(), err)
	if problem == "" {
		problem = tagProblem(val.Elem(), tag)
	}
	if problem != "" {
		d.fail(n, path, "%s: %s", path, problem)
		return
	}
	v.Set(val.Elem())
}

// scalarProblem says what is wrong with n decoded into v (err is
// Node.Decode's). yaml.v3 coerces more than a config should accept (yes
// into a bool, 1.5 or true into text), so the node's resolved tag must fit
// the field's type too.
func scalarProblem(n *yaml.Node, v reflect.Value, err error) string {
	tag := n.ShortTag()
	switch {
	case v.Type() == durationType:
		if err != nil {
			return fmt.Sprintf("%q is not a duration (for example 500ms, 10s, 72h)", n.Value)
		}
		if v.Int() <= 0 {
			return fmt.Sprintf("%q must be more than zero", n.Value)
		}
	case v.Kind() == reflect.Bool && (err != nil || tag != "!!bool"):
		return fmt.Sprintf("%q is not true or false", n.Value)
	case v.Kind() == reflect.Int && (err != nil || tag != "!!int"):
		return fmt.Sprintf("%q is not a whole number", n.Value)
	case v.Kind() == reflect.String && tag == "!!bool":
		return fmt.Sprintf("%s is a boolean, not text; quote it if you mean the text", n.Value)
	case err != nil:
		return fmt.Sprintf("%q is not a valid value here", n.Value)
	}
	return ""
}

// tagProblem checks a decoded value against the field's oneof (strings)
// and range (ints) tags.
func tagProblem(v reflect.Value, tag reflect.StructTag) string {
	if allowed, ok := tag.Lookup("oneof"); ok && v.Kind() == reflect.String {
		for _, a := range strings.Split(allowed, ",") {
			if v.String() == a {
				return ""
			}
		}
		return fmt.Sprintf("%q is not one of %s", v.String(), strings.ReplaceAll(allowed, ",", ", "))
	}
	if r, ok := tag.Lookup("range"); ok && v.Kind() == reflect.Int {
		a, b, _ := strings.Cut(r, ",")
		lo, err1 := strconv.Atoi(a)
		hi, err2 := strconv.Atoi(b)
		if i := int(v.Int()); err1 == nil && err2 == nil && (i < lo || i > hi) {
			return fmt.Sprintf("%d is out of range %d..%d", i, lo, hi)
		}
	}
	return ""
}

func yamlName(f reflect.StructField) string {
	name, _, _ := strings.Cut(f.Tag.Get("yaml"), ",")
	if name == "-" || !f.IsExported() {
		return ""
	}
	if name == "" {
		return strings.ToLower(f.Name)
	}
	return name
}

func fieldByTag(t reflect.Type, key string) (reflect.StructField, bool) {
	for i := range t.NumField() {
		if f := t.Field(i); yamlName(f) == key {
			return f, true
		}
	}
	return reflect.StructField{}, false
}

func knownKeys(t reflect.Type) []string {
	var keys []string
	for i := range t.NumField() {
		if name := yamlName(t.Field(i)); name != "" {
			keys = append(keys, name)
		}
	}
	return keys
}

func knownKeysText(t reflect.Type, path string) string {
	if path == "" {
		return "known keys: " + strings.Join(knownKeys(t), ", ")
	}
	return "known keys under " + path + ": " + strings.Join(knownKeys(t), ", ")
}

func secretHint(key string) string {
	k := strings.ToLower(key)
	if strings.Contains(k, "token") || strings.Contains(k, "secret") || strings.Contains(k, "key") || strings.Contains(k, "password") {
		return "; secrets are never read from the file: set them in the environment (see docs/configuration.md)"
	}
	return ""
}
