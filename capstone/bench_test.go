package capstone_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/coursebot/coursebot"
	"github.com/coursebot/coursebot/bot"
	"github.com/coursebot/coursebot/capstone"
	"github.com/coursebot/coursebot/capstone/githubtest"
	"github.com/coursebot/coursebot/course"
	"github.com/coursebot/coursebot/lessons"
	"github.com/coursebot/coursebot/store"
)

// BenchmarkCapstoneCheck checks a capstone repository of 5,000 files
// against the built-in course's rules, through go-github and the fake
// GitHub API on this machine (GitHub's own latency aside; the fake's
// encoding of the tree is in the figure, about half of it by the
// profile): one op is /capstone submit URL to the report, the ticks
// written to bbolt. calls/check is the GitHub calls one check makes, the
// least it can (the repository, its tree, its latest run). Targets
// (cmd/benchtable): < 100 ms a check, <= 3 calls.
func BenchmarkCapstoneCheck(b *testing.B) {
	var tick atomic.Int64 // minutes since c0: the fake API's server goroutines read it
	c0 := time.Date(2026, 3, 2, 14, 0, 0, 0, time.UTC)
	now := func() time.Time { return c0.Add(time.Duration(tick.Load()) * time.Minute) }
	files := []string{"README.md", "Dockerfile", "requirements.txt", "pyproject.toml", "dvc.yaml", ".dvc/config",
		".github/workflows/ci.yml", "src/__init__.py", "src/data.py", "src/train.py", "tests/test_data.py"}
	for i := range 5000 - len(files) {
		files = append(files, fmt.Sprintf("data/raw/part-%04d.csv.dvc", i))
	}
	api := githubtest.New("/api/v3", now, githubtest.Repo{Owner: "alice", Name: "big", Files: files,
		Runs: []githubtest.Run{{Name: "CI", Conclusion: "success", At: c0.Add(-time.Hour)}}})
	defer api.Close()
	loaded, err := course.LoadBuiltin()
	if err != nil {
		b.Fatal(err)
	}
	db, err := store.Open(filepath.Join(b.TempDir(), "b.db"), store.Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer func() { _ = db.Close() }()
	gh, err := capstone.NewGitHub(capstone.GitHubOptions{APIURL: api.APIURL(), HTTPClient: api.Client(), Now: now})
	if err != nil {
		b.Fatal(err)
	}
	engine := lessons.NewEngine(loaded, db, lessons.EngineOptions{Now: now})
	defer func() { _ = engine.Close() }()
	h, err := capstone.New(nil, capstone.Options{Store: db, Course: func() *course.Course { return loaded }, GitHub: gh, Now: now,
		Again: time.Nanosecond, Log: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		b.Fatal(err)
	}
	who := coursebot.Learner{Platform: "test", UserID: "alice"}
	ctx := context.Background()
	if _, err := engine.Handle(ctx, bot.Message{Learner: who, Kind: bot.KindCommand, Command: "start-4-4"}); err != nil {
		b.Fatal(err)
	}
	url := "https://" + gh.Host() + "/alice/big" // the fake's host: 127.0.0.1
	calls := len(api.Requests())
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		tick.Add(1) // past Again, so every op asks GitHub; the API's hourly limit resets as it would
		rs, err := h.Handle(ctx, bot.Message{Learner: who, Kind: bot.KindCommand, Command: "capstone", Args: "submit " + url})
		if err != nil || len(rs) != 1 || rs[0].Refused {
			b.Fatalf("check: %v %+v", err, rs)
		}
	}
	b.StopTimer()
	if p, err := db.Progress(ctx, who.Key(), "4-4"); err != nil || p.Repo == nil || len(p.Repo.Found) == 0 || len(p.Repo.Missing) == 0 {
		b.Fatalf("the check found nothing or everything (%v): %+v", err, p.Repo)
	}
	b.ReportMetric(float64(len(api.Requests())-calls)/float64(b.N), "calls/check")
}
