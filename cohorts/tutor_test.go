package cohorts

import (
	"context"
	"strings"
	"testing"

	"github.com/coursebot/coursebot"
)

// Markers of what the AI tutor keeps about who (tutored): the tutor's reply
// to their answer, their reply to the tutor, and the exchanges that are not
// about an answer (a /help question, "I'm stuck" on the capstone).
func tutorSaid(who string) string      { return "THE TUTOR TO " + who }
func learnerReplied(who string) string { return "AND " + who + " REPLIED" }
func helpAsked(who string) string      { return "HELP ASKED BY " + who }
func stuckSaid(who string) string      { return "STUCK SAID BY " + who }

// tutored writes, as the tutor does, who's exchanges: one about their
// answer (answer) to question qid of Lesson 4.4 (the tutor's reply, their
// reply, a fallback turn with the course's text), a /help question and an
// "I'm stuck" conversation.
func (f *fixture) tutored(t *testing.T, who, qid, answer string) {
	t.Helper()
	at := f.now
	turn := func(role, text string) coursebot.TutorTurn {
		return coursebot.TutorTurn{Role: role, Text: text, At: at}
	}
	if _, err := f.db.UpdateTutor(context.Background(), who, func(r *coursebot.TutorRecord) error {
		r.Exchanges = append(r.Exchanges,
			coursebot.TutorExchange{Kind: coursebot.TutorHelp, Turns: []coursebot.TutorTurn{turn(coursebot.RoleLearner, helpAsked(who)), turn(coursebot.RoleTutor, "help reply")}},
			coursebot.TutorExchange{Kind: coursebot.TutorAnswer, Lesson: "4-4", Question: qid, Turns: []coursebot.TutorTurn{
				turn(coursebot.RoleLearner, answer), turn(coursebot.RoleTutor, tutorSaid(who)), turn(coursebot.RoleLearner, learnerReplied(who)),
				{Role: coursebot.RoleTutor, Text: "", At: at, Fallback: "timeout"}, // a question without a follow-up
				turn(coursebot.RoleLearner, "and again"), {Role: coursebot.RoleTutor, Text: "THE COURSE'S FOLLOW-UP", At: at, Fallback: "server_error"},
			}},
			coursebot.TutorExchange{Kind: coursebot.TutorStuck, Lesson: "4-4", Card: "c9", Turns: []coursebot.TutorTurn{turn(coursebot.RoleLearner, stuckSaid(who)), turn(coursebot.RoleTutor, "a hint")}},
		)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
}

// TestLeadSeesTheTutorExchangeWithTheAnswer: where a lead reads a member's
// answer, the conversation the tutor had about it follows it, in order;
// the member's /help questions and capstone "I'm stuck" conversations are
// not answers and never shown.
func TestLeadSeesTheTutorExchangeWithTheAnswer(t *testing.T) {
	t.Parallel()
	f := newFixture(t, true)
	f.answer(t, member.Key(), "THE MEMBER'S ANSWER")
	out := f.must(t, leadA, "cohort", "answers alpha 4-4")
	a := strings.Index(out, "THE MEMBER'S ANSWER")
	tu := strings.Index(out, "_Tutor:_ "+tutorSaid(member.Key()))
	// The member is named as the platform last named them (no name
	// here: their id), with their key beside it.
	head := strings.Index(out, "*"+member.UserID+"* ("+member.Key()+")")
	re := strings.Index(out, "_"+member.UserID+":_ "+learnerReplied(member.Key()))
	if head < 0 {
		t.Errorf("no header naming the member:\n%s", out)
	}
	if a < 0 || tu < a || re < tu {
		t.Fatalf("want the answer, then the tutor's reply, then the member's reply:\n%s", out)
	}
	if strings.Count(out, "THE MEMBER'S ANSWER") != 1 {
		t.Errorf("the answer is shown again as the exchange's first turn:\n%s", out)
	}
	if !strings.Contains(out, "_Course (tutor unavailable):_ THE COURSE'S FOLLOW-UP") || strings.Contains(out, "_Course (tutor unavailable):_ \n") {
		t.Errorf("a fallback turn shows the course's text as the learner got it, and one without text not at all:\n%s", out)
	}
	for _, never := range []string{helpAsked(member.Key()), stuckSaid(member.Key()), "help reply", "a hint"} {
		if strings.Contains(out, never) {
			t.Errorf("the lead sees %q, which is not about an answer:\n%s", never, out)
		}
	}
	// A new answer (the tutor off, say) is not the one the tutor talked
	// about: its exchange is not shown with it.
	f.answer(t, member.Key(), "A NEWER ANSWER")
	if _, err := f.db.UpdateTutor(context.Background(), member.Key(), func(r *coursebot.TutorRecord) error {
		r.Exchanges = r.Exchanges[:3] // the second tutored() call's exchanges go
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if out := f.must(t, leadA, "cohort", "answers alpha 4-4"); !strings.Contains(out, "A NEWER ANSWER") || strings.Contains(out, tutorSaid(member.Key())) {
		t.Errorf("the exchange about the old answer is shown with the new one:\n%s", out)
	}
}

// TestTutorExchangesStayWhereAnswersArePrivate: a course that does not
// share answers shows its leads and admins none of a member's tutor
// exchanges, in any view; one that shares them, nowhere but
// /cohort answers.
func TestTutorExchangesStayWhereAnswersArePrivate(t *testing.T) {
	t.Parallel()
	for _, share := range []bool{false, true} {
		f := newFixture(t, share)
		f.answer(t, member.Key(), "THE MEMBER'S ANSWER")
		for _, viewer := range []coursebot.Learner{leadA, admin} {
			views := f.views(t, viewer)
			d, err := f.h.Digest(context.Background(), "alpha", f.now)
			if err != nil {
				t.Fatal(err)
			}
			views["digest"] = d
			for what, got := range views {
				if share && what == answersRow {
					continue
				}
				for _, never := range []string{tutorSaid(member.Key()), learnerReplied(member.Key())} {
					if strings.Contains(got, never) {
						t.Errorf("share=%v: %s's %s shows %q:\n%s", share, viewer.Key(), what, never, got)
					}
				}
			}
		}
	}
}

// TestAnswersNameTheMemberAsThePlatformDoes: a lead reading answers sees
// the member's display name (escaped: a name is text, not markup) with
// their key beside it, and the same name on their replies to the tutor.
func TestAnswersNameTheMemberAsThePlatformDoes(t *testing.T) {
	t.Parallel()
	f := newFixture(t, true)
	f.answer(t, member.Key(), "THE MEMBER'S ANSWER")
	if _, _, err := f.db.UpdateProgress(context.Background(), member.Key(), "4-4", func(r *coursebot.LearnerRecord, _ *coursebot.Progress) error {
		r.Name = "Ada *the* Lovelace"
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	out := f.must(t, leadA, "cohort", "answers alpha 4-4")
	if !strings.Contains(out, `*Ada \*the\* Lovelace* (test:learner)`) {
		t.Errorf("no header with the member's escaped name and key:\n%s", out)
	}
	if !strings.Contains(out, `_Ada \*the\* Lovelace:_ `+learnerReplied(member.Key())) {
		t.Errorf("the member's replies to the tutor are not labelled with their name:\n%s", out)
	}
}
