package cohorts

import (
	"bytes"
	"context"
	"encoding/csv"
	"fmt"
	"io"
	"sort"
	"strings"
	"time"
	"unicode"

	"github.com/coursebot/coursebot"
	"github.com/coursebot/coursebot/bot"
	"github.com/coursebot/coursebot/bot/markup"
	"github.com/coursebot/coursebot/course"
	"github.com/coursebot/coursebot/lessons"
)

// ProgressReader reads a learner's record and progress (*store.DB).
type ProgressReader interface {
	Learner(ctx context.Context, learner string) (coursebot.LearnerRecord, error)
	LearnerProgress(ctx context.Context, learner string) ([]coursebot.Progress, error)
}

// Row is one member's line of a cohort's progress table.
type Row struct {
	Learner    string
	Name       string
	Joined     time.Time
	LastActive time.Time // zero = never
	// Cells are per lesson, in Table.Lessons order.
	Cells []Cell
	// Checklist is the nudge lesson's (the capstone's) checklist: ticked
	// of total.
	Checked, Items int
	Attention      string // why this member needs attention, or ""
	// Repo is the capstone repository the member submitted and its last
	// check (repo.go); nil when none.
	Repo *coursebot.RepoCheck
}

// Cell is one member in one lesson.
type Cell struct {
	State       coursebot.LessonState
	Step, Steps int // in progress: tutor-script step N of M
	Card, Cards int
	Completed   time.Time
	// Quizzes and QuizCorrect are the lesson's graded questions and those
	// right at the first attempt (quiz.go).
	Quizzes, QuizCorrect int
}

func (c Cell) String() string {
	switch c.State {
	case coursebot.StateCompleted:
		return "completed"
	case coursebot.StateInProgress:
		if c.Steps > 0 && c.Step == 0 {
			return "opening card"
		}
		if c.Steps > 0 {
			return fmt.Sprintf("step %d/%d", c.Step, c.Steps)
		}
		return fmt.Sprintf("card %d/%d", c.Card, c.Cards)
	}
	return "not started"
}

// Table is a cohort's progress: members x installed lessons.
type Table struct {
	Cohort  coursebot.Cohort
	Lessons []string // lesson ids in course order
	Rows    []Row
	At      time.Time
	// Repository is true when the course has a capstone check: the table
	// and the CSV show each member's repository (repo.go).
	Repository bool
}

// Progress builds the cohort's progress table as of now.
func (h *Handler) Progress(ctx context.Context, cohort string) (Table, error) {
	c, ok, err := h.o.Store.Cohort(ctx, cohort)
	if err != nil {
		return Table{}, err
	}
	if !ok {
		return Table{}, fmt.Errorf("cohort %q: %w", cohort, coursebot.ErrNotFound)
	}
	crs := h.o.Course()
	repoLessons := crs.RepoLessons()
	t := Table{Cohort: c, At: h.o.Now(), Repository: len(repoLessons) > 0}
	for _, e := range crs.Catalogue {
		if e.Installed {
			t.Lessons = append(t.Lessons, e.ID)
		}
	}
	ms, err := h.o.Store.Members(ctx, c.Name)
	if err != nil {
		return Table{}, err
	}
	for _, m := range ms {
		row, err := h.memberRow(ctx, crs, t, repoLessons, m)
		if err != nil {
			return Table{}, err
		}
		t.Rows = append(t.Rows, row)
	}
	sort.SliceStable(t.Rows, func(i, j int) bool { return t.Rows[i].Learner < t.Rows[j].Learner })
	return t, nil
}

// memberRow is member m's row of table t (its lessons and time set): a
// cell a lesson, their repository, and what needs a lead's attention.
func (h *Handler) memberRow(ctx context.Context, crs *course.Course, t Table, repoLessons []string, m coursebot.Member) (Row, error) {
	rec, err := h.o.Store.Learner(ctx, m.Learner)
	if err != nil {
		return Row{}, err
	}
	ps, err := h.o.Store.LearnerProgress(ctx, m.Learner)
	if err != nil {
		return Row{}, err
	}
	byLesson := map[string]coursebot.Progress{}
	for _, p := range ps {
		byLesson[p.Lesson] = p
	}
	row := Row{Learner: m.Learner, Name: rec.Name, Joined: m.Joined, LastActive: rec.LastSeen}
	for _, id := range repoLessons {
		if p := byLesson[id]; row.Repo == nil && p.Repo != nil {
			row.Repo = p.Repo
		}
	}
	started := false
	for _, id := range t.Lessons {
		les := crs.Lessons[id]
		p := byLesson[id]
		sum := lessons.Summarize(les, p)
		row.Cells = append(row.Cells, Cell{State: sum.State, Step: sum.Step, Steps: sum.Steps, Card: sum.Card, Cards: sum.Cards, Completed: p.Completed,
			Quizzes: sum.Quizzes, QuizCorrect: sum.QuizCorrect})
		started = started || sum.State != coursebot.StateNotStarted
		if id == h.o.Nudges.Lesson {
			row.Checked, row.Items = sum.Checked, sum.Items
			if sum.State == coursebot.StateInProgress && t.At.Sub(p.Updated) >= h.o.Nudges.After {
				row.Attention = fmt.Sprintf("stalled in %s for %s", dotted(id), days(t.At.Sub(p.Updated)))
			}
		}
	}
	if !started && t.At.Sub(m.Joined) >= 7*24*time.Hour {
		row.Attention = fmt.Sprintf("not started, joined %s ago", days(t.At.Sub(m.Joined)))
	}
	return row, nil
}

