package coursebot_test

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/coursebot/coursebot"
)

var mt0 = time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)

func at(h int) time.Time { return mt0.Add(time.Duration(h) * time.Hour) }

// slackHistory and discordHistory are one learner's two records of Lesson
// 4.4, kept on two platforms before they were linked: each answered,
// ticked, rated and took quizzes the other did not, and some of the same.
func slackHistory() coursebot.Progress {
	return coursebot.Progress{
		Lesson: "4-4", Card: "architecture-review", CardIndex: 5, Started: at(0), Updated: at(3),
		Answers: map[string]coursebot.Answer{
			"q-opener": {Text: "Shipping models reliably.", At: at(1)},
			"q-arch":   {Text: "Slack's take on the diagram.", At: at(2)},
		},
		Skipped: map[string]bool{"q-checklist": true},
		Checks:  map[string]bool{"c-data": true, "c-train": true},
		Ratings: map[string]int{"r-design": 2, "r-data": 4},
		Quiz: map[string]coursebot.QuizResult{
			"z-dvc": {First: "A", Correct: false, At: at(1), Tries: 1, Last: "A", LastAt: at(1), Anchor: at(1)},
		},
		Reached: map[string]time.Time{"opening": at(0), "architecture-review": at(2)},
		Repo:    &coursebot.RepoCheck{URL: "https://github.com/a/spam", Checked: at(2), Found: []string{"c-data"}, Ticked: map[string]bool{"c-data": true}},
	}
}

func discordHistory() coursebot.Progress {
	return coursebot.Progress{
		Lesson: "4-4", Card: "requirements-checklist", CardIndex: 9, Started: at(4), Updated: at(6),
		Answers: map[string]coursebot.Answer{
			"q-arch":      {Text: "Discord's take on the diagram.", At: at(5)},
			"q-checklist": {Text: "Add a model card.", At: at(6)},
		},
		Checks:  map[string]bool{"c-train": true, "c-ci": true},
		Ratings: map[string]int{"r-data": 5, "r-deploy": 3},
		Quiz: map[string]coursebot.QuizResult{
			"z-dvc":  {First: "B", Correct: true, At: at(5), Tries: 1, Last: "B", LastCorrect: true, LastAt: at(5)},
			"z-yaml": {First: "dvc.yaml", Correct: true, At: at(5), Tries: 1, Last: "dvc.yaml", LastCorrect: true, LastAt: at(5)},
		},
		Background: "Data Science",
		Reached:    map[string]time.Time{"opening": at(4), "requirements-checklist": at(6)},
	}
}

