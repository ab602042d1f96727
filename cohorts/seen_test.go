package cohorts

import (
	"context"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/coursebot/coursebot"
	"github.com/coursebot/coursebot/bot"
	"github.com/coursebot/coursebot/course"
	"github.com/coursebot/coursebot/insight"
	"github.com/coursebot/coursebot/scheduler"
)

// docTable reads the Markdown table after marker in docs/cohorts.md: the
// header's column names and, by the first cell, each row's other cells.
func docTable(t *testing.T, marker string) (cols []string, rows map[string][]string, order []string) {
	t.Helper()
	doc, err := os.ReadFile("../docs/cohorts.md")
	if err != nil {
		t.Fatal(err)
	}
	_, after, ok := strings.Cut(string(doc), "<!-- "+marker+" -->")
	if !ok {
		t.Fatalf("docs/cohorts.md has no <!-- %s --> table", marker)
	}
	rows = map[string][]string{}
	for i, line := range strings.Split(strings.TrimLeft(after, "\n"), "\n") {
		if !strings.HasPrefix(line, "|") {
			break
		}
		var cells []string
		for _, c := range strings.Split(strings.Trim(line, "|"), "|") {
			cells = append(cells, strings.TrimSpace(c))
		}
		switch i {
		case 0:
			cols = cells[1:]
		case 1: // |---|
		default:
			if len(cells) != len(cols)+1 {
				t.Fatalf("%s: row %q has %d cells, want %d", marker, cells[0], len(cells)-1, len(cols))
			}
			rows[cells[0]] = cells[1:]
			order = append(order, cells[0])
		}
	}
	if len(rows) == 0 {
		t.Fatalf("%s: empty table", marker)
	}
	return cols, rows, order
}

// notBuilt are rows for data the bot does not keep yet: every cell "—".
var notBuilt = map[string]bool{}

const (
	answersRow = "answers (`/cohort answers`, when the course shares them)"
	tutorRow   = "the tutor's exchanges about answers (with `/cohort answers`)"
)

const quizRow = "quiz scores (in the progress table and CSV)"

const repoRow = "capstone repository and its check (in the progress table and CSV)"

// repoSeen reports whether the progress table and CSV in views show
// who's capstone repository (finished submits it) and its check.
func repoSeen(views map[string]string, who coursebot.Learner) bool {
	return strings.Contains(views["progress table (`/cohort progress`)"], who.UserID+"/capstone 20/22 CI passed") &&
		strings.Contains(views["progress CSV (`/cohort progress NAME csv`)"], "https://github.com/"+who.UserID+"/capstone,")
}

// quizScores gives each learner 2 of 5 right in the quiz course's lesson
// 2-1 and switches the fixture to that course (run it after the checks
// that need the built-in course).
func (f *fixture) quizScores(t *testing.T, who ...string) {
	t.Helper()
	loaded, err := course.LoadDir("../testdata/quiz/course")
	if err != nil {
		t.Fatal(err)
	}
	les := loaded.Lessons["2-1"]
	var ids []string
	for _, c := range les.Cards {
		if q := c.Quiz(); q != nil {
			ids = append(ids, q.ID)
		}
	}
	for _, w := range who {
		if _, _, err := f.db.UpdateProgress(context.Background(), w, "2-1", func(_ *coursebot.LearnerRecord, p *coursebot.Progress) error {
			p.Card, p.Started, p.Updated = les.Cards[3].Key, f.now, f.now
			p.Quiz = map[string]coursebot.QuizResult{ids[0]: {Correct: true, Tries: 1}, ids[1]: {Tries: 1}, ids[2]: {Correct: true, Tries: 1}}
			return nil
		}); err != nil {
			t.Fatal(err)
		}
	}
	f.course = loaded
}