func days(d time.Duration) string {
	n := int(d.Hours() / 24)
	if n == 1 {
		return "1 day"
	}
	if n < 1 {
		return fmt.Sprintf("%dh", int(d.Hours()))
	}
	return fmt.Sprintf("%d days", n)
}

func dotted(id string) string { return strings.Replace(id, "-", ".", 1) }

// Text renders the table in monospace, with the cohort's time zone.
func (t Table) Text(loc *time.Location) string {
	head := []string{"member"}
	for _, id := range t.Lessons {
		head = append(head, dotted(id))
	}
	head = append(head, "checklist")
	if t.Repository {
		head = append(head, "repository")
	}
	head = append(head, "last active", "attention")
	rows := [][]string{head}
	names := t.names()
	for _, r := range t.Rows {
		line := []string{names[r.Learner]}
		for _, c := range r.Cells {
			line = append(line, c.String()+c.quizSuffix())
		}
		check := "-"
		if r.Items > 0 {
			check = fmt.Sprintf("%d/%d", r.Checked, r.Items)
		}
		last := "never"
		if !r.LastActive.IsZero() {
			last = r.LastActive.In(loc).Format("2 Jan 15:04")
		}
		line = append(line, check)
		if t.Repository {
			line = append(line, repoText(r.Repo))
		}
		line = append(line, last, r.Attention)
		rows = append(rows, line)
	}
	width := make([]int, len(head))
	for _, r := range rows {
		for i, c := range r {
			width[i] = max(width[i], len([]rune(c)))
		}
	}
	var b strings.Builder
	for _, r := range rows {
		var line strings.Builder
		for i, c := range r {
			line.WriteString(c)
			if i < len(r)-1 {
				line.WriteString(strings.Repeat(" ", width[i]-len([]rune(c))+2))
			}
		}
		b.WriteString(strings.TrimRight(line.String(), " ") + "\n")
	}
	return strings.TrimRight(b.String(), "\n")
}

