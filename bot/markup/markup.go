// Package markup renders the course's Markdown (CommonMark plus GFM tables,
// strikethrough, task lists and autolinks: what bot.BlockMarkdown holds) into
// the dialects chat platforms understand, and cuts long text into pieces that
// fit a platform's per-message limit without breaking lines or code blocks.
//
// Rendering:
//
//	ToSlack(md)    Slack mrkdwn: *bold*, _italic_, ~strike~, `code`, <url|text>,
//	               "• " bullets, headings as *bold* lines, tables as ``` blocks;
//	               &, < and > escaped as Slack requires (also inside code).
//	ToDiscord(md)  Discord Markdown: **bold**, *italic*, ~~strike~~, `code`,
//	               [text](url), "- " bullets, headings as **bold** lines,
//	               tables as ``` blocks; Markdown punctuation in plain text is
//	               backslash-escaped so course text cannot format by accident.
//	ToPlain(md)    plain text, no markup at all (a notification, a preview):
//	               bold, italics, strike and code spans lose their markers,
//	               links keep their text, "- " bullets; nothing is escaped.
//
// Both keep fenced code byte for byte (a "```" inside code gets a zero-width
// space so it cannot close the fence early), keep line breaks as written
// (chat shows a newline where the author put one: a soft break is a
// newline, not a space as in HTML), and drop relative links (a link to
// "../module.md" means nothing in chat) keeping their text. Output never ends
// with a newline. Neither function sends @-mentions anywhere: Slack needs
// <!here> syntax, which escaping prevents; on Discord the adapter must still
// send allowed_mentions {"parse": []} because "@everyone" is plain text.
//
// Splitting, for platform limits (Slack section 3000, Discord content 2000):
//
//	Split(text, limit)     pieces of at most limit characters (runes), cut at
//	                       blank lines (paragraphs) when possible, else between
//	                       lines. A ``` code block cut in two is closed at the
//	                       end of one piece and reopened (with its info word) at
//	                       the start of the next, so every piece renders alone.
//	                       Only a single line longer than the room left is
//	                       hard-cut, at a rune boundary.
//	CodeBlock(text, limit) verbatim text (bot.BlockCode) as one or more ```
//	                       blocks of at most limit characters each, fences
//	                       included. For Slack escape it first with EscapeSlack.
//
// Typical use in an adapter:
//
//	for _, piece := range markup.Split(markup.ToDiscord(block.Text), 2000) { ... }
//	for _, piece := range markup.CodeBlock(markup.EscapeSlack(block.Text), 3000) { ... }
//
// Limits below MinLimit are raised to MinLimit. Every function is safe for
// concurrent use and never panics on any input.
package markup

import (
	"bytes"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/extension"
	extast "github.com/yuin/goldmark/extension/ast"
	"github.com/yuin/goldmark/parser"
	"github.com/yuin/goldmark/text"
	"github.com/yuin/goldmark/util"
)

// MinLimit is the smallest limit Split and CodeBlock honour; smaller limits
// are raised to it (a piece must at least hold a fence, a line and a fence).
const MinLimit = 32

// zwsp breaks a "```" inside code so it cannot close the fence.
const zwsp = "\u200b"

type dialect int

const (
	slack dialect = iota
	discord
	plainText
)

// ToSlack renders Markdown as Slack mrkdwn.
func ToSlack(md string) string { return render(md, slack) }

// ToDiscord renders Markdown as Discord Markdown.
func ToDiscord(md string) string { return render(md, discord) }

// ToPlain renders Markdown as plain text without any markup, for the
// places a platform shows text unformatted (Slack's notification text).
func ToPlain(md string) string { return render(md, plainText) }

// EscapeSlack escapes the three characters Slack requires escaped in any
// text: & < >. Use it on verbatim text (code) before CodeBlock for Slack.
func EscapeSlack(s string) string {
	if !strings.ContainsAny(s, "&<>") {
		return s
	}
	r := strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;")
	return r.Replace(s)
}

// markdownEscaper backslash-escapes the ASCII punctuation that CommonMark
// could read as inline markup (emphasis, code, links, autolinks, HTML,
// entities, GFM strikethrough and tables).
var markdownEscaper = strings.NewReplacer(
	`\`, `\\`, "`", "\\`", "*", `\*`, "_", `\_`, "[", `\[`, "]", `\]`, "<", `\<`, ">", `\>`,
	"!", `\!`, "&", `\&`, "|", `\|`, "~", `\~`, "#", `\#`,
)

