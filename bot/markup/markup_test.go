package markup

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestToSlack(t *testing.T) {
	tests := []struct {
		name, md, want string
	}{
		{"bold italic", "Some **bold** and *it* and _it2_", "Some *bold* and _it_ and _it2_"},
		{"strike", "~~gone~~", "~gone~"},
		{"escape", "a & b <c> d", "a &amp; b &lt;c&gt; d"},
		{"backslash escape", `not \*bold\*`, "not *bold*"},
		{"entity", "AT&amp;T &copy;", "AT&amp;T ©"},
		{"code span", "run `x < y` now", "run `x &lt; y` now"},
		{"link", "[the docs](https://e.com/a?b=1&c=2)", "<https://e.com/a?b=1&amp;c=2|the docs>"},
		{"link label plain", "[**bold** docs](https://e.com)", "<https://e.com|bold docs>"},
		{"relative link keeps text", "see [module](../modules/4-4.md)", "see module"},
		{"autolink", "go to https://example.com now", "go to <https://example.com|https://example.com> now"},
		{"heading", "## Step *three*", "*Step _three_*"},
		{"heading with bold", "# A **b** c", "*A b c*"},
		{"soft break kept as a line break", "one\ntwo", "one\ntwo"},
		{"hard break", "one  \ntwo", "one\ntwo"},
		{"bullets", "- a\n- b\n  - c", "• a\n• b\n   ◦ c"},
		{"ordered", "3. x\n4. y", "3. x\n4. y"},
		{"task list", "- [ ] todo\n- [x] done", "• ☐ todo\n• ☑ done"},
		{"quote", "> quoted **text**", "> quoted *text*"},
		{"fenced", "```python\nif a < b:\n    pass\n```", "```\nif a &lt; b:\n    pass\n```"},
		{"indented code", "    x := 1", "```\nx := 1\n```"},
		{"fence inside code", "````\n```\n````", "```\n`\u200b``\n```"},
		{"table", "| Name | Score |\n|---|---:|\n| a | 1 |\n| bbb | 22 |",
			"```\nName | Score\n-----+------\na    |     1\nbbb  |    22\n```"},
		{"table escapes", "| a<b |\n|---|\n| x&y |", "```\na&lt;b\n---\nx&amp;y\n```"},
		{"thematic break", "a\n\n---\n\nb", "a\n\n──────────\n\nb"},
		{"paragraphs", "p1\n\n\n\np2", "p1\n\np2"},
		{"empty", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := ToSlack(tt.md); got != tt.want {
				t.Errorf("ToSlack(%q)\n got %q\nwant %q", tt.md, got, tt.want)
			}
		})
	}
}

func TestToDiscord(t *testing.T) {
	tests := []struct {
		name, md, want string
	}{
		{"bold italic", "Some **bold** and *it* and _it2_", "Some **bold** and *it* and *it2*"},
		{"strike", "~~gone~~", "~~gone~~"},
		{"escape markdown chars", `snake_case and 2\*3 and a|b`, `snake\_case and 2\*3 and a\|b`},
		{"no html escape", "a & b <c>", "a & b <c>"},
		{"link", "[the docs](https://e.com/x_(y))", "[the docs](https://e.com/x_%28y%29)"},
		{"relative link keeps text", "see [module](modules/4-4.md)", "see module"},
		{"autolink", "go to https://example.com now", "go to https://example.com now"},
		{"heading", "### Step 3", "**Step 3**"},
		{"bullets", "* a\n* b", "- a\n- b"},
		{"fenced keeps lang", "```go\nfmt.Println(\"<x>\")\n```", "```go\nfmt.Println(\"<x>\")\n```"},
		{"code span with backtick", "``a`b``", "`` a`b ``"},
		{"table", "| A | B |\n|---|---|\n| 1 | 2 |", "```\nA | B\n--+--\n1 | 2\n```"},
		{"loose list", "- a\n\n- b", "- a\n\n- b"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := ToDiscord(tt.md); got != tt.want {
				t.Errorf("ToDiscord(%q)\n got %q\nwant %q", tt.md, got, tt.want)
			}
		})
	}
}