// WriteCSV writes the table as CSV: one row per member, times in RFC 3339.
func (t Table) WriteCSV(w io.Writer) error {
	cw := csv.NewWriter(w)
	head := []string{"name", "learner", "joined", "last_active"}
	for _, id := range t.Lessons {
		head = append(head, "lesson_"+id)
	}
	head = append(head, t.quizHead()...)
	head = append(head, "checklist_ticked", "checklist_items")
	head = append(head, t.repoHead()...)
	head = append(head, "needs_attention")
	if err := cw.Write(head); err != nil {
		return err
	}
	stamp := func(t time.Time) string {
		if t.IsZero() {
			return ""
		}
		return t.UTC().Format(time.RFC3339)
	}
	for _, r := range t.Rows {
		line := []string{csvCell(display(r)), r.Learner, stamp(r.Joined), stamp(r.LastActive)}
		for _, c := range r.Cells {
			line = append(line, c.String())
		}
		line = append(line, t.quizCells(r)...)
		line = append(line, fmt.Sprint(r.Checked), fmt.Sprint(r.Items))
		line = append(line, t.repoCells(r)...)
		line = append(line, r.Attention)
		if err := cw.Write(line); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

func (h *Handler) progress(ctx context.Context, who coursebot.Learner, args []string) ([]bot.Reply, error) {
	if len(args) < 1 || len(args) > 2 || (len(args) == 2 && args[1] != "csv") {
		return nil, refuse(coursebot.EINVALID, "Usage: /%s progress NAME [csv]", h.o.Command)
	}
	c, _, err := h.leadOf(ctx, who, args[0], "see its progress")
	if err != nil {
		return nil, err
	}
	t, err := h.Progress(ctx, c.Name)
	if err != nil {
		return nil, err
	}
	if len(args) == 2 {
		var b bytes.Buffer
		if err := t.WriteCSV(&b); err != nil {
			return nil, fmt.Errorf("progress %s: csv: %w", c.Name, err)
		}
		name := "progress-" + c.Name + ".csv"
		if b.Len() > bot.MaxFileSize {
			return []bot.Reply{notice(fmt.Sprintf("The CSV of cohort %s is %d bytes, too big to send in chat; run `coursebot export cohort %s` on the server.", c.Name, b.Len(), c.Name))}, nil
		}
		return []bot.Reply{{
			Ephemeral: true, Title: "Progress of cohort " + c.Name + " (CSV)",
			Context: fmt.Sprintf("%d members; or run `coursebot export cohort %s` on the server", len(t.Rows), c.Name),
			Blocks:  []bot.Block{{Kind: bot.BlockMarkdown, Text: fmt.Sprintf("The table is attached as `%s` (%d bytes): open it in a spreadsheet.", name, b.Len())}},
			File:    &bot.File{Name: name, Title: "Progress of cohort " + c.Name, Data: b.Bytes()},
		}}, nil
	}
	if len(t.Rows) == 0 {
		return []bot.Reply{notice(fmt.Sprintf("Cohort %s has no members yet. Its join code is `%s`.", c.Name, c.Code))}, nil
	}
	var attention []string
	names := t.names()
	for _, r := range t.Rows {
		if r.Attention != "" {
			attention = append(attention, fmt.Sprintf("- %s: %s", markup.EscapeMarkdown(names[r.Learner]), r.Attention))
		}
	}
	blocks := []bot.Block{{Kind: bot.BlockCode, Text: t.Text(h.loc(c))}}
	if len(attention) > 0 {
		blocks = append(blocks, bot.Block{Kind: bot.BlockMarkdown, Text: "*Needs attention*\n" + strings.Join(attention, "\n")})
	}
	return []bot.Reply{{
		Ephemeral: true, Title: "Progress of cohort " + c.Name,
		Context: fmt.Sprintf("%d members · times in %s · answers %s", len(t.Rows), c.Timezone, map[bool]string{true: "shared (/" + h.o.Command + " answers)", false: "private"}[h.o.ShareAnswers]),
		Blocks:  blocks,
	}}, nil
}

// Digest is the weekly summary appended to a cohort's reminders: who
// finished what in the seven days before now, and who has not started.
func (h *Handler) Digest(ctx context.Context, cohort string, now time.Time) (string, error) {
	t, err := h.Progress(ctx, cohort)
	if err != nil {
		return "", err
	}
	crs := h.o.Course()
	var finished, notStarted []string
	for _, r := range t.Rows {
		started := false
		for i, c := range r.Cells {
			if c.State != coursebot.StateNotStarted {
				started = true
			}
			if c.State == coursebot.StateCompleted && !c.Completed.After(now) && now.Sub(c.Completed) < 7*24*time.Hour {
				title := dotted(t.Lessons[i])
				if les := crs.Lessons[t.Lessons[i]]; les != nil {
					title = les.Title
				}
				finished = append(finished, fmt.Sprintf("%s finished %s", markup.EscapeMarkdown(display(r)), markup.EscapeMarkdown(title)))
			}
		}
		if !started {
			notStarted = append(notStarted, markup.EscapeMarkdown(display(r)))
		}
	}
	var b strings.Builder
	b.WriteString("*This week*\n")
	if len(finished) == 0 {
		b.WriteString("Nobody finished a lesson this week.\n")
	}
	for _, f := range finished {
		b.WriteString("- " + f + "\n")
	}
	if len(notStarted) > 0 {
		fmt.Fprintf(&b, "Not started yet: %s.", strings.Join(notStarted, ", "))
	}
	return strings.TrimSpace(b.String()), nil
}

// names is how the table names each member: the name their platform last
// gave (display), with their id beside it only where two members would
// read the same.
func (t Table) names() map[string]string {
	seen := map[string]int{}
	for _, r := range t.Rows {
		seen[display(r)]++
	}
	out := make(map[string]string, len(t.Rows))
	for _, r := range t.Rows {
		out[r.Learner] = display(r)
		if seen[display(r)] > 1 {
			out[r.Learner] += " (" + r.Learner + ")"
		}
	}
	return out
}

// csvCell keeps a cell that a spreadsheet would run as a formula ("=…",
// "+…", "-…", "@…") as text, with a leading apostrophe (OWASP's advice for
// CSV injection): a name is the learner's own.
func csvCell(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}

// display is a member's name as the platform last gave it, on one line and
// without control characters, or their user id when it gave none.
func display(r Row) string {
	if name := plainName(r.Name); name != "" {
		return name
	}
	if l, ok := coursebot.ParseLearnerKey(r.Learner); ok {
		return l.UserID
	}
	return r.Learner
}

// plainName is a name with control characters (newlines, tabs, escapes)
// as spaces, on one line: a name must not break a table's row.
func plainName(s string) string {
	return oneLine(strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return ' '
		}
		return r
	}, s))
}
