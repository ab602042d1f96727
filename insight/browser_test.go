package insight_test

import (
	"bufio"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/coursebot/coursebot/insight"
	"github.com/coursebot/coursebot/insight/insighttest"
)

// The author's report in a real browser: headless Chromium (Debian's
// chromium package) opens the file and the DevTools protocol says what it
// did. The test runs wherever chromium is installed (or
// $COURSEBOT_CHROMIUM names it) and is skipped, saying why, where it is
// not: CI has only the Go module proxy, so there the report is checked in
// Go alone (TestReportGolden).

// chromium finds the browser, or skips the test.
func chromium(t *testing.T) string {
	t.Helper()
	if p := os.Getenv("COURSEBOT_CHROMIUM"); p != "" {
		return p
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	t.Skip("chromium is not installed (Debian: apt-get install chromium; or set COURSEBOT_CHROMIUM): the report is checked in Go only (TestReportGolden)")
	return ""
}

// TestReportInChromium: the report of the simulated cohort opens in
// headless Chromium with no console error, no exception and no request
// beyond its own file; it holds the charts Report says it drew, each an
// SVG laid out with a size and with one bar per row of its data; and a
// screenshot of the whole page is kept (in $COURSEBOT_INSIGHT_PICTURES
// when set, else in the test's directory).
func TestReportInChromium(t *testing.T) {
	bin := chromium(t)
	db, c := cohort(t)
	ls, err := insight.Everyone(context.Background(), db, db, true)
	if err != nil {
		t.Fatal(err)
	}
	f := insight.Compute(c.Course, ls, insight.Options{Audience: insight.Author, Now: insighttest.Now})
	dir := t.TempDir()
	page := filepath.Join(dir, "report.html")
	w, err := os.Create(page)
	if err != nil {
		t.Fatal(err)
	}
	charts, err := insight.Report(w, f, insight.ReportOptions{Scope: "Every learner the bot knows"})
	if cerr := w.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		t.Fatal(err)
	}
	if charts != 6 {
		t.Errorf("%d charts; the fixture makes 3 funnels, a leave chart, a difficulty chart and the retention chart", charts)
	}

	ctx := t.Context()
	if d, ok := t.Deadline(); ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithDeadline(ctx, d.Add(-30*time.Second)) // room to stop the browser and report
		defer cancel()
	}
	b := startBrowser(ctx, t, bin)
	tab := b.newTab(ctx, t)
	for _, m := range []string{"Runtime.enable", "Log.enable", "Network.enable", "Page.enable"} {
		tab.call(ctx, t, m, nil)
	}
	fileURL := (&url.URL{Scheme: "file", Path: page}).String()
	tab.call(ctx, t, "Page.navigate", map[string]any{"url": fileURL})
	tab.waitFor(ctx, t, "Page.loadEventFired")

	var got struct {
		Figures []struct {
			ID     string  `json:"id"`
			Bars   int     `json:"bars"`
			Drawn  int     `json:"drawn"`
			Width  float64 `json:"width"`
			Height float64 `json:"height"`
		} `json:"figures"`
		SVGs   int     `json:"svgs"`
		Height float64 `json:"height"`
	}
	tab.eval(ctx, t, `JSON.stringify({
		figures: [...document.querySelectorAll("figure.chart")].map(f => {
			const svg = f.querySelector("svg"), r = svg ? svg.getBoundingClientRect() : {width: 0, height: 0};
			const fill = "fill:" + f.dataset.fill;
			return {id: f.id, bars: +f.dataset.bars, width: r.width, height: r.height,
				drawn: svg ? [...svg.querySelectorAll("path")].filter(p => (p.getAttribute("style") || "").startsWith(fill)).length : 0};
		}),
		svgs: document.querySelectorAll("svg").length,
		height: document.documentElement.scrollHeight,
	})`, &got)
	if len(got.Figures) != charts || got.SVGs != charts {
		t.Errorf("the browser found %d charts and %d SVGs, Report drew %d", len(got.Figures), got.SVGs, charts)
	}
	for _, fg := range got.Figures {
		if fg.Width < 300 || fg.Height < 80 || fg.Bars == 0 || fg.Drawn != fg.Bars {
			t.Errorf("chart %s: %.0fx%.0f px, %d bars drawn of %d", fg.ID, fg.Width, fg.Height, fg.Drawn, fg.Bars)
		}
	}

	tab.call(ctx, t, "Emulation.setDeviceMetricsOverride", map[string]any{"width": 1100, "height": int(got.Height), "deviceScaleFactor": 1, "mobile": false})
	var shot struct {
		Data string `json:"data"`
	}
	tab.result(ctx, t, "Page.captureScreenshot", map[string]any{"format": "png", "captureBeyondViewport": true}, &shot)
	png, err := base64.StdEncoding.DecodeString(shot.Data)
	if err != nil || len(png) < 1000 {
		t.Fatalf("screenshot: %d bytes, %v", len(png), err)
	}
	keep := dir
	if d := os.Getenv("COURSEBOT_INSIGHT_PICTURES"); d != "" {
		keep = d
	}
	if err := os.WriteFile(filepath.Join(keep, "report-chromium.png"), png, 0o644); err != nil {
		t.Error(err)
	}

	for _, e := range tab.events() {
		switch {
		case e.Method == "Runtime.exceptionThrown":
			t.Errorf("exception in the page: %s", e.Params)
		case e.Method == "Runtime.consoleAPICalled" && strings.Contains(string(e.Params), `"type":"error"`):
			t.Errorf("console error: %s", e.Params)
		case e.Method == "Log.entryAdded" && strings.Contains(string(e.Params), `"level":"error"`):
			t.Errorf("browser log error: %s", e.Params)
		case e.Method == "Network.requestWillBeSent":
			var r struct {
				Request struct {
					URL string `json:"url"`
				} `json:"request"`
			}
			_ = json.Unmarshal(e.Params, &r)
			if r.Request.URL != fileURL {
				t.Errorf("the report requested %s", r.Request.URL)
			}
		}
	}
}

