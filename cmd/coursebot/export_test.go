package main

import (
	"context"
	"encoding/json"
	"path/filepath"
	"testing"

	"github.com/coursebot/coursebot"
	"github.com/coursebot/coursebot/bot"
	"github.com/coursebot/coursebot/course"
	"github.com/coursebot/coursebot/lessons"
	"github.com/coursebot/coursebot/store"
)

// TestExportAnswersAreReadable: the export names the lesson, the card and
// the question next to each answer, not only the opaque question id.
func TestExportAnswersAreReadable(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "coursebot.db")
	db, err := store.Open(path, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	c, err := course.LoadBuiltin()
	if err != nil {
		t.Fatal(err)
	}
	var qid string
	for _, card := range c.Lessons["4-4"].Cards {
		if q := card.Question(); q != nil {
			qid = q.ID
			break
		}
	}
	eng := lessons.NewEngine(c, db, lessons.EngineOptions{Log: discardLogger()})
	who := coursebot.Learner{Platform: "slack", UserID: "U1"}
	for _, m := range []bot.Message{
		{Learner: who, Kind: bot.KindCommand, Command: "start-4-4"},
		{Learner: who, Kind: bot.KindText, Lesson: "4-4", Question: qid, Text: "Shipping models reliably."},
	} {
		if _, err := eng.Handle(context.Background(), m); err != nil {
			t.Fatal(err)
		}
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	out, errs, code := runCmd(t, "", "export", "--db", path, "--user", "slack:U1")
	if code != exitOK {
		t.Fatalf("export: exit %d: %s", code, errs)
	}
	var got struct {
		AnswersReadable []map[string]any `json:"answers_readable"`
	}
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatal(err)
	}
	if len(got.AnswersReadable) != 1 {
		t.Fatalf("answers_readable: %v\n%s", got.AnswersReadable, out)
	}
	a := got.AnswersReadable[0]
	want := map[string]string{"lesson": "4-4", "lesson_title": "Lesson 4.4: Putting It All Together (Capstone)", "card": "Socratic Question",
		"question": "If you had to explain MLOps to a colleague in one sentence, what would you say?", "question_id": qid, "answer": "Shipping models reliably."}
	for k, v := range want {
		if a[k] != v {
			t.Errorf("%s = %v, want %q", k, a[k], v)
		}
	}
}
