package console

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/coursebot/coursebot"
	"github.com/coursebot/coursebot/insight/insighttest"
	"github.com/coursebot/coursebot/store"
)

// TestCohortInsightsInTheConsole: the lead of the simulated cohort of 30
// types /cohort insights spring in the console. It prints the figures the
// plans make and saves the picture, a PNG, with its alt text printed
// under the line that says where it went. With
// $COURSEBOT_INSIGHT_PICTURES set, the PNG the console saved is kept
// there.
func TestCohortInsightsInTheConsole(t *testing.T) {
	t.Parallel()
	db, err := store.Open(filepath.Join(t.TempDir(), "coursebot.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = db.Close() })
	c, ch := insighttest.Lead(t, db, "console", "console:lead")
	var out bytes.Buffer
	con := New(ch, coursebot.Learner{Platform: "console", UserID: "lead"}, &out, nil)
	con.FileDir = t.TempDir()
	if err := con.Line(context.Background(), "/cohort insights spring"); err != nil {
		t.Fatal(err)
	}
	text := out.String()
	c.CheckAnswer(t, text, nil)
	saved := filepath.Join(con.FileDir, "insights-spring.png")
	for _, want := range []string{"saved " + saved, "Bar charts. Lesson 1.1: 20 started"} {
		if !strings.Contains(text, want) {
			t.Errorf("the console lacks %q:\n%s", want, text)
		}
	}
	data, err := os.ReadFile(saved)
	if err != nil {
		t.Fatal(err)
	}
	// The alt text is printed under the line that says where it went.
	insighttest.CheckPicture(t, data, text[strings.Index(text, "saved "+saved):], "insights-spring-console.png")
}
