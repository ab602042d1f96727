package cohorts

import (
	"bytes"
	"context"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/coursebot/coursebot"
	"github.com/coursebot/coursebot/course"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the golden file (go test -update to accept):\ngot:\n%s\nwant:\n%s", name, got, want)
	}
}

// TestProgressGolden pins the lead's progress table and its CSV for a
// cohort with one learner in each state.
func TestProgressGolden(t *testing.T) {
	t.Parallel()
	f := newFixture(t, false)
	ctx := context.Background()
	les := f.course.Lessons["4-4"]
	f.enrol(t, leadA, "alpha", learner("bob"))
	f.enrol(t, leadA, "alpha", learner("carol"))
	var items []string
	for _, c := range les.Cards {
		for _, b := range c.Blocks {
			if b.Kind == course.Checklist {
				for _, it := range b.Items {
					items = append(items, it.ID)
				}
			}
		}
	}
	put := func(who string, fn func(*coursebot.Progress)) {
		if _, _, err := f.db.UpdateProgress(ctx, who, "4-4", func(r *coursebot.LearnerRecord, p *coursebot.Progress) error {
			fn(p)
			r.Name, r.LastSeen = who[5:], p.Updated
			return nil
		}); err != nil {
			t.Fatal(err)
		}
	}
	put("test:learner", func(p *coursebot.Progress) {
		p.Card, p.CardIndex = les.Cards[12].Key, 12
		p.Started, p.Updated = t0.Add(-120*time.Hour), t0.Add(-100*time.Hour)
		p.Checks = map[string]bool{items[0]: true, items[1]: true, items[2]: true}
	})
	put("test:bob", func(p *coursebot.Progress) {
		last := len(les.Cards) - 1
		p.Card, p.CardIndex = les.Cards[last].Key, last
		p.Started, p.Updated, p.Completed = t0.Add(-48*time.Hour), t0.Add(-2*time.Hour), t0.Add(-2*time.Hour)
		p.Checks = map[string]bool{}
		for _, id := range items {
			p.Checks[id] = true
		}
		// Bob submitted his repository: it showed 21 of the 22 items with
		// rules, and its CI passed.
		p.Repo = &coursebot.RepoCheck{URL: "https://github.com/bob/spam-classifier", Submitted: t0.Add(-3 * time.Hour), Checked: t0.Add(-150 * time.Minute),
			Branch: "main", Found: make([]string, 21), Missing: make([]string, 1),
			CI: &coursebot.CIRun{Name: "CI", Event: "push", Status: "completed", Conclusion: "success", At: t0.Add(-4 * time.Hour)}}
	})
	f.now = t0.Add(8 * 24 * time.Hour)
	tab, err := f.h.Progress(ctx, "alpha")
	if err != nil {
		t.Fatal(err)
	}
	loc, _ := time.LoadLocation("Europe/Berlin")
	golden(t, "progress.txt", []byte(tab.Text(loc)+"\n"))
	var csv bytes.Buffer
	if err := tab.WriteCSV(&csv); err != nil {
		t.Fatal(err)
	}
	golden(t, "progress.csv", csv.Bytes())
}

// TestProgressNamesMembers: the progress table names each member as their
// platform last gave it, not slack:U0BOB; the id stands beside a name only
// where two members share it. The CSV leads with the name and keeps the id
// in a column of its own; a name a spreadsheet would run as a formula is
// kept as text.
func TestProgressNamesMembers(t *testing.T) {
	t.Parallel()
	f := newFixture(t, false)
	ctx := context.Background()
	names := map[string]string{"slack:U0BOB": "Bob", "slack:U0SAM": "Sam", "discord:123456789012345678": "Sam", "slack:U0EVE": "=HYPERLINK(\"http://x\")", "test:learner": "Ann\nRow"}
	for key, name := range names {
		if key != "test:learner" {
			f.enrol(t, leadA, "alpha", coursebot.Learner{Platform: key[:strings.Index(key, ":")], UserID: key[strings.Index(key, ":")+1:]})
		}
		if _, _, err := f.db.UpdateProgress(ctx, key, "4-4", func(r *coursebot.LearnerRecord, _ *coursebot.Progress) error { r.Name = name; return nil }); err != nil {
			t.Fatal(err)
		}
	}
	tab, err := f.h.Progress(ctx, "alpha")
	if err != nil {
		t.Fatal(err)
	}
	text := tab.Text(time.UTC)
	for _, want := range []string{"\nBob ", "\nSam (slack:U0SAM) ", "\nSam (discord:123456789012345678) ", "\nAnn Row "} {
		if !strings.Contains(text, want) {
			t.Errorf("the table lacks %q:\n%s", want, text)
		}
	}
	if strings.Contains(text, "slack:U0BOB") {
		t.Errorf("the table shows Bob's id:\n%s", text)
	}
	var csv bytes.Buffer
	if err := tab.WriteCSV(&csv); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"name,learner,", "\nBob,slack:U0BOB,", "\n\"'=HYPERLINK(\"\"http://x\"\")\",slack:U0EVE,"} {
		if !strings.Contains(csv.String(), want) {
			t.Errorf("the CSV lacks %q:\n%s", want, csv.String())
		}
	}
}
