package cohorts

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/coursebot/coursebot"
	"github.com/coursebot/coursebot/bot"
	"github.com/coursebot/coursebot/course"
	"github.com/coursebot/coursebot/lessons"
	"github.com/coursebot/coursebot/scheduler"
	"github.com/coursebot/coursebot/store"
)

var t0 = time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC) // a Monday

type fixture struct {
	db     *store.DB
	h      *Handler
	course *course.Course
	now    time.Time
	woken  int
	dms    *dmBox
	rooms  rooms
}

// rooms is a ChannelAccess: channel id -> user ids in it.
type rooms map[string][]string

func (r rooms) CanSeeChannel(_ context.Context, channel, user string) (bool, error) {
	for _, u := range r[channel] {
		if u == user {
			return true, nil
		}
	}
	return false, nil
}

// dmBox is a bot.Sender that keeps what it was given, or fails.
type dmBox struct {
	sent map[string][]bot.Reply
	fail error
	// gone are learner keys whose DMs fail for good (a closed account).
	gone map[string]bool
}

// goneErr is a send that will never work (the scheduler does not retry it).
type goneErr struct{}

func (goneErr) Error() string   { return "user gone" }
func (goneErr) Permanent() bool { return true }

func (d *dmBox) Send(_ context.Context, to coursebot.Learner, rs []bot.Reply) error {
	if d.fail != nil {
		return d.fail
	}
	if d.gone[to.Key()] {
		return goneErr{}
	}
	d.sent[to.Key()] = append(d.sent[to.Key()], rs...)
	return nil
}

// enrol: by invites who to cohort and who accepts.
func (f *fixture) enrol(t *testing.T, by coursebot.Learner, cohort string, who coursebot.Learner) {
	t.Helper()
	f.must(t, by, "cohort", "join "+cohort+" "+who.Key())
	f.must(t, who, "cohort", "accept "+cohort)
}

func learner(id string) coursebot.Learner { return coursebot.Learner{Platform: "test", UserID: id} }

var (
	admin     = learner("admin")
	leadA     = learner("lead-a")
	leadB     = learner("lead-b")
	member    = learner("learner")
	stranger  = learner("stranger")
	quietLogs = slog.New(slog.NewTextHandler(io.Discard, nil))
)

// newFixture: cohorts alpha (lead-a, member learner, reminder r1) and beta
// (lead-b), over a real bbolt file and the built-in course.
func newFixture(t *testing.T, share bool) *fixture {
	t.Helper()
	f := &fixture{now: t0, dms: &dmBox{sent: map[string][]bot.Reply{}}, rooms: rooms{"C1": {"lead-a"}, "C9": {"lead-a", "lead-b"}, "C0BETA": {"lead-b"}}}
	db, err := store.Open(filepath.Join(t.TempDir(), "c.db"), store.Options{Now: func() time.Time { return f.now }})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := db.Close(); err != nil {
			t.Error(err)
		}
	})
	f.db = db
	f.course, err = course.LoadBuiltin()
	if err != nil {
		t.Fatal(err)
	}
	eng := lessons.NewEngine(f.course, db, lessons.EngineOptions{Now: func() time.Time { return f.now }, Log: quietLogs})
	f.h, err = NewHandler(eng, Options{
		Store: db, Course: func() *course.Course { return f.course }, Admins: []string{admin.Key(), slackAdmin.Key(), discordAdmin.Key()},
		DefaultTimezone: "Europe/Berlin", Digest: true, ShareAnswers: share,
		Nudges: scheduler.NudgeOptions{Lesson: "4-4", After: 72 * time.Hour},
		Now:    func() time.Time { return f.now }, Log: quietLogs, Wake: func() { f.woken++ },
		Rand:     bytes.NewReader(bytes.Repeat([]byte("0123456789abcdefghij"), 100)),
		DMs:      map[string]bot.Sender{"test": f.dms},
		Channels: map[string]ChannelAccess{"test": f.rooms},
	})
	if err != nil {
		t.Fatal(err)
	}
	f.must(t, admin, "cohort", "create alpha test:C1")
	f.must(t, admin, "cohort", "create beta")
	f.must(t, admin, "cohort", "lead alpha test:lead-a")
	f.must(t, admin, "cohort", "lead beta test:lead-b")
	f.enrol(t, admin, "alpha", learner("learner"))
	f.must(t, leadA, "cohort", "remind alpha every monday 09:00 | Standup at 10")
	return f
}

func (f *fixture) do(t *testing.T, who coursebot.Learner, cmd, args string) string {
	t.Helper()
	rs, err := f.h.Handle(context.Background(), bot.Message{Learner: who, Kind: bot.KindCommand, Command: cmd, Args: args})
	if err != nil {
		t.Fatalf("/%s %s: %v", cmd, args, err)
	}
	return text(rs)
}

