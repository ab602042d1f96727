package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coursebot/coursebot"
	"github.com/coursebot/coursebot/bot/bottest"
	"github.com/coursebot/coursebot/store"
)

// footprintStarts is how many times BenchmarkServeIdleFootprint starts the
// binary, whatever b.N is: one start takes a good fraction of a second, so
// `make bench`'s -benchtime=2000x would otherwise take many minutes.
const footprintStarts = 5

// BenchmarkServeIdleFootprint starts the built `coursebot serve` binary
// (Slack in http mode against a local fake API, the built-in course) on a
// store of 10,000 learners, and reports the time from exec to the first
// 200 from /readyz (ready-ms, the median of footprintStarts starts) and the
// resident memory of the idle process a second later, the largest seen:
// rss-MB (/proc/PID/status VmRSS) and its private part, anon-MB (RssAnon:
// heap, stacks, runtime). The rest of VmRSS is file pages mapped in: the
// binary's code and data the start touched, and the database's mmap. How
// many of those are resident depends on the page cache (the kernel maps the
// cached neighbours of each touched page), so the same binary shows ~33 MB
// on a loaded machine and ~50 MB on a quiet one; anon-MB does not move so.
func BenchmarkServeIdleFootprint(b *testing.B) {
	if _, err := os.Stat("/proc/self/status"); err != nil {
		b.Skip("needs /proc to read VmRSS")
	}
	bin := binary(b)
	api := newFakeAPI(b)
	dir := b.TempDir()
	fill10kLearners(b, filepath.Join(dir, "coursebot.db"))
	cfg := serveConfig(b, dir, api, "")
	// serveConfig turns the scheduler off for tests; the footprint is
	// measured with the defaults.
	src, _ := os.ReadFile(cfg)
	src = []byte(strings.Replace(string(src), "scheduler:\n  enabled: false\n", "", 1))
	src = []byte(strings.Replace(string(src), "  level: debug\n", "  level: info\n", 1))
	if err := os.WriteFile(cfg, src, 0o600); err != nil {
		b.Fatal(err)
	}

	var readies []time.Duration
	var rss, anon []float64
	b.ResetTimer()
	for range footprintStarts {
		ready, mem := startOnce(b, bin, cfg)
		readies = append(readies, ready)
		rss = append(rss, float64(mem.rss)/1024)
		anon = append(anon, float64(mem.anon)/1024)
	}
	b.StopTimer()
	slices.Sort(readies)
	median := readies[len(readies)/2]
	b.ReportMetric(float64(median.Nanoseconds()), "ns/op")
	b.ReportMetric(float64(median.Microseconds())/1000, "ready-ms")
	b.ReportMetric(slices.Max(rss), "rss-MB")
	b.ReportMetric(slices.Max(anon), "anon-MB")
}

// startOnce runs the binary until /readyz answers 200, idles a second,
// reads its memory and stops it with SIGTERM.
func startOnce(b *testing.B, bin, cfg string) (time.Duration, memory) {
	cmd := exec.Command(bin, "serve", "--config", cfg)
	cmd.Env = binaryEnv()
	out, err := cmd.StdoutPipe()
	if err != nil {
		b.Fatal(err)
	}
	var stderr bottest.Log
	cmd.Stderr = &stderr
	start := time.Now()
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	defer func() {
		_ = cmd.Process.Signal(os.Interrupt)
		_ = cmd.Wait()
	}()
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil {
		b.Fatalf("serve did not start: %v\n%s", err, stderr.String())
	}
	go func() { _, _ = io.Copy(io.Discard, out) }() // drain; the reader's end is the pipe's close
	url := "http://" + strings.TrimSpace(strings.TrimPrefix(line, "coursebot serving on ")) + "/readyz"
	client := &http.Client{Timeout: time.Second}
	var ready time.Duration
	for deadline := time.Now().Add(20 * time.Second); ; {
		resp, err := client.Get(url)
		if err == nil {
			_ = resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				ready = time.Since(start)
				break
			}
		}
		if time.Now().After(deadline) {
			b.Fatalf("not ready after 20s:\n%s", stderr.String())
		}
		time.Sleep(time.Millisecond)
	}
	time.Sleep(time.Second) // idle
	mem, err := residentMemory(cmd.Process.Pid)
	if err != nil {
		b.Fatal(err)
	}
	return ready, mem
}

// memory is a process's resident memory in kB: all of it, and its private
// (anonymous) part.
type memory struct{ rss, anon int }

// residentMemory reads VmRSS and RssAnon from /proc/PID/status.
func residentMemory(pid int) (memory, error) {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return memory{}, err
	}
	defer func() { _ = f.Close() }() // read-only
	var m memory
	found := 0
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		for key, dst := range map[string]*int{"VmRSS:": &m.rss, "RssAnon:": &m.anon} {
			if rest, ok := strings.CutPrefix(sc.Text(), key); ok {
				kb, err := strconv.Atoi(strings.TrimSuffix(strings.TrimSpace(rest), " kB"))
				if err != nil {
					return memory{}, fmt.Errorf("%s %q: %w", key, rest, err)
				}
				*dst = kb
				found++
			}
		}
	}
	if found != 2 {
		return memory{}, fmt.Errorf("no VmRSS and RssAnon in /proc/%d/status", pid)
	}
	return m, nil
}

// fill10kLearners writes 10,000 learners part-way through Lesson 4.4, each
// with an answer, through the store's API (64 writers share commits).
func fill10kLearners(b *testing.B, path string) {
	b.Helper()
	db, err := store.Open(path, store.Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer func() {
		if err := db.Close(); err != nil {
			b.Error(err)
		}
	}()
	const learners, writers = 10_000, 64
	now := time.Now()
	var wg sync.WaitGroup
	errc := make(chan error, writers)
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := w; i < learners; i += writers {
				_, _, err := db.UpdateProgress(context.Background(), fmt.Sprintf("slack:U%07d", i), "4-4",
					func(r *coursebot.LearnerRecord, p *coursebot.Progress) error {
						r.Name, r.Active, r.LastSeen = fmt.Sprintf("Learner %d", i), "4-4", now
						p.Card, p.CardIndex, p.Started, p.Updated = "architecture-review", 3, now, now
						p.Answers = map[string]coursebot.Answer{"q67d329bda0": {Text: "We would version the data and pin the model.", At: now}}
						return nil
					})
				if err != nil {
					errc <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errc)
	if err := <-errc; err != nil {
		b.Fatal(err)
	}
}
