// YAML decoding of the configuration: yaml.v3 nodes walked against the
// Config struct's tags, every problem reported as file:line: key.

package main

import (
	"errors"
	"fmt"
	"io"
	"reflect"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"
)

var durationType = reflect.TypeFor[time.Duration]()

// decoder walks a yaml.Node tree against a Go value using its yaml tags, so
// unknown keys and bad values are found at any depth without key lists.
type decoder struct {
	problems []Problem
	lines    map[string]int // dotted key -> line of its value
}

func decodeYAML(src []byte, cfg *Config) (map[string]int, []Problem) {
	d := &decoder{lines: map[string]int{}}
	dec := yaml.NewDecoder(strings.NewReader(string(src)))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return d.lines, nil // empty file: defaults
		}
		return d.lines, []Problem{syntaxProblem(err)}
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); err == nil {
		return d.lines, []Problem{{Line: extra.Line, Msg: "more than one YAML document; put everything in one"}}
	} else if !errors.Is(err, io.EOF) {
		return d.lines, []Problem{syntaxProblem(err)}
	}
	root := &doc
	if root.Kind == yaml.DocumentNode {
		if len(root.Content) == 0 {
			return d.lines, nil
		}
		root = root.Content[0]
	}
	d.value(root, reflect.ValueOf(cfg).Elem(), "", "")
	return d.lines, d.problems
}

// syntaxProblem turns "yaml: line 3: mapping values are not allowed..." into
// a Problem with the line split out.
func syntaxProblem(err error) Problem {
	msg := strings.TrimPrefix(err.Error(), "yaml: ")
	if rest, ok := strings.CutPrefix(msg, "line "); ok {
		if n, tail, ok := strings.Cut(rest, ": "); ok {
			if line, err := strconv.Atoi(n); err == nil {
				return Problem{Line: line, Msg: "invalid YAML: " + tail}
			}
		}
	}
	return Problem{Msg: "invalid YAML: " + msg}
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

// value decodes n into v. path is v's dotted key; oneof is the allowed
// values from the field's tag (also applied to map values), rng its range.
func (d *decoder) value(n *yaml.Node, v reflect.Value, path string, tag reflect.StructTag) {
	if n.Kind == yaml.AliasNode && n.Alias != nil {
		line := n.Line
		resolved := *n.Alias
		resolved.Line = line // report problems where the alias is used
		n = &resolved
	}
	if n.Kind == yaml.ScalarNode && n.ShortTag() == "!!null" {
		return // "key:" with no value keeps the default
	}
	if path != "" {
		d.lines[path] = n.Line
	}
	switch {
	case v.Type() == durationType:
		s, ok := d.scalar(n, path)
		if !ok {
			return
		}
		dur, err := time.ParseDuration(s)
		if err != nil {
			d.fail(n, path, "%s: %q is not a duration (for example 500ms, 10s, 72h)", path, s)
			return
		}
		if dur <= 0 {
			d.fail(n, path, "%s: %q must be more than zero", path, s)
			return
		}
		v.SetInt(int64(dur))
	case v.Kind() == reflect.Struct:
		d.structValue(n, v, path)
	case v.Kind() == reflect.String:
		s, ok := d.scalar(n, path)
		if !ok {
			return
		}
		if n.ShortTag() == "!!bool" {
			d.fail(n, path, "%s: %s is a boolean, not text; quote it if you mean the text", path, s)
			return
		}
		if !d.oneOf(n, path, s, tag) {
			return
		}
		v.SetString(s)
	case v.Kind() == reflect.Bool:
		s, ok := d.scalar(n, path)
		if !ok {
			return
		}
		b, err := strconv.ParseBool(s)
		if err != nil || n.ShortTag() != "!!bool" {
			d.fail(n, path, "%s: %q is not true or false", path, s)
			return
		}
		v.SetBool(b)
	case v.Kind() == reflect.Int:
		s, ok := d.scalar(n, path)
		if !ok {
			return
		}
		var i int
		if n.ShortTag() != "!!int" || n.Decode(&i) != nil {
			d.fail(n, path, "%s: %q is not a whole number", path, s)
			return
		}
		if lo, hi, ok := rangeTag(tag); ok && (i < lo || i > hi) {
			d.fail(n, path, "%s: %d is out of range %d..%d", path, i, lo, hi)
			return
		}
		v.SetInt(int64(i))
	case v.Kind() == reflect.Slice && v.Type().Elem().Kind() == reflect.String:
		if n.Kind != yaml.SequenceNode {
			d.fail(n, path, "%s: must be a list (for example [a, b] or one \"- item\" a line)", path)
			return
		}
		out := make([]string, 0, len(n.Content))
		for i, item := range n.Content {
			var s string
			d.value(item, reflect.ValueOf(&s).Elem(), fmt.Sprintf("%s[%d]", path, i), tag)
			out = append(out, s)
		}
		v.Set(reflect.ValueOf(out))
	case v.Kind() == reflect.Map && v.Type().Key().Kind() == reflect.String && v.Type().Elem().Kind() == reflect.String:
		if n.Kind != yaml.MappingNode {
			d.fail(n, path, "%s: must be a mapping of key: value lines", path)
			return
		}
		out := reflect.MakeMap(v.Type())
		seen := map[string]bool{}
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, val := n.Content[i], n.Content[i+1]
			key, ok := d.scalar(k, path)
			if !ok {
				continue
			}
			if seen[key] {
				d.fail(k, join(path, key), "duplicate key %q", join(path, key))
				continue
			}
			seen[key] = true
			var s string
			d.value(val, reflect.ValueOf(&s).Elem(), join(path, key), tag)
			out.SetMapIndex(reflect.ValueOf(key), reflect.ValueOf(s))
		}
		v.Set(out)
	default:
		// A programming error: a Config field of a kind the loader lacks.
		panic(fmt.Sprintf("config: no YAML decoding for %s (%s)", v.Type(), path))
	}
}