func (f *fixture) must(t *testing.T, who coursebot.Learner, cmd, args string) string {
	t.Helper()
	out := f.do(t, who, cmd, args)
	if refused(out) {
		t.Fatalf("/%s %s by %s refused: %s", cmd, args, who.Key(), out)
	}
	return out
}

func text(rs []bot.Reply) string {
	var b strings.Builder
	for _, r := range rs {
		b.WriteString(r.Title + "\n" + r.Context + "\n")
		for _, bl := range r.Blocks {
			b.WriteString(bl.Text + "\n")
		}
	}
	return b.String()
}

func refused(out string) bool {
	return strings.Contains(out, "Only ") && strings.Contains(out, "Nothing was changed") ||
		strings.Contains(out, "Teaching notes are for")
}

// snapshot is everything the cohort commands can change.
func (f *fixture) snapshot(t *testing.T) string {
	t.Helper()
	ctx := context.Background()
	cs, err := f.db.Cohorts(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var ms [][]coursebot.Member
	for _, c := range cs {
		m, _ := f.db.Members(ctx, c.Name)
		ms = append(ms, m)
	}
	ss, _ := f.db.Schedules(ctx)
	b, _ := json.Marshal([]any{cs, ms, ss})
	return string(b)
}

// TestAuthorization: every cohort command by a learner, the lead of another
// cohort, the cohort's lead and an admin: allowed or refused with nothing
// changed.
func TestAuthorization(t *testing.T) {
	t.Parallel()
	type who int
	const (
		L who = 1 << iota // learner (member of alpha)
		O                 // lead of another cohort (beta)
		A                 // lead of alpha
		D                 // admin
	)
	actors := map[who]coursebot.Learner{L: member, O: leadB, A: leadA, D: admin}
	tests := []struct {
		cmd, args string
		allowed   who
	}{
		{"cohort", "create gamma", D},
		{"cohort", "lead alpha test:someone", D},
		{"cohort", "channel alpha test:C9", A | D},
		{"cohort", "join alpha test:newbie", A | D},
		{"cohort", "leave alpha test:learner", A | D},
		{"cohort", "members alpha", A | D},
		{"cohort", "progress alpha", A | D},
		{"cohort", "progress alpha csv", A | D},
		{"cohort", "remind alpha weekdays 17:30 | Office hours", A | D},
		{"cohort", "reminders alpha", A | D},
		{"cohort", "cancel alpha r1", A | D},
		{"cohort", "answers alpha 4-4", A | D},
		{"cohort", "answers alpha 4-4 2", A | D},
		{"cohort", "insights alpha", A | D},
		{"cohort", "insights alpha 4-4", A | D},
		{"lead-notes", "4-4", O | A | D},
	}
	for _, tt := range tests {
		for _, w := range []who{L, O, A, D} {
			actor := actors[w]
			t.Run(tt.cmd+" "+tt.args+"/"+actor.UserID, func(t *testing.T) {
				t.Parallel()
				f := newFixture(t, true)
				before := f.snapshot(t)
				out := f.do(t, actor, tt.cmd, tt.args)
				if tt.allowed&w == 0 {
					if !refused(out) {
						t.Fatalf("not refused:\n%s", out)
					}
					if after := f.snapshot(t); after != before {
						t.Errorf("a refused command changed the store:\nbefore %s\nafter  %s", before, after)
					}
					return
				}
				if refused(out) {
					t.Fatalf("refused:\n%s", out)
				}
			})
		}
	}
}

func TestJoinLeaveAndRemind(t *testing.T) {
	t.Parallel()
	f := newFixture(t, false)
	ctx := context.Background()
	c, _, _ := f.db.Cohort(ctx, "beta")
	out := f.must(t, stranger, "cohort", "join "+strings.ToUpper(c.Code))
	if !strings.Contains(out, "Welcome to cohort beta") {
		t.Errorf("join by code: %s", out)
	}
	if out := f.do(t, stranger, "cohort", "join "+c.Code); !strings.Contains(out, "already in cohort beta") {
		t.Errorf("second join: %s", out)
	}
	if out := f.do(t, stranger, "cohort", "join nosuchcode"); !strings.Contains(out, "No cohort has the code") {
		t.Errorf("bad code: %s", out)
	}
	if cs, _ := f.db.LearnerCohorts(ctx, stranger.Key()); len(cs) != 1 || cs[0] != "beta" {
		t.Errorf("stranger's cohorts %v, want [beta]", cs)
	}
	f.must(t, stranger, "cohort", "leave beta")
	if cs, _ := f.db.LearnerCohorts(ctx, stranger.Key()); len(cs) != 0 {
		t.Errorf("after leaving: %v", cs)
	}

	// The lead's schedule is answered with the next three times in the
	// cohort's zone (alpha: Europe/Berlin by default).
	woken := f.woken
	out = f.must(t, leadA, "cohort", "remind alpha every monday 09:00 no-digest | Bring questions")
	for _, w := range []string{"Mon 30 Nov 2026 09:00 CET", "Mon 7 Dec 2026 09:00 CET", "Mon 14 Dec 2026 09:00 CET", "test:C1"} {
		if !strings.Contains(out, w) {
			t.Errorf("remind answer lacks %q:\n%s", w, out)
		}
	}
	if f.woken != woken+1 {
		t.Errorf("the scheduler was not woken")
	}
	ss, _ := f.db.Schedules(ctx)
	last := ss[len(ss)-1]
	if last.Cohort != "alpha" || last.Timezone != "Europe/Berlin" || last.Digest || last.Text != "Bring questions" {
		t.Errorf("stored schedule %+v", last)
	}
	out = f.must(t, leadA, "cohort", "remind alpha every 2 weeks friday 12:00 Asia/Kolkata | Demo day")
	if !strings.Contains(out, "Fri 27 Nov 2026 12:00 IST") || !strings.Contains(out, "Fri 11 Dec 2026 12:00 IST") {
		t.Errorf("two-weekly in Kolkata:\n%s", out)
	}
	out = f.must(t, leadA, "cohort", "reminders alpha")
	for _, w := range []string{"r1", "r2", "r3", "Demo day"} {
		if !strings.Contains(out, w) {
			t.Errorf("reminders list lacks %q:\n%s", w, out)
		}
	}
	f.must(t, leadA, "cohort", "cancel alpha r2")
	if _, ok, _ := f.db.Schedule(ctx, "r2"); ok {
		t.Errorf("r2 still there after cancel")
	}
	if out := f.do(t, leadA, "cohort", "cancel beta r1"); !refused(out) {
		t.Errorf("lead of alpha cancelled in beta: %s", out)
	}
}

// TestBadScheduleInput: every mistake gets an explanation and nothing is
// stored (CRON_TZ=UTC would panic inside robfig/cron unchecked).
func TestBadScheduleInput(t *testing.T) {
	t.Parallel()
	for _, in := range []string{
		"remind alpha CRON_TZ=UTC | hi",
		"remind alpha every funday 09:00 | hi",
		"remind alpha every monday 09:00 Mars/Base | hi",
		"remind alpha 0 9 * * | hi",
		"remind alpha * * * * * | every minute",
		"remind alpha every monday 09:00",
		"remind alpha | text only",
		"remind nosuch every monday 09:00 | hi",
	} {
		t.Run(in, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t, false)
			before := f.snapshot(t)
			out := f.do(t, leadA, "cohort", in)
			if !strings.Contains(out, "Nothing was scheduled") && !strings.Contains(out, "Usage") && !strings.Contains(out, "There is no cohort") {
				t.Errorf("no explanation:\n%s", out)
			}
			if f.snapshot(t) != before {
				t.Errorf("bad input changed the store")
			}
		})
	}
}