// checkTable compares each documented cell with probe(row, column).
func checkTable(t *testing.T, marker string, cols []string, rows map[string][]string, order []string, probes map[string]func(col string) bool) {
	t.Helper()
	for _, what := range order {
		cells := rows[what]
		if notBuilt[what] {
			for i, c := range cells {
				if c != "—" {
					t.Errorf("%s: %q is not built yet, but the doc says %q for %s", marker, what, c, cols[i])
				}
			}
			continue
		}
		probe := probes[what]
		if probe == nil {
			t.Errorf("%s: the doc's row %q has no check in this test", marker, what)
			continue
		}
		for i, c := range cells {
			want := c == "yes"
			if c != "yes" && c != "no" {
				t.Errorf("%s: %q / %s: cell %q, want yes or no", marker, what, cols[i], c)
				continue
			}
			if got := probe(cols[i]); got != want {
				t.Errorf("%s: %q / %s: the doc says %s, the bot says %v", marker, what, cols[i], c, got)
			}
		}
	}
	for what := range probes {
		if _, ok := rows[what]; !ok {
			t.Errorf("%s: the test checks %q, which the doc's table lacks", marker, what)
		}
	}
}

// finished records that learner finished lesson 4-4 at f.now with an
// answer, and submitted a capstone repository that showed 20 of the 22
// items with rules.
func (f *fixture) finished(t *testing.T, who, secret string) {
	t.Helper()
	f.answer(t, who, secret)
	if _, _, err := f.db.UpdateProgress(context.Background(), who, "4-4", func(_ *coursebot.LearnerRecord, p *coursebot.Progress) error {
		p.Completed = f.now
		l, _ := coursebot.ParseLearnerKey(who)
		p.Repo = &coursebot.RepoCheck{URL: "https://github.com/" + l.UserID + "/capstone", Submitted: f.now, Checked: f.now, Branch: "main",
			Found: make([]string, 20), Missing: make([]string, 2), CI: &coursebot.CIRun{Status: "completed", Conclusion: "success", At: f.now}}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
}

// views are the cohort data a viewer can reach, by the doc's row names.
func (f *fixture) views(t *testing.T, viewer coursebot.Learner) map[string]string {
	t.Helper()
	ctx := context.Background()
	csv := ""
	rs, err := f.h.Handle(ctx, bot.Message{Learner: viewer, Kind: bot.KindCommand, Command: "cohort", Args: "progress alpha csv"})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range rs {
		if r.File != nil {
			csv = string(r.File.Data)
		}
	}
	return map[string]string{
		"member list (`/cohort members`)":                          f.do(t, viewer, "cohort", "members alpha"),
		"progress table (`/cohort progress`)":                      f.do(t, viewer, "cohort", "progress alpha"),
		"progress CSV (`/cohort progress NAME csv`)":               csv,
		"answers (`/cohort answers`, when the course shares them)": f.do(t, viewer, "cohort", "answers alpha 4-4"),
		"reminders (`/cohort reminders`)":                          f.do(t, viewer, "cohort", "reminders alpha"),
		"teaching notes (`/lead-notes`)":                           f.do(t, viewer, "lead-notes", "4-4"),
		"insights (`/cohort insights`)":                            f.do(t, viewer, "cohort", "insights alpha"),
	}
}

// digests runs alpha's reminder (with its digest) through the real
// scheduler and returns what each recipient got, by learner key.
func (f *fixture) digests(t *testing.T) map[string]string {
	t.Helper()
	return f.runReminder(t, &dmBox{sent: map[string][]bot.Reply{}})
}

// runReminder runs alpha's reminder r1 through the real scheduler,
// sending through box, and returns what each learner got.
func (f *fixture) runReminder(t *testing.T, box *dmBox) map[string]string {
	t.Helper()
	ctx := context.Background()
	s, err := scheduler.New(scheduler.Options{
		Store: f.db, Course: func() *course.Course { return f.course }, Senders: map[string]bot.Sender{"test": box},
		Now: func() time.Time { return f.now }, Log: quietLogs, Digest: f.h.Digest, LeadSummary: f.h.LeadSummary,
	})
	if err != nil {
		t.Fatal(err)
	}
	f.now = time.Date(2026, 11, 30, 8, 1, 0, 0, time.UTC) // Monday 09:01 in Berlin: r1 is due
	if err := s.RunDue(ctx); err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for k, rs := range box.sent {
		out[k] = text(rs)
	}
	if len(out) == 0 {
		t.Fatal("the reminder reached nobody")
	}
	return out
}

// TestWhoSeesWhat checks docs/cohorts.md's table of who sees what of a
// cohort, cell by cell.
func TestWhoSeesWhat(t *testing.T) {
	t.Parallel()
	cols, rows, order := docTable(t, "who-sees-what")
	f := newFixture(t, true)
	f.finished(t, member.Key(), "THE MEMBER'S SECRET")
	invitee := learner("invitee")
	f.must(t, leadA, "cohort", "join alpha "+invitee.Key())
	f.must(t, admin, "cohort", "channel alpha none") // reminders go to members by DM
	viewers := map[string]coursebot.Learner{
		"admin": admin, "lead of the cohort": leadA, "lead of another cohort": leadB,
		"member": member, "invited, not accepted": invitee, "anyone else": stranger,
	}
	seen := map[string]map[string]string{}
	for col, v := range viewers {
		seen[col] = f.views(t, v)
	}
	digests := f.digests(t)
	f.quizScores(t, member.Key(), invitee.Key())
	quizzes := map[string]string{}
	for col, v := range viewers {
		quizzes[col] = f.do(t, v, "cohort", "progress alpha")
	}
	probes := map[string]func(string) bool{}
	for what, marker := range map[string]string{
		"member list (`/cohort members`)":                          member.Key(),
		"progress table (`/cohort progress`)":                      "\n" + member.UserID + " ",
		"progress CSV (`/cohort progress NAME csv`)":               member.Key(),
		"answers (`/cohort answers`, when the course shares them)": "THE MEMBER'S SECRET",
		"reminders (`/cohort reminders`)":                          "Standup at 10",
		"teaching notes (`/lead-notes`)":                           "Teaching notes: ",
		"insights (`/cohort insights`)":                            "Insights: cohort alpha",
	} {
		probes[what] = func(col string) bool { return strings.Contains(seen[col][what], marker) }
	}
	probes["weekly digest (with reminders, cohort without a channel)"] = func(col string) bool {
		return strings.Contains(digests[viewers[col].Key()], "Reminder from cohort alpha") && strings.Contains(digests[viewers[col].Key()], "*This week*")
	}
	probes["the author's report (`coursebot report`, run where the database is: never in chat)"] = func(col string) bool {
		out := f.do(t, viewers[col], "cohort", "report alpha")
		return strings.Contains(out, "Course report") || strings.Contains(out, "<html")
	}
	probes["the leads' weekly summary (by direct message, with a reminder's digest)"] = func(col string) bool {
		return strings.Contains(digests[viewers[col].Key()], "Cohort alpha: the week, for its leads")
	}
	probes[tutorRow] = func(col string) bool {
		return strings.Contains(seen[col][answersRow], tutorSaid(member.Key())) && strings.Contains(seen[col][answersRow], learnerReplied(member.Key()))
	}
	probes[quizRow] = func(col string) bool { return strings.Contains(quizzes[col], "quiz 2/5") }
	probes[repoRow] = func(col string) bool { return repoSeen(seen[col], member) }
	for _, c := range cols {
		if _, ok := viewers[c]; !ok {
			t.Fatalf("the doc's column %q is not a viewer this test knows", c)
		}
	}
	checkTable(t, "who-sees-what", cols, rows, order, probes)
}

// subject makes who the subject of the whose-data table's column col in
// cohort alpha (beta is the other cohort).
func (f *fixture) subject(t *testing.T, col string, who coursebot.Learner, alpha, beta coursebot.Cohort) {
	t.Helper()
	switch col {
	case "member, answers shared":
		f.enrol(t, leadA, "alpha", who)
	case "member who joined while answers were private":
		f.h.o.ShareAnswers = false
		f.must(t, who, "cohort", "join "+alpha.Code)
		f.h.o.ShareAnswers = true
	case "member who joined before the figures were named":
		// As an older bot recorded a member: told of progress and
		// answers, not of the figures.
		if _, err := f.db.AddMember(context.Background(), coursebot.Member{Cohort: "alpha", Learner: who.Key(), Joined: f.now, Answers: true}); err != nil {
			t.Fatal(err)
		}
	case "invited, not accepted":
		f.must(t, leadA, "cohort", "join alpha "+who.Key())
	case "declined":
		f.must(t, leadA, "cohort", "join alpha "+who.Key())
		f.must(t, who, "cohort", "decline alpha")
	case "left":
		f.enrol(t, leadA, "alpha", who)
		f.must(t, who, "cohort", "leave alpha")
	case "member of another cohort only":
		f.must(t, who, "cohort", "join "+beta.Code)
	default:
		t.Fatalf("the doc's column %q is not a subject this test knows", col)
	}
}

// TestWhoseDataALeadSees checks docs/cohorts.md's table of whose data the
// lead of a cohort sees, cell by cell.
func TestWhoseDataALeadSees(t *testing.T) {
	t.Parallel()
	cols, rows, order := docTable(t, "whose-data")
	f := newFixture(t, true)
	alpha, _, _ := f.db.Cohort(context.Background(), "alpha")
	beta, _, _ := f.db.Cohort(context.Background(), "beta")
	subjects := map[string]coursebot.Learner{}
	for i, col := range cols {
		who := learner("s" + string(rune('a'+i)))
		subjects[col] = who
		f.finished(t, who.Key(), "SECRET OF "+who.UserID)
		f.subject(t, col, who, alpha, beta)
	}
	seen := f.views(t, leadA)
	digest, err := f.h.Digest(context.Background(), "alpha", f.now)
	if err != nil {
		t.Fatal(err)
	}
	// Every subject's DM fails for good: the reminder's delivery report
	// to the lead names whom it could not reach.
	f.must(t, admin, "cohort", "channel alpha none")
	box := &dmBox{sent: map[string][]bot.Reply{}, gone: map[string]bool{}}
	var keys []string
	for _, who := range subjects {
		keys = append(keys, who.Key())
		box.gone[who.Key()] = true
	}
	report := f.runReminder(t, box)[leadA.Key()]
	if !strings.Contains(report, "Delivery problems") {
		t.Fatalf("the lead got no delivery report: %q", report)
	}
	f.quizScores(t, keys...)
	table := f.do(t, leadA, "cohort", "progress alpha")
	probes := map[string]func(string) bool{
		quizRow: func(col string) bool {
			for _, line := range strings.Split(table, "\n") {
				if strings.HasPrefix(line, subjects[col].UserID+" ") && strings.Contains(line, "quiz 2/5") {
					return true
				}
			}
			return false
		},
		repoRow: func(col string) bool { return repoSeen(seen, subjects[col]) },
		"delivery report (a reminder that could not reach them)": func(col string) bool {
			return strings.Contains(report, subjects[col].Key())
		},
		"weekly digest (with reminders, cohort without a channel)": func(col string) bool {
			return strings.Contains(digest, subjects[col].UserID+" finished")
		},
		answersRow: func(col string) bool {
			return strings.Contains(seen[answersRow], "SECRET OF "+subjects[col].UserID)
		},
		tutorRow: func(col string) bool {
			who := subjects[col].Key()
			return strings.Contains(seen[answersRow], tutorSaid(who)) && strings.Contains(seen[answersRow], learnerReplied(who))
		},
	}
	for _, what := range []string{"member list (`/cohort members`)", "progress CSV (`/cohort progress NAME csv`)"} {
		probes[what] = func(col string) bool { return strings.Contains(seen[what], subjects[col].Key()) }
	}
	// The table names members (by their user id when the platform gave no
	// name), one a line.
	probes["progress table (`/cohort progress`)"] = func(col string) bool {
		return strings.Contains(seen["progress table (`/cohort progress`)"], "\n"+subjects[col].UserID+" ")
	}
	insights, reports := map[string]string{}, map[string]string{}
	for _, col := range cols {
		insights[col], reports[col] = insightsOf(t, col)
	}
	probes[reportCounts] = func(col string) bool {
		return strings.Contains(reports[col], "Putting It All Together (Capstone)</a>: 3 started") &&
			strings.Contains(reports[col], `<td>10. Requirements Checklist</td><td>4. Capstone Exercise: End-to-End</td><td class="n">3</td><td class="n">3</td>`)
	}
	probes[reportLinked] = func(col string) bool {
		return strings.Contains(reports[col], `Problem framing and success metrics</td><td class="n">2.0</td><td class="n">3</td>`) &&
			strings.Contains(reports[col], `<td>Started</td><td class="n">3</td><td class="n">10 min</td><td class="n">3</td>`)
	}
	probes[insightsWhere] = func(col string) bool {
		out := insights[col]
		return strings.Contains(out, "3 started") && strings.Contains(out, "Subject 0: Lesson 4.4, card 10 of 41") &&
			strings.Contains(out, "Not moved in 7 days: 3 learners; a week ago fewer than 3: Subject 0 (4.4, card 10)")
	}
	probes[insightsHard] = func(col string) bool {
		return strings.Contains(insights[col], "from 3 ratings") && strings.Contains(insights[col], "3 presses by 3 learners")
	}
	probes[insightsAnswers] = func(col string) bool { return strings.Contains(insights[col], "3 answered") }
	checkTable(t, "whose-data", cols, rows, order, probes)
}

const (
	insightsWhere   = "insights and the leads' summary: where the cohort is (how many reached each step; named when they have not moved for 7 days)"
	insightsHard    = "insights and the leads' summary: what is hard (quiz options chosen, \"I'm stuck\" presses, checklist ticks, self-assessment ratings, time per step), counted together"
	insightsAnswers = "insights: answers counted per question (answered, skipped, key points reached)"
	reportCounts    = "the author's report of the cohort (`coursebot report --cohort NAME`): counts (how many reached each step, answered each question and how, pressed I'm stuck, ticked, rated)"
	reportLinked    = "the author's report of the cohort: time per step, discrimination, average ratings"
)

// insightsOf is what the lead of alpha reads in /cohort insights alpha
// 4-4 and in the leads' weekly summary when three learners are the
// subjects of the whose-data column col (under three, no count would
// show): each stopped on the capstone's checklist nine days ago, having
// answered the first question, ticked an item, rated one and pressed
// I'm stuck.
func insightsOf(t *testing.T, col string) (chat, report string) {
	t.Helper()
	f := newFixture(t, true)
	ctx := context.Background()
	alpha, _, _ := f.db.Cohort(ctx, "alpha")
	beta, _, _ := f.db.Cohort(ctx, "beta")
	les := f.course.Lessons["4-4"]
	var qid, tick, rate string
	for _, c := range les.Cards {
		if q := c.Question(); q != nil && qid == "" {
			qid = q.ID
		}
		for _, b := range c.Blocks {
			if b.Kind == course.Checklist && tick == "" {
				tick = b.Items[0].ID
			}
			if b.Kind == course.Rating && rate == "" {
				rate = b.Items[0].ID
			}
		}
	}
	started := f.now.Add(-10 * 24 * time.Hour)
	for i := range 3 {
		who := learner(fmt.Sprintf("x%d", i))
		f.subject(t, col, who, alpha, beta)
		if _, _, err := f.db.UpdateProgress(ctx, who.Key(), "4-4", func(r *coursebot.LearnerRecord, p *coursebot.Progress) error {
			r.Name = fmt.Sprintf("Subject %d", i)
			p.Card, p.CardIndex, p.Started, p.Updated = les.Cards[9].Key, 9, started, f.now.Add(-9*24*time.Hour)
			for _, c := range les.Cards[:10] {
				p.Reach(c.Key, started.Add(time.Duration(c.Index)*10*time.Minute))
			}
			p.Answers = map[string]coursebot.Answer{qid: {Text: "an answer", At: started}}
			p.Checks = map[string]bool{tick: true}
			p.Ratings = map[string]int{rate: 2}
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		if _, err := f.db.UpdateTutor(ctx, who.Key(), func(r *coursebot.TutorRecord) error {
			r.Exchanges = append(r.Exchanges, coursebot.TutorExchange{Kind: coursebot.TutorStuck, Lesson: "4-4", Card: les.Cards[9].Key,
				Turns: []coursebot.TutorTurn{{Role: coursebot.RoleLearner, Text: "I'm stuck", At: f.now.Add(-9 * 24 * time.Hour)}}})
			return nil
		}); err != nil {
			t.Fatal(err)
		}
	}
	out := f.do(t, leadA, "cohort", "insights alpha 4-4")
	sum, err := f.h.LeadSummary(ctx, "alpha", f.now)
	if err != nil {
		t.Fatal(err)
	}
	// What coursebot report --cohort alpha writes.
	ls, err := insight.Cohort(ctx, f.db, f.db, "alpha", true)
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	if _, err := insight.Report(&b, insight.Compute(f.course, ls, insight.Options{Audience: insight.Author, Now: f.now}), insight.ReportOptions{Scope: "Cohort alpha"}); err != nil {
		t.Fatal(err)
	}
	return out + text(sum), b.String()
}