// browser is a headless Chromium driven over the DevTools protocol.
type browser struct {
	conn *websocket.Conn
	mu   sync.Mutex
	next int
	wait map[int]chan message
	evs  []message
	seen chan struct{} // a new event arrived
	done chan struct{} // the connection's reader ended
}

// message is one DevTools protocol message.
type message struct {
	ID        int             `json:"id,omitempty"`
	Method    string          `json:"method,omitempty"`
	Params    json.RawMessage `json:"params,omitempty"`
	SessionID string          `json:"sessionId,omitempty"`
	Result    json.RawMessage `json:"result,omitempty"`
	Error     *struct {
		Message string `json:"message"`
	} `json:"error,omitempty"`
}

func startBrowser(ctx context.Context, t *testing.T, bin string) *browser {
	t.Helper()
	// The profile is not in t.TempDir: the browser's helper processes
	// may still be writing to it for a moment after the browser exits,
	// which would fail the TempDir's removal; it is removed below.
	profile, err := os.MkdirTemp("", "coursebot-chromium-")
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.CommandContext(ctx, bin, "--headless=new", "--no-sandbox", "--disable-gpu", "--no-first-run", "--no-default-browser-check",
		"--disable-extensions", "--disable-background-networking", "--disable-sync", "--remote-debugging-port=0",
		"--user-data-dir="+profile, "about:blank")
	stderr, pw := io.Pipe()
	cmd.Stderr = pw
	exited := make(chan struct{})
	if err := cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", bin, err)
	}
	go func() {
		_ = cmd.Wait()
		_ = pw.Close()
		close(exited)
	}()
	t.Cleanup(func() {
		<-exited
		for range 100 {
			if err := os.RemoveAll(profile); err == nil {
				return
			}
			time.Sleep(50 * time.Millisecond) // its helpers finishing: cleanup only, decides nothing
		}
		t.Logf("left the browser's profile %s behind", profile)
	})
	var b *browser
	t.Cleanup(func() {
		// An orderly close, so the browser's own processes are done with
		// its profile (in the test's directory) before it is removed; a
		// kill only when that fails.
		if b != nil {
			_, err := b.send(context.WithoutCancel(ctx), "", "Browser.close", nil)
			_ = b.conn.Close()
			if err == nil {
				<-exited
				return
			}
		}
		_ = cmd.Process.Kill()
		<-exited
	})
	// Chromium says where DevTools listens on stderr; the rest of its
	// stderr (D-Bus and GPU chatter of a headless machine) is drained.
	ws := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			if u, ok := strings.CutPrefix(sc.Text(), "DevTools listening on "); ok {
				ws <- strings.TrimSpace(u)
			}
		}
		close(ws)
		_, _ = io.Copy(io.Discard, stderr)
	}()
	var addr string
	select {
	case a, ok := <-ws:
		if !ok {
			t.Fatal("chromium exited without opening DevTools")
		}
		addr = a
	case <-ctx.Done():
		t.Fatal("chromium did not open DevTools before the test's deadline")
	}
	conn, _, err := websocket.DefaultDialer.DialContext(ctx, addr, nil)
	if err != nil {
		t.Fatalf("DevTools: %v", err)
	}
	b = &browser{conn: conn, wait: map[int]chan message{}, seen: make(chan struct{}, 1), done: make(chan struct{})}
	go b.read()
	return b
}

