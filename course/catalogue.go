package course

import (
	"regexp"
	"strings"
)

// catalogue lists every lesson the course knows: installed lessons plus the
// Commands Reference's "/start-X-Y - Title" lines; the reference's other
// commands become the status and help commands.
func catalogue(ls map[string]*Lesson, refs []refEntry, man manifest) ([]CatalogueEntry, []CommandInfo) {
	seen := map[string]int{}
	var cat []CatalogueEntry
	var extra []CommandInfo
	for _, r := range refs {
		if m := startCmd.FindStringSubmatch(r.name); m != nil {
			id := m[1]
			if _, dup := seen[id]; dup {
				continue
			}
			seen[id] = len(cat)
			_, installed := ls[id]
			cat = append(cat, CatalogueEntry{ID: id, Command: r.name, Title: cleanTitle(r.desc), Installed: installed})
			continue
		}
		var role CommandRole
		switch {
		case man.Commands.Status != "" && r.name == man.Commands.Status,
			man.Commands.Status == "" && (strings.Contains(r.name, "status") || strings.Contains(strings.ToLower(r.desc), "progress")):
			role = RoleStatus
		case man.Commands.Help != "" && r.name == man.Commands.Help,
			man.Commands.Help == "" && strings.Contains(r.name, "help"):
			role = RoleHelp
		default:
			continue // a command the bot has no behaviour for
		}
		extra = append(extra, CommandInfo{Name: r.name, Description: r.desc, Role: role})
	}
	for _, id := range sortedIDs(ls) {
		if _, ok := seen[id]; ok {
			continue
		}
		cat = append(cat, CatalogueEntry{ID: id, Command: "start-" + id, Title: ls[id].ShortTitle(), Installed: true})
	}
	sortCatalogue(cat)
	// A course without a reference still gets status and help.
	if !hasRole(extra, RoleStatus) {
		extra = append(extra, CommandInfo{Name: orDefault(man.Commands.Status, "status"), Description: "Check your progress", Role: RoleStatus})
	}
	if !hasRole(extra, RoleHelp) {
		extra = append(extra, CommandInfo{Name: orDefault(man.Commands.Help, "help"), Description: "Get help on concepts", Role: RoleHelp})
	}
	for i := range extra {
		if extra[i].Role == RoleHelp {
			extra[i].Usage = "[topic]"
			extra[i].UsageHelp = "A concept or term to look up, such as drift; leave empty for the list"
		}
	}
	return cat, extra
}

var (
	startCmd    = regexp.MustCompile(`^start-(\d+-\d+)$`)
	parenthesis = regexp.MustCompile(`\s*\((?i:this lesson)\)\s*$`)
	lessonLabel = regexp.MustCompile(`^Lesson\s+\d+\.\d+:\s*`)
)

func cleanTitle(s string) string { return strings.TrimSpace(parenthesis.ReplaceAllString(s, "")) }

// ShortTitle is the lesson's title without its "Lesson 4.4: " label.
func (les *Lesson) ShortTitle() string {
	return strings.TrimSpace(lessonLabel.ReplaceAllString(les.Title, ""))
}

// LessonOfCommand returns the lesson id a "start-X-Y" command opens ("4-4").
func LessonOfCommand(name string) (string, bool) {
	m := startCmd.FindStringSubmatch(name)
	if m == nil {
		return "", false
	}
	return m[1], true
}

func sortCatalogue(c []CatalogueEntry) {
	for i := 1; i < len(c); i++ {
		for j := i; j > 0 && LessonLess(c[j].ID, c[j-1].ID); j-- {
			c[j], c[j-1] = c[j-1], c[j]
		}
	}
}

func hasRole(cs []CommandInfo, r CommandRole) bool {
	for _, c := range cs {
		if c.Role == r {
			return true
		}
	}
	return false
}

func orDefault(s, d string) string {
	if s == "" {
		return d
	}
	return s
}

// Commands lists every slash command of the course: one per catalogue
// lesson, then status and help, with descriptions from the course.
func (c *Course) Commands() []CommandInfo {
	out := make([]CommandInfo, 0, len(c.Catalogue)+len(c.Extra))
	for _, e := range c.Catalogue {
		out = append(out, CommandInfo{Name: e.Command, Description: "Lesson " + strings.Replace(e.ID, "-", ".", 1) + ": " + e.Title, Role: RoleLesson})
	}
	return append(out, c.Extra...)
}

// Entry returns the catalogue entry of lesson id.
func (c *Course) Entry(id string) (CatalogueEntry, bool) {
	for _, e := range c.Catalogue {
		if e.ID == id {
			return e, true
		}
	}
	return CatalogueEntry{}, false
}
