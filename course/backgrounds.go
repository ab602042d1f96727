package course

import (
	"regexp"
	"slices"
	"strings"
)

// Background is one "Coming from X:" entry of a module's common gaps by
// background: the lessons it tells people from X to focus on.
type Background struct {
	Name    string   // "Data Science", as the module words it
	Weak    string   // "Docker, CI/CD, cloud deployment", may be ""
	Lessons []string // lesson ids in the module's order ("1-4")
}

var (
	bgHeading = regexp.MustCompile(`^\*\*(?:[Cc]oming from |[Ff]rom |[Ii]f you come from )?(.+?):?\*\*:?\s*$`)
	bgFocus   = regexp.MustCompile(`(?i)focus on:?\s*(?:lessons?\s*)?(.+)$`)
	bgWeak    = regexp.MustCompile(`(?i)weaker on:?\s*(.+)$`)
	lessonNum = regexp.MustCompile(`\b(\d+)\.(\d+)\b`)
)

// findBackgrounds reads the card of a lesson that lists lessons to focus on
// by background: bold headings ("**Coming from Data Science:**") each
// followed by a "Focus on: Lessons 1.4, 3.2, 4.1" line. It needs two such
// backgrounds on one card; it returns that card's key.
func findBackgrounds(les *Lesson) ([]Background, string) {
	for _, c := range les.Cards {
		var r backgroundReader
		for _, b := range c.Blocks {
			if b.Kind != Markdown {
				continue
			}
			for _, line := range strings.Split(b.Text, "\n") {
				r.line(line)
			}
		}
		out := slices.DeleteFunc(r.out, func(b Background) bool { return len(b.Lessons) == 0 })
		if len(out) >= 2 {
			return out, c.Key
		}
	}
	return nil, ""
}

// backgroundReader reads a card's lines: a heading starts a background,
// the lines under it may name what it is weaker on and the lessons to
// focus on (the first of each counts).
type backgroundReader struct {
	out []Background
	cur *Background
}

func (r *backgroundReader) line(line string) {
	t := strings.TrimSpace(line)
	if m := bgHeading.FindStringSubmatch(t); m != nil {
		r.out = append(r.out, Background{Name: strings.TrimSpace(m[1])})
		r.cur = &r.out[len(r.out)-1]
		return
	}
	if r.cur == nil {
		return
	}
	t = strings.TrimSpace(listMarker.ReplaceAllString(t, ""))
	if m := bgWeak.FindStringSubmatch(t); m != nil && r.cur.Weak == "" {
		r.cur.Weak = strings.TrimSpace(m[1])
	}
	if m := bgFocus.FindStringSubmatch(t); m != nil && len(r.cur.Lessons) == 0 {
		for _, n := range lessonNum.FindAllStringSubmatch(m[1], -1) {
			r.cur.Lessons = append(r.cur.Lessons, n[1]+"-"+n[2])
		}
	}
}
