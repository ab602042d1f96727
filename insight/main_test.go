package insight_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/coursebot/coursebot/insight"
	"github.com/coursebot/coursebot/insight/insighttest"
	"github.com/coursebot/coursebot/store"
)

// The simulated cohort is walked once per test binary (it takes a few
// seconds) into a database the tests only read.
var sim struct {
	once sync.Once
	dir  string
	db   *store.DB
	c    *insighttest.Cohort
}

// lead is the simulated cohort's lead.
const lead = "slack:ULEAD"

func TestMain(m *testing.M) {
	code := m.Run()
	if sim.db != nil {
		if err := sim.db.Close(); err != nil {
			fmt.Fprintln(os.Stderr, err)
			code = 1
		}
	}
	if sim.dir != "" {
		_ = os.RemoveAll(sim.dir)
	}
	os.Exit(code)
}

// cohort returns the simulated cohort and its database.
func cohort(t testing.TB) (*store.DB, *insighttest.Cohort) {
	t.Helper()
	sim.once.Do(func() {
		dir, err := os.MkdirTemp("", "insight-test-")
		if err != nil {
			t.Fatal(err)
		}
		sim.dir = dir
		db, err := store.Open(filepath.Join(dir, "coursebot.db"), store.Options{})
		if err != nil {
			t.Fatal(err)
		}
		sim.db = db
		sim.c = insighttest.Build(t, db, "slack", lead)
	})
	if sim.c == nil {
		t.Fatal("the simulated cohort could not be built (see the first test that failed)")
	}
	return sim.db, sim.c
}

// leadFigures are the cohort's figures as its lead sees them.
func leadFigures(t *testing.T) (insight.Figures, *insighttest.Cohort) {
	t.Helper()
	db, c := cohort(t)
	ls, err := insight.Cohort(context.Background(), db, db, c.Name, true)
	if err != nil {
		t.Fatal(err)
	}
	return insight.Compute(c.Course, ls, insight.Options{Audience: insight.Lead, Now: insighttest.Now}), c
}
