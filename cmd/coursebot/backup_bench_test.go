//go:build unix

package main

import (
	"fmt"
	"io"
	"slices"
	"strings"
	"testing"
	"time"
)

// BenchmarkAckDuringBackup is what a backup costs learners: with a 32 MiB
// database, one learner after another answers with a long text (each
// answer's acknowledgement is a committed write; b.N answers) while
// POST /admin/backup streams to a client that reads 20 KB/s or stops
// reading after the headers. It reports the acknowledgement's latency
// (p50, p99, max), how many took longer than Slack's 3 s and how many got
// no acknowledgement at all (cut off by http.write_timeout). A client that
// holds the copy gives up after 20 s, so a write waiting for it ends then.
func BenchmarkAckDuringBackup(b *testing.B) {
	for _, client := range []string{"no backup", "reads 20KB/s", "stopped reading"} {
		b.Run("client="+strings.ReplaceAll(client, " ", "-"), func(b *testing.B) {
			dir := b.TempDir()
			fillDB(b, dir, 32<<20)
			e := startServeIn(b, dir, "course:\n  answer_limit: 20000\n")
			done := make(chan struct{})
			closed := make(chan struct{})
			if client == "no backup" {
				close(closed)
			} else {
				conn, resp := startBackupClient(b, e.admin)
				go holdBackup(conn, resp.Body, client == "reads 20KB/s", done, closed)
			}
			text := strings.Repeat("a long answer ", 15000/14)
			for u := range 10 {
				if code := e.command(fmt.Sprintf("UB%d", u), "start-4-4"); code != 200 {
					b.Fatalf("start: HTTP %d", code)
				}
			}
			var acks []time.Duration
			i, unacked := 0, 0
			for b.Loop() {
				start := time.Now()
				if code, _ := e.trySlackPost("/slack/interactions", answerBody(fmt.Sprintf("UB%d", i%10), e.cards[2].question, text, 1000+i)); code != 200 {
					unacked++ // cut off by http.write_timeout while its write waited
				}
				acks = append(acks, time.Since(start))
				i++
			}
			close(done)
			<-closed
			slices.Sort(acks)
			over := 0
			for _, d := range acks {
				if d > 3*time.Second {
					over++
				}
			}
			b.ReportMetric(float64(acks[len(acks)/2].Microseconds())/1000, "p50-ms")
			b.ReportMetric(float64(acks[len(acks)*99/100].Microseconds())/1000, "p99-ms")
			b.ReportMetric(float64(acks[len(acks)-1].Microseconds())/1000, "max-ms")
			b.ReportMetric(float64(over), "acks-over-3s")
			b.ReportMetric(float64(unacked), "unacked")
		})
	}
}

// holdBackup reads a backup's body at 20 KB/s (slow) or not at all, until
// done or for 20 s at most; then it hangs up and closes closed.
func holdBackup(conn io.Closer, body io.Reader, slow bool, done <-chan struct{}, closed chan<- struct{}) {
	defer close(closed)
	defer func() { _ = conn.Close() }()
	giveUp := time.After(20 * time.Second)
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case <-done:
			return
		case <-giveUp:
			return
		case <-tick.C:
			if slow {
				if _, err := io.CopyN(io.Discard, body, 2000); err != nil {
					return
				}
			}
		}
	}
}