func TestSplit(t *testing.T) {
	p := func(n int, c string) string { return strings.Repeat(c, n) }
	tests := []struct {
		name  string
		text  string
		limit int
		want  []string
	}{
		{"fits", "a\n\nb", 100, []string{"a\n\nb"}},
		{"empty", "\n\n", 100, nil},
		{"paragraphs", p(30, "a") + "\n\n" + p(30, "b") + "\n\n" + p(30, "c"), 64,
			[]string{p(30, "a") + "\n\n" + p(30, "b"), p(30, "c")}},
		{"lines when a paragraph is too long", p(30, "a") + "\n" + p(30, "b") + "\n" + p(30, "c"), 64,
			[]string{p(30, "a") + "\n" + p(30, "b"), p(30, "c")}},
		{"prefers paragraph over line", p(20, "a") + "\n\n" + p(20, "b") + "\n" + p(20, "c"), 50,
			[]string{p(20, "a"), p(20, "b") + "\n" + p(20, "c")}},
		{"code block reopened with its fence", "```go\n" + p(20, "1") + "\n" + p(20, "2") + "\n" + p(20, "3") + "\n```", 40,
			[]string{"```go\n" + p(20, "1") + "\n```", "```go\n" + p(20, "2") + "\n```", "```go\n" + p(20, "3") + "\n```"}},
		{"blank line inside code is not a cut point", "```\nx\n\ny\n```", 32, []string{"```\nx\n\ny\n```"}},
		{"long line hard cut", p(70, "x"), 32, []string{p(32, "x"), p(32, "x"), p(6, "x")}},
		{"runes not bytes", p(40, "é"), 40, []string{p(40, "é")}},
		{"limit raised to minimum", p(10, "a") + "\n" + p(10, "b"), 5, []string{p(10, "a") + "\n" + p(10, "b")}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Split(tt.text, tt.limit)
			if strings.Join(got, "\x00") != strings.Join(tt.want, "\x00") || len(got) != len(tt.want) {
				t.Errorf("Split\n got %q\nwant %q", got, tt.want)
			}
		})
	}
}

func TestCodeBlock(t *testing.T) {
	var lines []string
	for i := range 50 {
		lines = append(lines, strings.Repeat("#", i%7)+" line "+strings.Repeat("x", i))
	}
	text := strings.Join(lines, "\n")
	blocks := CodeBlock(text, 200)
	if len(blocks) < 2 {
		t.Fatalf("want several blocks, got %d", len(blocks))
	}
	var back []string
	for _, b := range blocks {
		if n := utf8.RuneCountInString(b); n > 200 {
			t.Errorf("block has %d runes > 200", n)
		}
		if !strings.HasPrefix(b, "```\n") || !strings.HasSuffix(b, "\n```") {
			t.Errorf("block not fenced: %q", b)
		}
		back = append(back, strings.TrimSuffix(strings.TrimPrefix(b, "```\n"), "\n```"))
	}
	if got := strings.Join(back, "\n"); got != text {
		t.Errorf("lines lost or changed:\n got %q\nwant %q", got, text)
	}
	if CodeBlock("", 100) != nil {
		t.Error("empty text should give no blocks")
	}
	if got := CodeBlock("a\n```\nb", 100); len(got) != 1 || strings.Count(got[0], "```") != 2 {
		t.Errorf("inner fence not neutralised: %q", got)
	}
}

// FuzzSplit checks that pieces stay within the limit, that no non-blank
// character is lost or reordered, and that lines short enough to fit are
// never cut.
func FuzzSplit(f *testing.F) {
	f.Add("a\n\nb\nc", 40)
	f.Add("```go\nx\ny\n```\n\ntext", 32)
	f.Add(strings.Repeat("word ", 200), 50)
	f.Add("```\n"+strings.Repeat("line\n", 60)+"```", 33)
	f.Add("é\n\n\n```\n```x```\n"+strings.Repeat("ü", 90), 32)
	f.Fuzz(func(t *testing.T, text string, limit int) {
		if !utf8.ValidString(text) || limit < MinLimit || limit > 5000 {
			t.Skip("outside Split's domain: invalid UTF-8, or a limit below MinLimit or above 5000")
		}
		pieces := Split(text, limit)
		for _, p := range pieces {
			if n := utf8.RuneCountInString(p); n > limit {
				t.Fatalf("piece of %d runes > limit %d: %q", n, limit, p)
			}
			if strings.TrimSpace(p) == "" {
				t.Fatalf("empty piece in %q", pieces)
			}
		}
		// Nothing lost or reordered: the input's non-space, non-backtick
		// characters are a subsequence of the output's (fences are added).
		in := squeeze(text)
		out := squeeze(strings.Join(pieces, "\n"))
		if !isSubsequence(in, out) {
			t.Fatalf("content lost:\n in %q\nout %q", in, out)
		}
		// Lines that fit are never cut: each appears whole, in order.
		outLines := strings.Split(strings.Join(pieces, "\n"), "\n")
		j := 0
		for _, l := range strings.Split(text, "\n") {
			if strings.TrimSpace(l) == "" || strings.Contains(l, "```") || utf8.RuneCountInString(l) > limit-24 {
				continue
			}
			for j < len(outLines) && outLines[j] != l {
				j++
			}
			if j == len(outLines) {
				t.Fatalf("line %q missing or out of order in %q", l, pieces)
			}
			j++
		}
	})
}

