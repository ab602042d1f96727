package course

import (
	"bytes"
	"strings"

	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/extension"
	extast "github.com/yuin/goldmark/extension/ast"
	"github.com/yuin/goldmark/text"
)

// mdKind is the kind of a top-level Markdown block.
type mdKind int

const (
	mdHeading mdKind = iota + 1
	mdParagraph
	mdList
	mdCode
	mdTable
	mdBreak // thematic break: decorative, not delivered
	mdOther // block quotes, HTML: delivered as Markdown
)

// mdBlock is one top-level block of a Markdown file with its source lines.
type mdBlock struct {
	kind  mdKind
	level int    // mdHeading
	text  string // mdHeading: the heading's text; others: raw source lines
	lang  string // mdCode
	code  string // mdCode: the content, byte for byte
	start int    // first source line, 1-based
	end   int    // last source line, inclusive
	tasks []taskItem
	items int // mdList: number of list items
}

// taskItem is a "- [ ] item" of a GFM task list.
type taskItem struct {
	text    string
	checked bool
	line    int
}

// markdownParser is shared; goldmark parsers are safe for concurrent use.
var markdownParser = goldmark.New(goldmark.WithExtensions(extension.GFM)).Parser()

// splitBlocks parses src with goldmark (GFM) and returns its top-level
// blocks, each with the exact source lines it came from.
func splitBlocks(src []byte) []mdBlock {
	lines := lineStarts(src)
	doc := markdownParser.Parse(text.NewReader(src))
	var out []mdBlock
	for n := doc.FirstChild(); n != nil; n = n.NextSibling() {
		lo, hi, ok := span(n)
		b := mdBlock{}
		switch v := n.(type) {
		case *ast.Heading:
			b.kind, b.level = mdHeading, v.Level
			b.text = strings.TrimSpace(string(segmentsText(v, src)))
			if !ok { // an empty heading ("##") has no segments
				lo, hi = n.Lines().At(0).Start, n.Lines().At(0).Start
			}
		case *ast.FencedCodeBlock:
			b.kind = mdCode
			if v.Info != nil {
				b.lang = strings.Fields(string(v.Info.Segment.Value(src)) + " x")[0]
				if b.lang == "x" {
					b.lang = ""
				}
			}
			var buf bytes.Buffer
			for i := 0; i < v.Lines().Len(); i++ {
				seg := v.Lines().At(i)
				buf.Write(seg.Value(src))
			}
			b.code = strings.TrimSuffix(buf.String(), "\n")
		case *ast.CodeBlock:
			b.kind = mdCode
			var buf bytes.Buffer
			for i := 0; i < v.Lines().Len(); i++ {
				seg := v.Lines().At(i)
				buf.Write(seg.Value(src))
			}
			b.code = strings.TrimSuffix(buf.String(), "\n")
		case *ast.Paragraph, *ast.TextBlock:
			b.kind = mdParagraph
		case *ast.List:
			b.kind = mdList
			b.tasks = taskItems(v, src, lines)
			b.items = v.ChildCount()
		case *extast.Table:
			b.kind = mdTable
		case *ast.ThematicBreak:
			b.kind = mdBreak
		default:
			b.kind = mdOther
		}
		if !ok && b.kind != mdHeading && b.kind != mdCode {
			continue
		}
		b.start = lineOf(lines, lo)
		b.end = lineOf(lines, max(lo, hi-1))
		if b.kind == mdCode {
			// Fences: the block's own lines are the content; widen to the
			// fence lines by scanning the source around them.
			b.start, b.end = fenceLines(src, lines, n, b)
		}
		if b.kind != mdHeading {
			b.text = rawLines(src, lines, b.start, b.end)
		}
		out = append(out, b)
	}
	return out
}