func (b *browser) read() {
	defer close(b.done)
	for {
		var m message
		if err := b.conn.ReadJSON(&m); err != nil {
			return
		}
		b.mu.Lock()
		if m.ID != 0 {
			if ch := b.wait[m.ID]; ch != nil {
				ch <- m
				delete(b.wait, m.ID)
			}
		} else {
			b.evs = append(b.evs, m)
			select {
			case b.seen <- struct{}{}:
			default:
			}
		}
		b.mu.Unlock()
	}
}

// send sends a command (in session, when set) and waits for its answer.
func (b *browser) send(ctx context.Context, session, method string, params any) (message, error) {
	b.mu.Lock()
	b.next++
	id := b.next
	ch := make(chan message, 1)
	b.wait[id] = ch
	b.mu.Unlock()
	raw, err := json.Marshal(params)
	if err != nil {
		return message{}, err
	}
	if params == nil {
		raw = []byte("{}")
	}
	b.mu.Lock()
	err = b.conn.WriteJSON(message{ID: id, Method: method, Params: raw, SessionID: session})
	b.mu.Unlock()
	if err != nil {
		return message{}, err
	}
	select {
	case m := <-ch:
		if m.Error != nil {
			return m, fmt.Errorf("%s: %s", method, m.Error.Message)
		}
		return m, nil
	case <-b.done:
		return message{}, fmt.Errorf("%s: the browser closed the connection", method)
	case <-ctx.Done():
		return message{}, fmt.Errorf("%s: no answer before the test's deadline", method)
	}
}

// tab is one page, attached with a flat session.
type tab struct {
	b       *browser
	session string
}

func (b *browser) newTab(ctx context.Context, t *testing.T) *tab {
	t.Helper()
	m, err := b.send(ctx, "", "Target.createTarget", map[string]any{"url": "about:blank"})
	if err != nil {
		t.Fatal(err)
	}
	var target struct {
		TargetID string `json:"targetId"`
	}
	if err := json.Unmarshal(m.Result, &target); err != nil {
		t.Fatal(err)
	}
	m, err = b.send(ctx, "", "Target.attachToTarget", map[string]any{"targetId": target.TargetID, "flatten": true})
	if err != nil {
		t.Fatal(err)
	}
	var att struct {
		SessionID string `json:"sessionId"`
	}
	if err := json.Unmarshal(m.Result, &att); err != nil {
		t.Fatal(err)
	}
	return &tab{b: b, session: att.SessionID}
}

func (tb *tab) call(ctx context.Context, t *testing.T, method string, params any) {
	t.Helper()
	if _, err := tb.b.send(ctx, tb.session, method, params); err != nil {
		t.Fatal(err)
	}
}

func (tb *tab) result(ctx context.Context, t *testing.T, method string, params, out any) {
	t.Helper()
	m, err := tb.b.send(ctx, tb.session, method, params)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(m.Result, out); err != nil {
		t.Fatalf("%s: %v", method, err)
	}
}

// eval evaluates a JavaScript expression that returns JSON text, into out.
func (tb *tab) eval(ctx context.Context, t *testing.T, expr string, out any) {
	t.Helper()
	var r struct {
		Result struct {
			Value string `json:"value"`
		} `json:"result"`
		Exception json.RawMessage `json:"exceptionDetails"`
	}
	tb.result(ctx, t, "Runtime.evaluate", map[string]any{"expression": expr, "returnByValue": true}, &r)
	if len(r.Exception) > 0 {
		t.Fatalf("evaluate: %s", r.Exception)
	}
	if err := json.Unmarshal([]byte(r.Result.Value), out); err != nil {
		t.Fatalf("evaluate: %v: %q", err, r.Result.Value)
	}
}

// waitFor waits for the tab's event method.
func (tb *tab) waitFor(ctx context.Context, t *testing.T, method string) {
	t.Helper()
	for {
		for _, e := range tb.events() {
			if e.Method == method {
				return
			}
		}
		select {
		case <-tb.b.seen:
		case <-tb.b.done:
			t.Fatalf("the browser closed the connection before %s", method)
		case <-ctx.Done():
			t.Fatalf("no %s before the test's deadline", method)
		}
	}
}

// events are the tab's events so far.
func (tb *tab) events() []message {
	tb.b.mu.Lock()
	defer tb.b.mu.Unlock()
	var out []message
	for _, e := range tb.b.evs {
		if e.SessionID == tb.session {
			out = append(out, e)
		}
	}
	return out
}