func (d *decoder) scalar(n *yaml.Node, path string) (string, bool) {
	if n.Kind != yaml.ScalarNode {
		what := map[yaml.Kind]string{yaml.MappingNode: "a mapping", yaml.SequenceNode: "a list"}[n.Kind]
		if what == "" {
			what = "not a single value"
		}
		if path == "" {
			d.fail(n, path, "expected a single value, found %s", what)
		} else {
			d.fail(n, path, "%s: expected a single value, found %s", path, what)
		}
		return "", false
	}
	return n.Value, true
}

func (d *decoder) oneOf(n *yaml.Node, path, s string, tag reflect.StructTag) bool {
	allowed, ok := tag.Lookup("oneof")
	if !ok {
		return true
	}
	for _, a := range strings.Split(allowed, ",") {
		if s == a {
			return true
		}
	}
	d.fail(n, path, "%s: %q is not one of %s", path, s, strings.ReplaceAll(allowed, ",", ", "))
	return false
}

func rangeTag(tag reflect.StructTag) (lo, hi int, ok bool) {
	r, ok := tag.Lookup("range")
	if !ok {
		return 0, 0, false
	}
	a, b, _ := strings.Cut(r, ",")
	lo, err1 := strconv.Atoi(a)
	hi, err2 := strconv.Atoi(b)
	return lo, hi, err1 == nil && err2 == nil
}

func (d *decoder) structValue(n *yaml.Node, v reflect.Value, path string) {
	if n.Kind != yaml.MappingNode {
		if path == "" {
			d.fail(n, path, "the file must be a mapping of keys (course:, store:, slack:, ...)")
		} else {
			d.fail(n, path, "%s: must be a mapping of keys (known keys under %s: %s)", path, path, strings.Join(knownKeys(v.Type()), ", "))
		}
		return
	}
	seen := map[string]bool{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, val := n.Content[i], n.Content[i+1]
		key, ok := d.scalar(k, path)
		if !ok {
			continue
		}
		full := join(path, key)
		if seen[key] {
			d.fail(k, full, "duplicate key %q", full)
			continue
		}
		seen[key] = true
		f, ok := fieldByTag(v.Type(), key)
		if !ok {
			d.fail(k, full, "unknown key %q (%s)%s", full, knownKeysText(v.Type(), path), secretHint(key))
			continue
		}
		d.value(val, v.FieldByIndex(f.Index), full, f.Tag)
	}
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

// ---- validation of values that need more than a tag ---------------------