func squeeze(s string) []rune {
	var r []rune
	for _, c := range s {
		if c != '`' && c != ' ' && c != '\n' && c != '\t' && c != '\r' && c != '\v' && c != '\f' && c != 0x85 && c != 0xA0 && c != '\u200b' {
			r = append(r, c)
		}
	}
	return r
}

func isSubsequence(a, b []rune) bool {
	j := 0
	for _, c := range a {
		for j < len(b) && b[j] != c {
			j++
		}
		if j == len(b) {
			return false
		}
		j++
	}
	return true
}

// FuzzRender checks that rendering never panics and that Slack output never
// carries a raw '<' outside the <url|text> links the renderer writes itself.
func FuzzRender(f *testing.F) {
	f.Add("# h\n\n**b** *i* `c` [l](https://x.y) <b>x</b>\n\n| a |\n|---|\n| 1 |")
	f.Add("- [ ] a\n  1. b\n> c\n\n```\n<x>\n```")
	f.Fuzz(func(t *testing.T, md string) {
		s := ToSlack(md)
		_ = ToDiscord(md)
		for i := 0; i < len(s); i++ {
			if s[i] != '<' {
				continue
			}
			end := strings.IndexByte(s[i:], '>')
			if end < 0 || !strings.Contains(s[i:i+end], "|") {
				t.Fatalf("raw '<' in Slack output %q for %q", s, md)
			}
			i += end
		}
	})
}

func TestEscapeDiscord(t *testing.T) {
	tests := []struct{ in, want string }{
		{"project/src/__init__.py", `project/src/\_\_init\_\_.py`},
		{"**bold** ~x~ `c` ||s||", `\*\*bold\*\* \~x\~ \` + "`" + `c\` + "`" + ` \|\|s\|\|`},
		{"# not a heading", `\# not a heading`},
		{"  > not a quote", `  \> not a quote`},
		{"a > b and c#d", "a > b and c#d"},
		{"one\n#two", "one\n\\#two"},
		{`back\slash`, `back\\slash`},
	}
	for _, tt := range tests {
		if got := EscapeDiscord(tt.in); got != tt.want {
			t.Errorf("EscapeDiscord(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// TestEscapeMarkdown: escaped plain text embedded in CommonMark comes out
// literally on both platforms.
func TestEscapeMarkdown(t *testing.T) {
	for _, tc := range []struct{ in, slack, discord string }{
		{"project/src/__init__.py", "project/src/__init__.py", `project/src/\_\_init\_\_.py`},
		{"*bold* and <b>x</b> & [a](b)", "*bold* and &lt;b&gt;x&lt;/b&gt; &amp; [a](b)", `\*bold\* and <b>x</b> & \[a\](b)`},
		// A typed masked link stays text (Discord would show only "click"); the
		// bare URL in it is linked as itself.
		{"[click](https://example.com/x)", "[click](<https://example.com/x|https://example.com/x>)", `\[click\](https://example.com/x)`},
	} {
		md := "- " + EscapeMarkdown(tc.in)
		if got := ToSlack(md); got != "• "+tc.slack {
			t.Errorf("ToSlack(%q) = %q, want %q", md, got, "• "+tc.slack)
		}
		if got := ToDiscord(md); got != "- "+tc.discord {
			t.Errorf("ToDiscord(%q) = %q, want %q", md, got, "- "+tc.discord)
		}
	}
}

func TestTruncate(t *testing.T) {
	for _, tc := range []struct {
		in   string
		n    int
		want string
	}{
		{"short", 10, "short"},
		{"exactly10!", 10, "exactly10!"},
		{"eleven char", 10, "eleven ch…"},
		{"two words here", 5, "two…"}, // the space before the cut goes
		{"Übung für Fortgeschrittene", 6, "Übung…"},
		{"📘📘📘📘", 3, "📘📘…"},
	} {
		got := Truncate(tc.in, tc.n)
		if got != tc.want {
			t.Errorf("Truncate(%q, %d) = %q, want %q", tc.in, tc.n, got, tc.want)
		}
		if n := utf8.RuneCountInString(got); n > tc.n {
			t.Errorf("Truncate(%q, %d) has %d characters", tc.in, tc.n, n)
		}
	}
}

func TestToPlain(t *testing.T) {
	tests := []struct{ md, want string }{
		{"Some **bold** and *it* and ~~gone~~", "Some bold and it and gone"},
		{"run `x < y` now & then", "run x < y now & then"},
		{"[the docs](https://e.com) and https://e.com/x", "the docs and https://e.com/x"},
		{"## A *heading*\n\n- one\n- two", "A heading\n\n- one\n- two"},
		{`not \*bold\*`, "not *bold*"},
	}
	for _, tt := range tests {
		if got := ToPlain(tt.md); got != tt.want {
			t.Errorf("ToPlain(%q)\n got %q\nwant %q", tt.md, got, tt.want)
		}
	}
}
