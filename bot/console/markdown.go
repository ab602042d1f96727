package console

import (
	"fmt"
	"regexp"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"github.com/charmbracelet/glamour"
	"github.com/charmbracelet/glamour/styles"
)

// Styled returns a renderer of Markdown blocks for a terminal: bold,
// headings and lists styled by glamour (dark style, wrapped at width
// columns). Code blocks and diagrams never pass through it: the console
// prints them byte for byte. Set it as Console.Markdown; nil prints
// Markdown as written (the --plain console, and output to a pipe).
//
// It keeps what the text means on a terminal as it does in chat, where
// Slack and Discord show a line break where the author put one: a line
// break inside a paragraph stays a line break (the lessons /status lists,
// the sources under a tutor's reply); a word is never broken at its
// hyphen (/start-2-2 stays whole, where glamour's wrapping would cut it
// after "/start-2-"); and the padding glamour adds to the right of every
// line is removed.
func Styled(width int) (func(string) string, error) {
	r, err := glamour.NewTermRenderer(glamour.WithStandardStyle(styles.DarkStyle), glamour.WithWordWrap(width), glamour.WithPreservedNewLines())
	if err != nil {
		return nil, fmt.Errorf("console: markdown renderer: %w", err)
	}
	var mu sync.Mutex // a TermRenderer is not safe for concurrent use
	return func(md string) string {
		mu.Lock()
		defer mu.Unlock()
		out, err := r.Render(keepHyphens(md))
		if err != nil {
			return md
		}
		out = strings.ReplaceAll(out, nbHyphen, "-")
		return strings.Trim(trimPadding(out), "\n")
	}, nil
}

// nbHyphen is U+2011, a hyphen no line is broken at; it takes one column
// like "-", so glamour's line widths stay right when it is put back.
const nbHyphen = "\u2011"

// keepHyphens replaces each hyphen between two letters or digits (a word's,
// a command's) by nbHyphen. Markdown's own hyphens (list markers, rules,
// table borders) are not between two letters or digits and stay.
func keepHyphens(md string) string {
	if !strings.Contains(md, "-") {
		return md
	}
	var sb strings.Builder
	var prev rune
	for i, r := range md {
		if r == '-' && isWordRune(prev) {
			if next, _ := utf8.DecodeRuneInString(md[i+1:]); isWordRune(next) {
				sb.WriteString(nbHyphen)
				prev = r
				continue
			}
		}
		sb.WriteRune(r)
		prev = r
	}
	return sb.String()
}

func isWordRune(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) }

// padding is the run of spaces (each possibly in its own colour codes)
// glamour writes to the end of a line to fill it to the width.
var escapes = regexp.MustCompile(`\x1b\[[0-9;]*m`)

var padding = regexp.MustCompile(`(?:(?:\x1b\[[0-9;]*m)*[ \t](?:\x1b\[[0-9;]*m)*)+$`)

// trimPadding removes the padding at the end of every line, ending the
// line's colours with a reset.
func trimPadding(s string) string {
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		switch t := padding.ReplaceAllString(l, ""); {
		case t == l:
		case escapes.ReplaceAllString(t, "") == "":
			lines[i] = "" // a line of padding only: an empty line
		default:
			lines[i] = t + "\x1b[0m"
		}
	}
	return strings.Join(lines, "\n")
}