// span returns the byte range covered by n's own or descendants' lines.
func span(n ast.Node) (lo, hi int, ok bool) {
	lo, hi = -1, -1
	var walk func(ast.Node)
	walk = func(n ast.Node) {
		if n.Type() == ast.TypeBlock {
			ls := n.Lines()
			for i := 0; i < ls.Len(); i++ {
				s := ls.At(i)
				if lo < 0 || s.Start < lo {
					lo = s.Start
				}
				if s.Stop > hi {
					hi = s.Stop
				}
			}
		}
		for c := n.FirstChild(); c != nil; c = c.NextSibling() {
			walk(c)
		}
	}
	walk(n)
	return lo, hi, lo >= 0
}

// segmentsText joins the text segments under n (Node.Text is deprecated).
func segmentsText(n ast.Node, src []byte) []byte {
	var buf bytes.Buffer
	_ = ast.Walk(n, func(c ast.Node, entering bool) (ast.WalkStatus, error) {
		if !entering {
			return ast.WalkContinue, nil
		}
		switch t := c.(type) {
		case *ast.Text:
			buf.Write(t.Segment.Value(src))
			if t.SoftLineBreak() || t.HardLineBreak() {
				buf.WriteByte(' ')
			}
		case *ast.String:
			buf.Write(t.Value)
		case *ast.CodeSpan:
			// children are Text segments; walked below
		}
		return ast.WalkContinue, nil
	})
	return buf.Bytes()
}

// taskItems returns the GFM task items of a list, if it has any.
func taskItems(l *ast.List, src []byte, lines []int) []taskItem {
	var items []taskItem
	for li := l.FirstChild(); li != nil; li = li.NextSibling() {
		var box *extast.TaskCheckBox
		_ = ast.Walk(li, func(c ast.Node, entering bool) (ast.WalkStatus, error) {
			if cb, ok := c.(*extast.TaskCheckBox); ok && entering && box == nil {
				box = cb
				return ast.WalkStop, nil
			}
			return ast.WalkContinue, nil
		})
		if box == nil {
			continue
		}
		first := li.FirstChild()
		lo, _, ok := span(first)
		if !ok {
			continue
		}
		items = append(items, taskItem{
			text:    strings.TrimSpace(string(segmentsText(first, src))),
			checked: box.IsChecked,
			line:    lineOf(lines, lo),
		})
	}
	return items
}

// fenceLines finds the opening and closing fence lines around a code block.
func fenceLines(src []byte, lines []int, n ast.Node, b mdBlock) (int, int) {
	start, end := b.start, b.end
	if n.Lines().Len() == 0 {
		// Empty fenced block: find the fence after the previous block.
		return start, end
	}
	if _, fenced := n.(*ast.FencedCodeBlock); !fenced {
		return start, end
	}
	open := start - 1
	for open > 1 && !isFence(lineText(src, lines, open)) {
		open--
	}
	close := end + 1
	for close < len(lines) && !isFence(lineText(src, lines, close)) {
		close++
	}
	return max(open, 1), min(close, len(lines))
}

func isFence(s string) bool {
	t := strings.TrimSpace(s)
	return strings.HasPrefix(t, "```") || strings.HasPrefix(t, "~~~")
}

// lineStarts returns the byte offset of each line's start.
func lineStarts(src []byte) []int {
	starts := []int{0}
	for i, c := range src {
		if c == '\n' && i+1 < len(src) {
			starts = append(starts, i+1)
		}
	}
	return starts
}

// lineOf maps a byte offset to its 1-based line.
func lineOf(starts []int, off int) int {
	lo, hi := 0, len(starts)-1
	for lo < hi {
		mid := (lo + hi + 1) / 2
		if starts[mid] <= off {
			lo = mid
		} else {
			hi = mid - 1
		}
	}
	return lo + 1
}

func lineText(src []byte, starts []int, line int) string {
	if line < 1 || line > len(starts) {
		return ""
	}
	lo := starts[line-1]
	hi := len(src)
	if line < len(starts) {
		hi = starts[line]
	}
	return strings.TrimRight(string(src[lo:hi]), "\r\n")
}

func rawLines(src []byte, starts []int, from, to int) string {
	var sb strings.Builder
	for l := from; l <= to; l++ {
		if l > from {
			sb.WriteByte('\n')
		}
		sb.WriteString(lineText(src, starts, l))
	}
	return sb.String()
}