func TestProgressTableAndDigest(t *testing.T) {
	t.Parallel()
	f := newFixture(t, false)
	ctx := context.Background()
	les := f.course.Lessons["4-4"]
	put := func(who string, fn func(*coursebot.Progress)) {
		if _, _, err := f.db.UpdateProgress(ctx, who, "4-4", func(r *coursebot.LearnerRecord, p *coursebot.Progress) error {
			fn(p)
			r.LastSeen = p.Updated
			return nil
		}); err != nil {
			t.Fatal(err)
		}
	}
	f.enrol(t, leadA, "alpha", learner("bob"))
	f.enrol(t, leadA, "alpha", learner("carol"))
	var checklistItem string
	for _, c := range les.Cards {
		for _, b := range c.Blocks {
			if b.Kind == course.Checklist && checklistItem == "" {
				checklistItem = b.Items[0].ID
			}
		}
	}
	old := t0.Add(-100 * time.Hour)
	put("test:learner", func(p *coursebot.Progress) {
		p.Card, p.CardIndex, p.Started, p.Updated = les.Cards[10].Key, 10, old, old
		p.Checks = map[string]bool{checklistItem: true}
		p.Answers = map[string]coursebot.Answer{"q": {Text: "MY SECRET ANSWER"}}
	})
	put("test:bob", func(p *coursebot.Progress) {
		p.Card, p.CardIndex, p.Started, p.Updated, p.Completed = les.Cards[len(les.Cards)-1].Key, len(les.Cards)-1, old, t0.Add(-time.Hour), t0.Add(-time.Hour)
	})
	f.now = t0.Add(8 * 24 * time.Hour)
	out := f.must(t, leadA, "cohort", "progress alpha")
	for _, w := range []string{"\nlearner ", "step ", "1/", "\nbob ", "completed", "\ncarol ", "not started", "stalled in 4.4", "not started, joined 8 days ago", "answers private"} {
		if !strings.Contains(out, w) {
			t.Errorf("progress lacks %q:\n%s", w, out)
		}
	}
	if strings.Contains(out, "MY SECRET ANSWER") {
		t.Errorf("answers shown to the lead without share_answers_with_leads")
	}
	if out := f.do(t, leadA, "cohort", "answers alpha 4-4"); !strings.Contains(out, "private") {
		t.Errorf("answers without sharing: %s", out)
	}
	tab, err := f.h.Progress(ctx, "alpha")
	if err != nil {
		t.Fatal(err)
	}
	var csvOut bytes.Buffer
	if err := tab.WriteCSV(&csvOut); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(csvOut.String()), "\n")
	if len(lines) != 4 || !strings.HasPrefix(lines[0], "name,learner,joined,last_active,lesson_4-4,checklist_ticked") {
		t.Errorf("csv:\n%s", csvOut.String())
	}
	if strings.Contains(csvOut.String(), "MY SECRET ANSWER") {
		t.Errorf("answers in the CSV")
	}
	// /cohort progress alpha csv: the same bytes as a file on the reply,
	// with a short message that names it.
	rs, err := f.h.Handle(ctx, bot.Message{Learner: leadA, Kind: bot.KindCommand, Command: "cohort", Args: "progress alpha csv"})
	if err != nil {
		t.Fatal(err)
	}
	if len(rs) != 1 || rs[0].File == nil {
		t.Fatalf("csv reply carries no file: %+v", rs)
	}
	if rs[0].File.Name != "progress-alpha.csv" || !bytes.Equal(rs[0].File.Data, csvOut.Bytes()) {
		t.Errorf("csv file %q = %q, want progress-alpha.csv = %q", rs[0].File.Name, rs[0].File.Data, csvOut.Bytes())
	}
	if msg := text(rs); !strings.Contains(msg, "progress-alpha.csv") || strings.Contains(msg, "test:bob") || !rs[0].Ephemeral {
		t.Errorf("csv reply message should be short, ephemeral and name the file:\n%s", msg)
	}
	d, err := f.h.Digest(ctx, "alpha", t0.Add(2*24*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(d, "bob finished") || !strings.Contains(d, "Not started yet: carol") {
		t.Errorf("digest:\n%s", d)
	}
}

func TestNudgeButtonsAndPassThrough(t *testing.T) {
	t.Parallel()
	f := newFixture(t, false)
	ctx := context.Background()
	act := func(a string) string {
		rs, err := f.h.Handle(ctx, bot.Message{Learner: member, Kind: bot.KindAction, Action: a})
		if err != nil {
			t.Fatal(err)
		}
		return text(rs)
	}
	if out := act(bot.Action{Verb: bot.VerbSnooze, Lesson: "4-4", Value: "24"}.Encode()); !strings.Contains(out, "Snoozed") {
		t.Errorf("snooze: %s", out)
	}
	st, _ := f.db.NudgeState(ctx, member.Key())
	if !st.SnoozeUntil.Equal(t0.Add(24 * time.Hour)) {
		t.Errorf("snoozed until %v", st.SnoozeUntil)
	}
	act(bot.Action{Verb: scheduler.VerbNudges, Value: "off"}.Encode())
	if st, _ := f.db.NudgeState(ctx, member.Key()); !st.OptOut {
		t.Errorf("stop button did not opt out")
	}
	f.must(t, member, "nudges", "on")
	if st, _ := f.db.NudgeState(ctx, member.Key()); st.OptOut {
		t.Errorf("/nudges on did not opt in")
	}
	if out := f.do(t, member, "nudges", "maybe"); !strings.Contains(out, "Usage") {
		t.Errorf("/nudges maybe: %s", out)
	}
	// The lesson engine still gets everything else: Resume on a nudge is
	// the engine's open action.
	out := f.must(t, member, "start-4-4", "")
	if !strings.Contains(out, "Lesson 4.4") {
		t.Errorf("/start-4-4 through the handler: %s", out)
	}
	if out := act(bot.Action{Verb: bot.VerbOpen, Lesson: "4-4"}.Encode()); !strings.Contains(out, "Welcome back") {
		t.Errorf("Resume from a nudge: %s", out)
	}
	notes := f.must(t, leadB, "lead-notes", "4.4")
	if len(notes) < 200 {
		t.Errorf("lead notes too short: %q", notes)
	}
}
