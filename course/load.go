package course

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"github.com/coursebot/coursebot/course/builtin"
)

// Problem is one thing wrong with a course, at a file and line.
type Problem struct {
	File string
	Line int
	Msg  string
}

func (p Problem) String() string {
	if p.Line > 0 {
		return fmt.Sprintf("%s:%d: %s", p.File, p.Line, p.Msg)
	}
	return fmt.Sprintf("%s: %s", p.File, p.Msg)
}

// CourseError lists every problem found while loading a course.
type CourseError struct {
	Problems []Problem
}

func (e *CourseError) Error() string {
	lines := make([]string, len(e.Problems))
	for i, p := range e.Problems {
		lines[i] = p.String()
	}
	return "course has problems:\n" + strings.Join(lines, "\n")
}

// ScriptDirs are where tutor scripts live in a course repository, in order of
// preference.
var scriptDirs = []string{".claude/commands", "commands"}

// ManifestFile is the optional course manifest at the course's top.
const ManifestFile = "coursebot.yaml"

var scriptName = regexp.MustCompile(`^start-(\d+)-(\d+)\.md$`)

// LoadBuiltin loads the course embedded in the binary (Lesson 4.4).
func LoadBuiltin() (*Course, error) {
	return LoadFS(builtin.FS(), "builtin")
}

// LoadDir loads a course from a directory laid out as the course's own
// repository.
func LoadDir(dir string) (*Course, error) {
	st, err := os.Stat(dir)
	if err != nil {
		return nil, fmt.Errorf("load course %s: %w", dir, err)
	}
	if !st.IsDir() {
		return nil, fmt.Errorf("load course %s: not a directory", dir)
	}
	return LoadFS(os.DirFS(dir), dir)
}

// LoadFS loads a course from fsys; label names it in errors. Every problem
// found is reported at once, as a *CourseError.
func LoadFS(fsys fs.FS, label string) (*Course, error) {
	l := &loader{fsys: fsys, label: label}
	c, err := l.load()
	if err != nil {
		return nil, err
	}
	if len(l.problems) > 0 {
		return nil, &CourseError{Problems: l.problems}
	}
	return c, nil
}

type loader struct {
	fsys     fs.FS
	label    string
	problems []Problem
	// raw leaves cards as the source cuts them, without fitting them to
	// a screen (tests compare the two).
	raw bool
}

func (l *loader) problem(file string, line int, format string, args ...any) {
	l.problems = append(l.problems, Problem{File: file, Line: line, Msg: fmt.Sprintf(format, args...)})
}

func (l *loader) load() (*Course, error) {
	man, err := l.loadManifest()
	if err != nil {
		return nil, err
	}
	scripts, err := l.findScripts()
	if err != nil {
		return nil, err
	}
	if len(scripts) == 0 {
		l.problem(l.label, 0, "no tutor scripts: expected .claude/commands/start-X-Y.md or commands/start-X-Y.md")
		return &Course{}, nil
	}
	c := &Course{Lessons: map[string]*Lesson{}}
	var refs []refEntry
	for _, id := range sortedIDs(scripts) {
		lesson, lessonRefs := l.loadLesson(id, scripts[id], man.Lessons[id])
		if lesson != nil {
			c.Lessons[id] = lesson
		}
		if len(refs) == 0 {
			refs = lessonRefs
		}
	}
	c.Catalogue, c.Extra = catalogue(c.Lessons, refs, man)
	c.Revisit = l.revisits(c, man, scripts)
	return c, nil
}

// findScripts maps each lesson id to its tutor script's path, reporting a
// lesson defined twice (the first found is used).
func (l *loader) findScripts() (map[string]string, error) {
	scripts := map[string]string{} // lesson id -> script path
	for _, dir := range scriptDirs {
		entries, err := fs.ReadDir(l.fsys, dir)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("load course %s: %w", l.label, err)
		}
		for _, e := range entries {
			m := scriptName.FindStringSubmatch(e.Name())
			if m == nil || e.IsDir() {
				continue
			}
			id := m[1] + "-" + m[2]
			if prev, ok := scripts[id]; ok {
				l.problem(path.Join(dir, e.Name()), 0, "lesson %s is also defined by %s; using %s", id, prev, prev)
				continue
			}
			scripts[id] = path.Join(dir, e.Name())
		}
	}
	return scripts, nil
}

// revisits is the manifest's choice of lessons to revisit per rating item
// (keyed by the item's text, lower case), reporting a manifest lesson with
// no script and a revisit naming a lesson not in the course.
func (l *loader) revisits(c *Course, man manifest, scripts map[string]string) map[string][]string {
	out := map[string][]string{}
	for id, lm := range man.Lessons {
		if _, ok := scripts[id]; !ok {
			l.problem(ManifestFile, lm.line, "lesson %q has no tutor script", id)
		}
		for item, to := range lm.Revisit {
			for _, t := range to {
				if _, ok := c.Entry(t); !ok {
					l.problem(ManifestFile, lm.line, "revisit %q: lesson %q is not in the course", item, t)
				}
			}
			out[strings.ToLower(strings.TrimSpace(item))] = to
		}
	}
	return out
}

func sortedIDs[V any](m map[string]V) []string {
	ids := make([]string, 0, len(m))
	for id := range m {
		ids = append(ids, id)
	}
	sort.Slice(ids, func(i, j int) bool { return LessonLess(ids[i], ids[j]) })
	return ids
}

// LessonLess orders lesson ids as the course does: "1-2" before "1-10"
// before "2-1".
func LessonLess(a, b string) bool {
	ai, bi := lessonNums(a), lessonNums(b)
	if ai[0] != bi[0] {
		return ai[0] < bi[0]
	}
	if ai[1] != bi[1] {
		return ai[1] < bi[1]
	}
	return a < b
}

func lessonNums(id string) [2]int {
	x, y, _ := strings.Cut(id, "-")
	a, _ := strconv.Atoi(x)
	b, _ := strconv.Atoi(y)
	return [2]int{a, b}
}

func (l *loader) read(file string) ([]byte, bool) {
	src, err := fs.ReadFile(l.fsys, file)
	if err != nil {
		l.problem(file, 0, "cannot read: %v", errors.Unwrap(err))
		return nil, false
	}
	if strings.TrimSpace(string(src)) == "" {
		l.problem(file, 1, "empty file")
		return nil, false
	}
	return src, true
}

func (l *loader) loadLesson(id, scriptFile string, man lessonManifest) (*Lesson, []refEntry) {
	src, ok := l.read(scriptFile)
	if !ok {
		return nil, nil
	}
	sc := l.parseScript(id, scriptFile, src)
	var mod *module
	var refs []refEntry
	if sc.module != "" {
		msrc, err := fs.ReadFile(l.fsys, sc.module)
		switch {
		case err != nil:
			l.problem(scriptFile, sc.moduleLine, "lesson module %q not found", sc.module)
		case strings.TrimSpace(string(msrc)) == "":
			l.problem(sc.module, 1, "empty file")
		default:
			mod = l.parseModule(id, sc.module, msrc)
			refs = mod.refs
		}
	}
	if len(sc.steps) == 0 {
		return nil, refs
	}
	lesson := assemble(id, sc, mod, man, l)
	lesson.Repository = repoRules(lesson, man.Repository, l)
	return lesson, refs
}
