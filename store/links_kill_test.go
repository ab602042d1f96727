package store_test

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/coursebot/coursebot"
	"github.com/coursebot/coursebot/store"
)

const killPairs = 300

// TestLinkMergeSurvivesKill9 links many learners' Slack and Discord
// accounts in a child process and kills it with SIGKILL in the middle of
// it. The merge is one bbolt transaction: afterwards every pair is either
// linked with both histories merged, or not linked with both histories as
// they were, never half of it; and every link the child reported done is
// there.
func TestLinkMergeSurvivesKill9(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "kill.db")
	db, err := store.Open(path, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	for i := range killPairs {
		for _, who := range []string{slackOf(i), discordOf(i)} {
			if _, _, err := db.UpdateProgress(ctx, who, "4-4", func(r *coursebot.LearnerRecord, p *coursebot.Progress) error {
				r.Name, r.LastSeen = who, lt0
				p.Card, p.Started, p.Updated = "c", lt0, lt0
				p.Answers = map[string]coursebot.Answer{"q-" + who: {Text: "by " + who, At: lt0}}
				return nil
			}); err != nil {
				t.Fatal(err)
			}
		}
		if err := db.IssueLinkCode(ctx, slackOf(i), codeOf(i), lt0, store.LinkLimits{TTL: 1000 * time.Hour, IssueLimit: 1, FailLimit: 1, Window: time.Hour}); err != nil {
			t.Fatal(err)
		}
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestLinkChild$", "-test.count=1")
	cmd.Env = append(os.Environ(), "COURSEBOT_LINK_CHILD="+path)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	sc := bufio.NewScanner(out)
	done := -1
	for sc.Scan() {
		if n, ok := strings.CutPrefix(sc.Text(), "linked "); ok {
			done, _ = strconv.Atoi(n)
			if done >= killPairs/3 {
				break // the child is in the next merge by now
			}
		}
	}
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_ = cmd.Wait()
	if done < 0 {
		t.Fatal("the child linked nothing")
	}
	db, err = store.Open(path, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = db.Close() }()
	linked := 0
	for i := range killPairs {
		person, ids, err := db.Person(ctx, discordOf(i))
		if err != nil {
			t.Fatal(err)
		}
		s, _ := db.Progress(ctx, slackOf(i), "4-4")
		d, _ := db.Progress(ctx, discordOf(i), "4-4")
		switch person {
		case slackOf(i):
			linked++
			if len(ids) != 2 || len(s.Answers) != 2 || len(d.Answers) != 2 {
				t.Errorf("pair %d linked but not merged: %d identities, answers %v", i, len(ids), s.Answers)
			}
		case discordOf(i):
			if len(s.Answers) != 1 || len(d.Answers) != 1 || s.Answers["q-"+slackOf(i)].Text == "" || d.Answers["q-"+discordOf(i)].Text == "" {
				t.Errorf("pair %d not linked, yet its histories changed: %v / %v", i, s.Answers, d.Answers)
			}
			if i <= done {
				t.Errorf("pair %d was reported linked, and is not", i)
			}
		default:
			t.Errorf("pair %d: discord resolves to %s", i, person)
		}
	}
	t.Logf("%d pairs linked when killed (%d reported)", linked, done+1)
	if linked == killPairs {
		t.Log("the child finished before the kill: the check above still held for every pair")
	}
}

// TestLinkChild is the child of TestLinkMergeSurvivesKill9: it redeems
// every pair's code in order and reports each as it is committed.
func TestLinkChild(t *testing.T) {
	path := os.Getenv("COURSEBOT_LINK_CHILD")
	if path == "" {
		t.Skip("the child of TestLinkMergeSurvivesKill9")
	}
	db, err := store.Open(path, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	for i := range killPairs {
		if _, err := db.RedeemLinkCode(context.Background(), discordOf(i), codeOf(i), lt0.Add(time.Minute), store.LinkLimits{TTL: time.Hour, IssueLimit: 1, FailLimit: 1, Window: time.Hour}); err != nil {
			t.Fatal(err)
		}
		fmt.Printf("linked %d\n", i)
	}
	_ = db.Close()
}

func slackOf(i int) string   { return fmt.Sprintf("slack:U%03d", i) }
func discordOf(i int) string { return fmt.Sprintf("discord:%03d", i) }
func codeOf(i int) string    { return fmt.Sprintf("code%03d", i) }