func TestMergeProgress(t *testing.T) {
	t.Parallel()
	completedEarly := discordHistory()
	completedEarly.Completed, completedEarly.Card, completedEarly.CardIndex = at(7), "closing", 40
	completedLate := slackHistory()
	completedLate.Completed, completedLate.Card, completedLate.CardIndex = at(9), "closing", 40
	tests := []struct {
		name  string
		a, b  coursebot.Progress
		check func(t *testing.T, m coursebot.Progress)
	}{
		{"the further position wins", slackHistory(), discordHistory(), func(t *testing.T, m coursebot.Progress) {
			if m.Card != "requirements-checklist" || m.CardIndex != 9 || !m.Completed.IsZero() {
				t.Errorf("position %s/%d completed %v, want requirements-checklist/9", m.Card, m.CardIndex, m.Completed)
			}
			if !m.Started.Equal(at(0)) || !m.Updated.Equal(at(6)) {
				t.Errorf("started %v updated %v, want the earlier start and the later update", m.Started, m.Updated)
			}
		}},
		{"every answer is kept", slackHistory(), discordHistory(), func(t *testing.T, m coursebot.Progress) {
			want := map[string]string{"q-opener": "Shipping models reliably.", "q-arch": "Discord's take on the diagram.", "q-checklist": "Add a model card."}
			for q, text := range want {
				if m.Answers[q].Text != text {
					t.Errorf("answer to %s = %q, want %q", q, m.Answers[q].Text, text)
				}
			}
			if r := m.Replaced["q-arch"]; len(r) != 1 || r[0].Text != "Slack's take on the diagram." {
				t.Errorf("the replaced answer = %+v, want Slack's", r)
			}
			if m.Skipped["q-checklist"] {
				t.Error("a question answered on one account is still skipped")
			}
		}},
		{"every tick is kept", slackHistory(), discordHistory(), func(t *testing.T, m coursebot.Progress) {
			for _, id := range []string{"c-data", "c-train", "c-ci"} {
				if !m.Checks[id] {
					t.Errorf("%s not ticked", id)
				}
			}
			if len(m.Checks) != 3 {
				t.Errorf("checks %v", m.Checks)
			}
		}},
		{"every rating is kept, the later record's on the same item", slackHistory(), discordHistory(), func(t *testing.T, m coursebot.Progress) {
			if m.Ratings["r-design"] != 2 || m.Ratings["r-data"] != 5 || m.Ratings["r-deploy"] != 3 || len(m.Ratings) != 3 {
				t.Errorf("ratings %v, want r-design 2, r-data 5 (the later), r-deploy 3", m.Ratings)
			}
		}},
		{"quiz scores stay the first attempt's, attempts add up", slackHistory(), discordHistory(), func(t *testing.T, m coursebot.Progress) {
			dvc := m.Quiz["z-dvc"]
			if dvc.First != "A" || dvc.Correct || !dvc.At.Equal(at(1)) || dvc.Tries != 2 || dvc.Last != "B" || !dvc.LastCorrect {
				t.Errorf("z-dvc %+v: want the first attempt A (wrong), 2 tries, the last B (right)", dvc)
			}
			if y := m.Quiz["z-yaml"]; !y.Correct || y.Tries != 1 {
				t.Errorf("z-yaml %+v", y)
			}
		}},
		{"reached cards at the earlier time, background and repository kept", slackHistory(), discordHistory(), func(t *testing.T, m coursebot.Progress) {
			if !m.Reached["opening"].Equal(at(0)) || !m.Reached["requirements-checklist"].Equal(at(6)) || len(m.Reached) != 3 {
				t.Errorf("reached %v", m.Reached)
			}
			if m.Background != "Data Science" {
				t.Errorf("background %q", m.Background)
			}
			if m.Repo == nil || m.Repo.URL != "https://github.com/a/spam" || !m.Repo.Ticked["c-data"] {
				t.Errorf("repo %+v", m.Repo)
			}
		}},
		{"the order of the two does not matter", discordHistory(), slackHistory(), func(t *testing.T, m coursebot.Progress) {
			want := coursebot.MergeProgress(slackHistory(), discordHistory())
			if js(t, m) != js(t, want) {
				t.Errorf("merge(b, a) = %s\nmerge(a, b) = %s", js(t, m), js(t, want))
			}
		}},
		{"completed beats any card; two completions keep the first", completedLate, completedEarly, func(t *testing.T, m coursebot.Progress) {
			if !m.Completed.Equal(at(7)) || m.CardIndex != 40 {
				t.Errorf("completed %v at %d, want the earlier completion", m.Completed, m.CardIndex)
			}
		}},
		{"a started lesson beats one not started", coursebot.Progress{Lesson: "4-4"}, discordHistory(), func(t *testing.T, m coursebot.Progress) {
			if m.Card != "requirements-checklist" {
				t.Errorf("card %q", m.Card)
			}
		}},
		{"merging with nothing changes nothing", discordHistory(), coursebot.Progress{Lesson: "4-4"}, func(t *testing.T, m coursebot.Progress) {
			if js(t, m) != js(t, discordHistory()) {
				t.Errorf("merge with an empty record = %s\nwant %s", js(t, m), js(t, discordHistory()))
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.check(t, coursebot.MergeProgress(tt.a, tt.b))
		})
	}
}

func TestMergeOthers(t *testing.T) {
	t.Parallel()
	r := coursebot.MergeLearnerRecord(
		coursebot.LearnerRecord{Key: "slack:U1", Name: "Ada S", Active: "4-4", LastSeen: at(1), Via: "slack:U1"},
		coursebot.LearnerRecord{Key: "discord:9", Name: "ada", Active: "2-1", LastSeen: at(2), Via: "discord:9"})
	if r.Key != "slack:U1" || r.Name != "ada" || r.Active != "2-1" || !r.LastSeen.Equal(at(2)) || r.Via != "discord:9" {
		t.Errorf("learner record %+v", r)
	}
	tr := coursebot.MergeTutor(
		coursebot.TutorRecord{Day: "2026-12-01", Used: 3, Exchanges: []coursebot.TutorExchange{{Kind: "answer", Turns: []coursebot.TutorTurn{{At: at(2)}}}}},
		coursebot.TutorRecord{Day: "2026-12-01", Used: 2, Exchanges: []coursebot.TutorExchange{{Kind: "stuck", Turns: []coursebot.TutorTurn{{At: at(1)}}}}})
	if tr.Used != 5 || len(tr.Exchanges) != 2 || tr.Exchanges[0].Kind != "stuck" {
		t.Errorf("tutor %+v", tr)
	}
	n := coursebot.MergeNudgeState(coursebot.NudgeState{Learner: "slack:U1", Sent: map[string]int{"4-4": 1}},
		coursebot.NudgeState{OptOut: true, SnoozeUntil: at(5), Sent: map[string]int{"4-4": 2}})
	if !n.OptOut || !n.SnoozeUntil.Equal(at(5)) || n.Sent["4-4"] != 2 || n.Learner != "slack:U1" {
		t.Errorf("nudges %+v", n)
	}
	m := coursebot.MergeMember(coursebot.Member{Cohort: "spring", Pending: true, Invited: at(0)},
		coursebot.Member{Cohort: "spring", Joined: at(3), Answers: true, Figures: true})
	if m.Pending || !m.Joined.Equal(at(3)) || !m.Answers {
		t.Errorf("an invitation and a membership = %+v, want the membership", m)
	}
	m = coursebot.MergeMember(coursebot.Member{Cohort: "spring", Joined: at(3), Answers: true, Figures: true},
		coursebot.Member{Cohort: "spring", Joined: at(1), Answers: false, Figures: true})
	if !m.Joined.Equal(at(1)) || m.Answers || !m.Figures {
		t.Errorf("two memberships = %+v, want joined at the earlier, answers shared only if both agreed", m)
	}
}

func js(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
