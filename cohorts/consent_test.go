package cohorts

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/coursebot/coursebot"
	"github.com/coursebot/coursebot/bot"
)

// leadView is everything the lead of alpha can see of the cohort: members,
// progress, CSV, answers and the digest.
func (f *fixture) leadView(t *testing.T, lead coursebot.Learner) string {
	t.Helper()
	ctx := context.Background()
	var b strings.Builder
	for _, args := range []string{"members alpha", "progress alpha", "answers alpha 4-4"} {
		b.WriteString(f.do(t, lead, "cohort", args))
	}
	rs, err := f.h.Handle(ctx, bot.Message{Learner: lead, Kind: bot.KindCommand, Command: "cohort", Args: "progress alpha csv"})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range rs {
		if r.File != nil {
			b.Write(r.File.Data)
		}
	}
	d, err := f.h.Digest(ctx, "alpha", f.now)
	if err != nil {
		t.Fatal(err)
	}
	return b.String() + d
}

func (f *fixture) press(t *testing.T, who coursebot.Learner, action string) string {
	t.Helper()
	rs, err := f.h.Handle(context.Background(), bot.Message{Learner: who, Kind: bot.KindAction, Action: action})
	if err != nil {
		t.Fatal(err)
	}
	return text(rs)
}

func (f *fixture) answer(t *testing.T, who, secret string) {
	t.Helper()
	les := f.course.Lessons["4-4"]
	var qid string
	for _, c := range les.Cards {
		if q := c.Question(); q != nil {
			qid = q.ID
			break
		}
	}
	if _, _, err := f.db.UpdateProgress(context.Background(), who, "4-4", func(r *coursebot.LearnerRecord, p *coursebot.Progress) error {
		p.Card, p.Started, p.Updated = les.Cards[1].Key, f.now, f.now
		p.Answers = map[string]coursebot.Answer{qid: {Text: secret, At: f.now}}
		r.LastSeen = f.now
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	f.tutored(t, who, qid, secret)
}

// TestLeadAddingSomeoneIsAnInvitation: /cohort join alpha test:bob by a
// lead used to make bob a member at once, and bob's answers readable.
// Now it is an invitation bob accepts or declines, told first what the
// lead will see; until then, and after he leaves, the lead sees nothing.
func TestLeadAddingSomeoneIsAnInvitation(t *testing.T) {
	t.Parallel()
	f := newFixture(t, true)
	bob := learner("bob")
	f.answer(t, bob.Key(), "BOB'S OWN WORDS")
	beta, _, _ := f.db.Cohort(context.Background(), "beta")
	f.must(t, bob, "cohort", "join "+beta.Code) // bob is in another cohort

	out := f.must(t, leadA, "cohort", "join alpha test:bob")
	if !strings.Contains(out, "Invited test:bob") || !strings.Contains(out, "direct message") {
		t.Errorf("the lead is not told it is an invitation:\n%s", out)
	}
	dm := f.dms.sent[bob.Key()]
	if len(dm) != 1 {
		t.Fatalf("bob got %d direct messages, want the invitation", len(dm))
	}
	card := text(dm)
	for _, w := range []string{"Invitation to cohort alpha", "test:lead-a invites you", "your progress", "read your answers", "Nothing is shared until you accept", "/cohort accept alpha", "/cohort decline alpha",
		// the cohort's figures, named before anything counts
		"/cohort insights and the leads' weekly summary", "how long each step took you, the quiz options you chose, where you pressed I'm stuck, which checklist items you ticked and your self-assessment ratings",
		"never by name and only where at least 3 are counted", "when you have not moved for a week", "how many answered each question and reached its key points"} {
		if !strings.Contains(card, w) {
			t.Errorf("the invitation lacks %q:\n%s", w, card)
		}
	}
	var accept, decline string
	for _, b := range dm[0].Buttons {
		switch b.Label {
		case "Accept":
			accept = b.Action
		case "Decline":
			decline = b.Action
		}
	}
	if accept == "" || decline == "" {
		t.Fatalf("the invitation has no Accept and Decline buttons: %+v", dm[0].Buttons)
	}
	if v := f.leadView(t, leadA); strings.Contains(v, "bob") || strings.Contains(v, "BOB'S OWN WORDS") {
		t.Errorf("the lead sees an invited learner before they accepted:\n%s", v)
	}
	if out := f.do(t, bob, "cohort", ""); !strings.Contains(out, "Invitations waiting for you") || !strings.Contains(out, "alpha, from test:lead-a") {
		t.Errorf("/cohort does not show bob his invitation:\n%s", out)
	}
	if out := f.do(t, leadA, "cohort", "join alpha test:bob"); !strings.Contains(out, "not accepted yet") {
		t.Errorf("second invitation: %s", out)
	}

	// Someone else pressing bob's Accept accepts nothing for bob.
	if out := f.press(t, stranger, accept); !strings.Contains(out, "no invitation") {
		t.Errorf("a stranger's Accept: %s", out)
	}
	if out := f.press(t, bob, decline); !strings.Contains(out, "Declined") {
		t.Errorf("Decline: %s", out)
	}
	if v := f.leadView(t, leadA); strings.Contains(v, "bob") {
		t.Errorf("the lead sees a learner who declined:\n%s", v)
	}
	if out := f.press(t, bob, accept); !strings.Contains(out, "no invitation") {
		t.Errorf("Accept after Decline: %s", out)
	}

	f.must(t, leadA, "cohort", "join alpha test:bob")
	out = f.press(t, bob, f.dms.sent[bob.Key()][1].Buttons[0].Action)
	if !strings.Contains(out, "Welcome to cohort alpha") || !strings.Contains(out, "read your answers") {
		t.Errorf("Accept: %s", out)
	}
	if v := f.leadView(t, leadA); !strings.Contains(v, "test:bob") || !strings.Contains(v, "BOB'S OWN WORDS") {
		t.Errorf("after accepting (answers shared), the lead does not see bob:\n%s", v)
	}
	if v := f.leadView(t, leadB); strings.Contains(v, "bob") {
		t.Errorf("the lead of beta sees alpha:\n%s", v)
	}

	out = f.must(t, bob, "cohort", "leave alpha")
	if !strings.Contains(out, "no longer see") {
		t.Errorf("leave: %s", out)
	}
	if v := f.leadView(t, leadA); strings.Contains(v, "bob") {
		t.Errorf("the lead still sees bob after he left:\n%s", v)
	}
}

// TestInvitationByCommand: /cohort accept and decline work where there are
// no buttons; with one invitation the name may be left out.
func TestInvitationByCommand(t *testing.T) {
	t.Parallel()
	f := newFixture(t, false)
	bob := learner("bob")
	f.must(t, leadA, "cohort", "join alpha test:bob")
	f.must(t, leadB, "cohort", "join beta test:bob")
	if out := f.do(t, bob, "cohort", "accept"); !strings.Contains(out, "alpha, beta") {
		t.Errorf("accept with two invitations: %s", out)
	}
	if out := f.do(t, bob, "cohort", "decline beta"); !strings.Contains(out, "Declined") {
		t.Errorf("decline beta: %s", out)
	}
	out := f.do(t, bob, "cohort", "accept")
	if !strings.Contains(out, "Welcome to cohort alpha") || !strings.Contains(out, "never see the text of your answers") {
		t.Errorf("accept: %s", out)
	}
	if out := f.do(t, bob, "cohort", "accept alpha"); !strings.Contains(out, "already in cohort alpha") {
		t.Errorf("accept twice: %s", out)
	}
	// A lead withdrawing an invitation.
	f.must(t, leadB, "cohort", "join beta test:bob")
	if out := f.must(t, leadB, "cohort", "leave beta test:bob"); !strings.Contains(out, "Withdrew") {
		t.Errorf("withdraw: %s", out)
	}
	if out := f.do(t, bob, "cohort", "accept beta"); !strings.Contains(out, "no invitation") {
		t.Errorf("accept a withdrawn invitation: %s", out)
	}
	// No way to message them: the invitation stands, the lead is told.
	f.dms.fail = errors.New("dm closed")
	if out := f.must(t, leadB, "cohort", "join beta test:carol"); !strings.Contains(out, "could not send them a direct message") || !strings.Contains(out, "/cohort accept beta") {
		t.Errorf("invite without a DM: %s", out)
	}
}

// TestSelfJoinTellsWhatLeadsSee: joining with the code joins at once (the
// learner typed it) and says what the leads see; answers are shared only
// for members who were told so.
func TestSelfJoinTellsWhatLeadsSee(t *testing.T) {
	t.Parallel()
	f := newFixture(t, false)
	bob := learner("bob")
	f.answer(t, bob.Key(), "BOB'S OWN WORDS")
	alpha, _, _ := f.db.Cohort(context.Background(), "alpha")
	out := f.must(t, bob, "cohort", "join "+alpha.Code)
	for _, w := range []string{"Welcome to cohort alpha", "test:lead-a", "see your progress", "never see the text of your answers", "leave alpha"} {
		if !strings.Contains(out, w) {
			t.Errorf("join by code lacks %q:\n%s", w, out)
		}
	}
	// The course starts sharing answers later: bob agreed to progress only.
	f.h.o.ShareAnswers = true
	if out := f.must(t, leadA, "cohort", "answers alpha 4-4"); strings.Contains(out, "BOB'S OWN WORDS") {
		t.Errorf("answers of a member who was told they were private:\n%s", out)
	}
	carol := learner("carol")
	f.answer(t, carol.Key(), "CAROL'S WORDS")
	if out := f.must(t, carol, "cohort", "join "+alpha.Code); !strings.Contains(out, "read your answers") {
		t.Errorf("join with shared answers: %s", out)
	}
	if out := f.must(t, leadA, "cohort", "answers alpha 4-4"); !strings.Contains(out, "CAROL'S WORDS") {
		t.Errorf("answers of a member who agreed:\n%s", out)
	}
}