// EscapeMarkdown keeps plain text (a checklist item, a card title, a
// learner's name) literal when it is embedded in the CommonMark of a
// BlockMarkdown, so "project/src/__init__.py" is not read as bold "init"
// on any platform. Use it on one line of text; it does not guard the start
// of a line against list or heading markers beyond "#".
func EscapeMarkdown(s string) string { return markdownEscaper.Replace(s) }

// discordEscaper backslash-escapes the characters Discord reads as inline
// markup anywhere in a line: emphasis, strike, code, spoilers and masked
// links ("[text](url)": a learner's typed text shown to a lead must not
// become a link whose target is hidden behind its words).
var discordEscaper = strings.NewReplacer(
	`\`, `\\`, "*", `\*`, "_", `\_`, "~", `\~`, "`", "\\`", "|", `\|`, "[", `\[`, "]", `\]`,
)

// EscapeDiscord keeps plain text (item names, prompts, a typed topic) from
// being read as Discord Markdown: inline markup anywhere, and a block quote
// or heading marker (">", "#") at the start of a line, which Discord shows
// as the plain character once backslash-escaped. It is the one Discord
// escaper: the renderer uses it for text nodes and the adapter for the
// plain text it embeds.
func EscapeDiscord(s string) string {
	s = discordEscaper.Replace(s)
	if !strings.ContainsAny(s, ">#") {
		return s
	}
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		body := strings.TrimLeft(l, " ")
		if strings.HasPrefix(body, ">") || strings.HasPrefix(body, "#") {
			lines[i] = l[:len(l)-len(body)] + `\` + body
		}
	}
	return strings.Join(lines, "\n")
}

// mdParser is the one CommonMark+GFM parser every render shares: goldmark's
// parsers are stateless (per-parse state lives in a parser.Context), so one
// instance is safe for concurrent use and saves building it per render.
var mdParser = sync.OnceValue(func() parser.Parser {
	return goldmark.New(goldmark.WithExtensions(extension.GFM)).Parser()
})

func render(md string, d dialect) string {
	src := []byte(md)
	doc := mdParser().Parse(text.NewReader(src))
	r := &renderer{d: d, src: src}
	return strings.TrimRight(r.blocks(doc, false), "\n ")
}

type renderer struct {
	d      dialect
	src    []byte
	bold   int // depth inside bold (heading or strong): nested bold is dropped
	italic int
	depth  int // list nesting
}

// blocks renders the block children of n, separated by a blank line (or a
// single newline when tight).
func (r *renderer) blocks(n ast.Node, tight bool) string {
	var parts []string
	for c := n.FirstChild(); c != nil; c = c.NextSibling() {
		if s := r.block(c); s != "" {
			parts = append(parts, s)
		}
	}
	sep := "\n\n"
	if tight {
		sep = "\n"
	}
	return strings.Join(parts, sep)
}

func (r *renderer) block(n ast.Node) string {
	switch n := n.(type) {
	case *ast.Paragraph, *ast.TextBlock:
		return strings.TrimSpace(r.inlines(n))
	case *ast.Heading:
		r.bold++
		s := strings.TrimSpace(r.inlines(n))
		r.bold--
		if s == "" {
			return ""
		}
		return r.strong(s)
	case *ast.ThematicBreak:
		return "──────────"
	case *ast.FencedCodeBlock:
		lang := ""
		if r.d == discord {
			lang = string(n.Language(r.src))
		}
		return r.fence(lang, linesOf(n, r.src))
	case *ast.CodeBlock:
		return r.fence("", linesOf(n, r.src))
	case *ast.HTMLBlock:
		s := linesOf(n, r.src)
		if n.HasClosure() {
			s += string(n.ClosureLine.Value(r.src))
		}
		return r.escape(strings.TrimRight(s, "\n"))
	case *ast.Blockquote:
		inner := r.blocks(n, false)
		lines := strings.Split(inner, "\n")
		for i, l := range lines {
			lines[i] = strings.TrimRight("> "+l, " ")
		}
		return strings.Join(lines, "\n")
	case *ast.List:
		return r.list(n)
	case *extast.Table:
		return r.table(n)
	default:
		// Unknown block (footnotes etc. are not enabled): render children.
		return r.blocks(n, false)
	}
}

func linesOf(n ast.Node, src []byte) string {
	var b strings.Builder
	lines := n.Lines()
	for i := range lines.Len() {
		seg := lines.At(i)
		b.Write(seg.Value(src))
	}
	return b.String()
}

// fence renders verbatim code as a ``` block.
func (r *renderer) fence(lang, code string) string {
	code = strings.TrimRight(code, "\n")
	code = breakFences(code)
	if r.d == slack {
		code = EscapeSlack(code)
	}
	if strings.ContainsAny(lang, "`\n ") {
		lang = ""
	}
	return "```" + lang + "\n" + code + "\n```"
}

func (r *renderer) list(l *ast.List) string {
	var items []string
	num := l.Start
	r.depth++
	defer func() { r.depth-- }()
	for it := l.FirstChild(); it != nil; it = it.NextSibling() {
		var marker string
		switch {
		case l.IsOrdered():
			marker = strconv.Itoa(num) + ". "
			num++
		case r.d != slack:
			marker = "- "
		case r.depth%2 == 0:
			marker = "◦ "
		default:
			marker = "• "
		}
		body := r.blocks(it, l.IsTight)
		pad := strings.Repeat(" ", utf8.RuneCountInString(marker)+1)
		lines := strings.Split(body, "\n")
		for i := 1; i < len(lines); i++ {
			if lines[i] != "" {
				lines[i] = pad + lines[i]
			}
		}
		items = append(items, marker+strings.Join(lines, "\n"))
	}
	sep := "\n"
	if !l.IsTight {
		sep = "\n\n"
	}
	return strings.Join(items, sep)
}

func (r *renderer) table(t *extast.Table) string {
	var rows [][]string
	for row := t.FirstChild(); row != nil; row = row.NextSibling() {
		var cells []string
		for c := row.FirstChild(); c != nil; c = c.NextSibling() {
			cells = append(cells, strings.TrimSpace(plain(c, r.src)))
		}
		rows = append(rows, cells)
	}
	if len(rows) == 0 {
		return ""
	}
	ncol := 0
	for _, row := range rows {
		ncol = max(ncol, len(row))
	}
	width := make([]int, ncol)
	for _, row := range rows {
		for i, c := range row {
			width[i] = max(width[i], utf8.RuneCountInString(c))
		}
	}
	var b strings.Builder
	writeRow := func(row []string) {
		var line strings.Builder
		for i := range ncol {
			c := ""
			if i < len(row) {
				c = row[i]
			}
			if i > 0 {
				line.WriteString(" | ")
			}
			padN := width[i] - utf8.RuneCountInString(c)
			if i < len(t.Alignments) && t.Alignments[i] == extast.AlignRight {
				line.WriteString(strings.Repeat(" ", padN) + c)
			} else {
				line.WriteString(c + strings.Repeat(" ", padN))
			}
		}
		b.WriteString(strings.TrimRight(line.String(), " "))
		b.WriteByte('\n')
	}
	for i, row := range rows {
		writeRow(row)
		if i == 0 {
			var seps []string
			for _, w := range width {
				seps = append(seps, strings.Repeat("-", max(w, 1)))
			}
			b.WriteString(strings.Join(seps, "-+-") + "\n")
		}
	}
	return r.fence("", b.String())
}

// plain is the text of n's inlines without formatting (table cells).
func plain(n ast.Node, src []byte) string {
	var b strings.Builder
	_ = ast.Walk(n, func(c ast.Node, entering bool) (ast.WalkStatus, error) {
		if !entering {
			if l, ok := c.(*ast.Link); ok && isAbsURL(string(l.Destination)) {
				b.WriteString(" (" + string(l.Destination) + ")")
			}
			return ast.WalkContinue, nil
		}
		switch c := c.(type) {
		case *ast.Text:
			b.Write(textValue(c.Value(src), c.IsRaw()))
			if c.SoftLineBreak() || c.HardLineBreak() {
				b.WriteByte(' ')
			}
		case *ast.String:
			b.Write(c.Value)
		case *ast.AutoLink:
			b.Write(c.Label(src))
			return ast.WalkSkipChildren, nil
		case *ast.RawHTML:
			b.Write(c.Segments.Value(src))
		case *extast.TaskCheckBox:
			b.WriteString(checkbox(c.IsChecked))
		}
		return ast.WalkContinue, nil
	})
	return b.String()
}

func textValue(v []byte, raw bool) []byte {
	if raw {
		return v
	}
	v = util.ResolveNumericReferences(v)
	v = util.ResolveEntityNames(v)
	return util.UnescapePunctuations(v)
}

func checkbox(on bool) string {
	if on {
		return "☑ "
	}
	return "☐ "
}

func isAbsURL(u string) bool {
	l := strings.ToLower(u)
	return strings.HasPrefix(l, "https://") || strings.HasPrefix(l, "http://") || strings.HasPrefix(l, "mailto:")
}

func (r *renderer) escape(s string) string {
	switch r.d {
	case slack:
		return EscapeSlack(s)
	case discord:
		return EscapeDiscord(s)
	}
	return s
}

func (r *renderer) strong(s string) string {
	switch r.d {
	case slack:
		return "*" + s + "*"
	case discord:
		return "**" + s + "**"
	}
	return s
}

func (r *renderer) inlines(n ast.Node) string {
	var b strings.Builder
	for c := n.FirstChild(); c != nil; c = c.NextSibling() {
		r.inline(&b, c)
	}
	return b.String()
}

func (r *renderer) inline(b *strings.Builder, n ast.Node) {
	switch n := n.(type) {
	case *ast.Text:
		b.WriteString(r.escape(string(textValue(n.Value(r.src), n.IsRaw()))))
		switch {
		case n.HardLineBreak():
			b.WriteByte('\n')
		case n.SoftLineBreak():
			b.WriteByte('\n')
		}
	case *ast.String:
		if n.IsCode() {
			b.Write(n.Value)
		} else {
			b.WriteString(r.escape(string(n.Value)))
		}
	case *ast.CodeSpan:
		var code bytes.Buffer
		for c := n.FirstChild(); c != nil; c = c.NextSibling() {
			switch c := c.(type) {
			case *ast.Text:
				code.Write(c.Value(r.src))
			case *ast.String:
				code.Write(c.Value)
			}
		}
		s := code.String()
		if r.d == plainText {
			b.WriteString(s)
		} else if r.d == slack {
			// Slack has no way to escape a backtick inside code.
			s = EscapeSlack(strings.ReplaceAll(s, "`", "'"))
			b.WriteString("`" + s + "`")
		} else if strings.Contains(s, "`") {
			b.WriteString("`` " + strings.ReplaceAll(s, "``", "`"+zwsp+"`") + " ``")
		} else {
			b.WriteString("`" + s + "`")
		}
	case *ast.Emphasis:
		b.WriteString(r.emphasis(n))
	case *extast.Strikethrough:
		inner := r.inlines(n)
		switch r.d {
		case plainText:
			b.WriteString(inner)
		case slack:
			b.WriteString("~" + inner + "~")
		default:
			b.WriteString("~~" + inner + "~~")
		}
	case *ast.Link:
		r.link(b, string(n.Destination), n)
	case *ast.Image:
		r.link(b, string(n.Destination), n)
	case *ast.AutoLink:
		url := string(n.URL(r.src))
		label := string(n.Label(r.src))
		if r.d == slack {
			if n.AutoLinkType == ast.AutoLinkEmail && !strings.HasPrefix(url, "mailto:") {
				url = "mailto:" + url
			}
			b.WriteString("<" + EscapeSlack(url) + "|" + EscapeSlack(label) + ">")
		} else {
			b.WriteString(label)
		}
	case *ast.RawHTML:
		b.WriteString(r.escape(string(n.Segments.Value(r.src))))
	case *extast.TaskCheckBox:
		b.WriteString(checkbox(n.IsChecked))
	default:
		b.WriteString(r.inlines(n))
	}
}

func (r *renderer) emphasis(n *ast.Emphasis) string {
	if n.Level >= 2 {
		if r.bold > 0 {
			return r.inlines(n)
		}
		r.bold++
		inner := r.inlines(n)
		r.bold--
		return r.strong(inner)
	}
	if r.italic > 0 {
		return r.inlines(n)
	}
	r.italic++
	inner := r.inlines(n)
	r.italic--
	switch r.d {
	case slack:
		return "_" + inner + "_"
	case discord:
		return "*" + inner + "*"
	}
	return inner
}

func (r *renderer) link(b *strings.Builder, dest string, n ast.Node) {
	label := strings.TrimSpace(r.inlines(n))
	if !isAbsURL(dest) {
		b.WriteString(label)
		return
	}
	if label == "" {
		label = r.escape(dest)
	}
	if r.d == plainText {
		b.WriteString(label)
		return
	}
	if r.d == slack {
		// Formatting inside a Slack link label is not rendered: use plain text.
		var pb strings.Builder
		for c := n.FirstChild(); c != nil; c = c.NextSibling() {
			pb.WriteString(plain(c, r.src))
		}
		pl := strings.TrimSpace(pb.String())
		if pl == "" {
			pl = dest
		}
		b.WriteString("<" + EscapeSlack(dest) + "|" + EscapeSlack(strings.ReplaceAll(pl, "|", "¦")) + ">")
		return
	}
	dest = strings.NewReplacer("(", "%28", ")", "%29", " ", "%20").Replace(dest)
	b.WriteString("[" + label + "](" + dest + ")")
}
