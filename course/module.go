package course

import (
	"regexp"
	"strconv"
	"strings"
)

// module is a parsed lesson module ("lesson-modules/.../4-4-capstone.md").
type module struct {
	file     string
	title    string
	minutes  int
	sections []modSection
	refs     []refEntry // the Commands Reference, if the module has one
}

// modSection is one "##" section of a module with everything under it.
type modSection struct {
	title  string // "" for text before the first "##"
	line   int
	part   bool // "## Part N: ..."
	blocks []mdBlock
}

// refEntry is one line of a Commands Reference: "/start-1-1  - Welcome & Setup".
type refEntry struct {
	name string
	desc string
	line int
}

var (
	partHeading = regexp.MustCompile(`(?i)^part\s+\d+\b`)
	durationH   = regexp.MustCompile(`(?i)^duration:?\s*(\d+)\s*min`)
	refLine     = regexp.MustCompile(`^/([a-z0-9][a-z0-9_-]*)\s+-\s+(.+?)\s*$`)
)

func (l *loader) parseModule(id, file string, src []byte) *module {
	m := &module{file: file}
	cur := &modSection{}
	flush := func() {
		if cur.title != "" || len(cur.blocks) > 0 {
			m.sections = append(m.sections, *cur)
		}
	}
	for _, b := range splitBlocks(src) {
		switch {
		case b.kind == mdHeading && b.level == 1 && m.title == "":
			m.title = b.text
			continue
		case b.kind == mdHeading && b.level <= 2:
			flush()
			cur = &modSection{title: b.text, line: b.start, part: partHeading.MatchString(b.text)}
			if d := durationH.FindStringSubmatch(b.text); d != nil {
				m.minutes, _ = strconv.Atoi(d[1])
			}
			continue
		}
		cur.blocks = append(cur.blocks, b)
	}
	flush()
	for _, s := range m.sections {
		if !strings.Contains(strings.ToLower(s.title), "commands") {
			continue
		}
		for _, b := range s.blocks {
			if b.kind != mdCode {
				continue
			}
			for i, line := range strings.Split(b.code, "\n") {
				if r := refLine.FindStringSubmatch(strings.TrimSpace(line)); r != nil {
					m.refs = append(m.refs, refEntry{name: r[1], desc: r[2], line: b.start + 1 + i})
				}
			}
		}
	}
	return m
}
