package course

import (
	"regexp"
	"slices"
	"strings"
)

// attachSections decides which script step each module section is
// delivered with. The rule (docs/course-format.md):
//
//  1. Sections before the first "## Part" (learning objectives, duration)
//     open the lesson.
//  2. Each "## Part N: Title" goes with the step whose title shares its most
//     distinctive words: a word scores 1/(number of step titles that contain
//     it); the highest total wins, ties and zero scores match nothing. (When
//     a module has no "Part" headings, every "##" section is matched so.)
//  3. A section that matches nothing travels with its nearest matched
//     neighbour in module order (the earlier one on a tie).
//  4. The manifest's "attach" pins a section to a step number (0 = opening).
//
// Within a step, the script's own text comes first, then its sections in
// module order.
func attachSections(steps []scriptStep, mod *module, man lessonManifest, l *loader) (intro []int, byStep [][]int) {
	assign := openingSections(mod)
	matchByWords(steps, mod, assign)
	pinFromManifest(steps, mod, man, l, assign)
	nearestMatched(assign)
	byStep = make([][]int, len(steps))
	for i, a := range assign {
		if a == opening {
			intro = append(intro, i)
		} else {
			byStep[a] = append(byStep[a], i)
		}
	}
	return intro, byStep
}

// Where a module section goes while attachSections decides: a step's
// index, or one of these.
const (
	unassigned = -2
	opening    = -1
)

// openingSections applies rule 1: the sections before the first "## Part"
// open the lesson (without parts, only the untitled preamble does). The
// others are left unassigned.
func openingSections(mod *module) []int {
	assign := make([]int, len(mod.sections))
	for i := range assign {
		assign[i] = unassigned
	}
	firstPart := slices.IndexFunc(mod.sections, func(s modSection) bool { return s.part })
	if firstPart < 0 {
		firstPart = 0
		for firstPart < len(mod.sections) && mod.sections[firstPart].title == "" {
			firstPart++
		}
	}
	for i := 0; i < firstPart; i++ {
		assign[i] = opening
	}
	return assign
}

// matchByWords applies rule 2 to each unassigned candidate: the "## Part"
// sections, or every titled section when the module has no parts. A
// section goes with the step whose title shares its most distinctive
// words; a tie or no shared word matches nothing.
func matchByWords(steps []scriptStep, mod *module, assign []int) {
	hasParts := slices.ContainsFunc(mod.sections, func(s modSection) bool { return s.part })
	df := map[string]int{}
	stepWords := make([]map[string]bool, len(steps))
	for i, s := range steps {
		stepWords[i] = Words(s.Title)
		for w := range stepWords[i] {
			df[w]++
		}
	}
	for i, s := range mod.sections {
		candidate := s.title != ""
		if hasParts {
			candidate = s.part
		}
		if assign[i] != unassigned || !candidate {
			continue
		}
		if best := bestStep(Words(s.title), stepWords, df); best >= 0 {
			assign[i] = best
		}
	}
}

// bestStep returns the step whose words score highest against title
// words, each shared word scoring 1/(the number of step titles that have
// it); -1 on a tie or when no word is shared.
func bestStep(title map[string]bool, stepWords []map[string]bool, df map[string]int) int {
	best, bestScore, tie := -1, 0.0, false
	for j := range stepWords {
		score := 0.0
		for w := range title {
			if stepWords[j][w] {
				score += 1 / float64(df[w])
			}
		}
		switch {
		case score > bestScore+1e-9:
			best, bestScore, tie = j, score, false
		case score > 0 && score > bestScore-1e-9:
			tie = true
		}
	}
	if tie {
		return -1
	}
	return best
}

// pinFromManifest applies rule 4: the manifest's attach pins a section to
// a step number (0 = the opening card); a title or step that does not
// exist is a problem at the manifest's line.
func pinFromManifest(steps []scriptStep, mod *module, man lessonManifest, l *loader, assign []int) {
	for title, stepNo := range man.Attach {
		found := false
		for i, s := range mod.sections {
			if !strings.EqualFold(strings.TrimSpace(s.title), strings.TrimSpace(title)) {
				continue
			}
			found = true
			switch {
			case stepNo == 0:
				assign[i] = opening
			case stepNo >= 1 && stepNo <= len(steps):
				assign[i] = stepNo - 1
			default:
				l.problem(ManifestFile, man.line, "attach %q: step %d does not exist (the script has %d steps)", title, stepNo, len(steps))
			}
		}
		if !found {
			l.problem(ManifestFile, man.line, "attach %q: no \"##\" section with that title in %s", title, mod.file)
		}
	}
}

// nearestMatched applies rule 3: a section still unassigned travels with
// its nearest matched neighbour in module order, the earlier one on a tie;
// when nothing matched at all, the reading follows the first step.
func nearestMatched(assign []int) {
	matched := append([]int(nil), assign...)
	for i := range assign {
		if assign[i] != unassigned {
			continue
		}
		assign[i] = 0
		for d := 1; d < len(assign); d++ {
			if j := i - d; j >= 0 && matched[j] >= 0 {
				assign[i] = matched[j]
				break
			}
			if j := i + d; j < len(assign) && matched[j] >= 0 {
				assign[i] = matched[j]
				break
			}
		}
	}
}

var (
	nonWord   = regexp.MustCompile(`[^\p{L}\p{N}]+`)
	stopWords = map[string]bool{
		"a": true, "an": true, "the": true, "and": true, "or": true, "of": true, "to": true,
		"for": true, "by": true, "in": true, "on": true, "with": true, "what": true, "s": true,
		"t": true, "we": true, "you": true, "your": true, "it": true, "is": true, "part": true,
		"from": true, "how": true, "this": true, "that": true, "are": true, "be": true,
		"didn": true, "don": true, "not": true, "do": true, "at": true, "as": true,
	}
)

// Words returns the distinctive words of a title: lowercased, without stop
// words or numbers, with a plural "s" trimmed.
func Words(s string) map[string]bool {
	out := map[string]bool{}
	for _, w := range nonWord.Split(strings.ToLower(s), -1) {
		if w == "" || stopWords[w] || strings.Trim(w, "0123456789") == "" {
			continue
		}
		if len(w) > 3 && strings.HasSuffix(w, "s") && !strings.HasSuffix(w, "ss") {
			w = strings.TrimSuffix(w, "s")
		}
		out[w] = true
	}
	return out
}
