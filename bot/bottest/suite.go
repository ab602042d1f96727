package bottest

import (
	"context"
	"errors"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/coursebot/coursebot"
	"github.com/coursebot/coursebot/bot"
	"github.com/coursebot/coursebot/delivery"
)

// The adapter conformance suite: one set of behaviours every chat adapter
// (bot/slack, bot/discord, bot/console) must show, run by each adapter's
// tests against its wire fake, the way Alertmanager's notify/test serves
// its integrations. An adapter's test package gives Run a Harness; Run
// drives it through the suite's lesson (Script) and checks what reached the
// platform. What a platform cannot express the harness names in Cannot,
// with the reason, and Run skips that case saying so.

// Case names one behaviour the suite checks.
type Case string

// The suite's cases.
const (
	// Ownership: a press acts on the presser's own card only; a press on
	// someone else's card is refused, to the presser alone, and changes
	// nothing. Needs Presser (and uses Answerer when there is one).
	Ownership Case = "ownership"
	// SendErrors: a send the platform refuses for good comes back marked
	// Permanent and is not retried; one that fails for now is retried and
	// is not marked so. Needs a Faulter harness and Sender.
	SendErrors Case = "send errors"
	// Uploads: a reply's file reaches the platform byte for byte: as a
	// command's answer, in a direct message, in a channel. Needs Sender.
	Uploads Case = "uploads"
	// UploadLimits: an empty or oversized file posted to a channel is a
	// permanent error naming it (not retried), and nothing is uploaded.
	// Needs Sender.
	UploadLimits Case = "upload limits"
	// LiveEdits: a live reply is edited in place as its text grows, no
	// more often than the platform allows, and ends holding the finished
	// text, with the card's controls after it. Needs Answerer and Editor.
	LiveEdits Case = "live edits"
	// Restart: after a restart on the same store, a learner's answer in
	// their lesson's thread still reaches the lesson and their presses
	// still work; someone else writing there is not an answer. Needs
	// Answerer, Presser and Restarter.
	Restart Case = "threads after a restart"
	// Secrets: the platform's credentials and a learner's answers never
	// reach the log, even in a failure whose error names them; the learner
	// is told one sentence, not the error.
	Secrets Case = "secrets kept out of logs"
	// Shutdown: once the adapter is shut down, a command is answered that
	// the bot is restarting, and nothing is handled or kept for it. Needs
	// Closer.
	Shutdown Case = "shutdown"
)

// Cases are the suite's cases, in the order Run runs them.
var Cases = []Case{Ownership, SendErrors, Uploads, UploadLimits, LiveEdits, Restart, Secrets, Shutdown}

// Harness is an adapter's side of the suite.
type Harness interface {
	// Start runs a new adapter on a new fake platform and a new store,
	// with c's handler; it stops when t ends.
	Start(t *testing.T, c Config) Platform
	// Cannot names the cases the platform cannot express, with the reason.
	Cannot() map[Case]string
}

// Config is what the suite asks of a started adapter.
type Config struct {
	Handler bot.Handler
	// Clock, when set, is the adapter's clock (its Now), and through
	// Clock.Pace the time its platform's limits are counted in.
	Clock *Clock
}

// Platform is one adapter running against its fake. Every method that acts
// returns once the adapter has done all the work it caused.
type Platform interface {
	// Learner is the platform's learner for the suite's user name ("a").
	Learner(user string) coursebot.Learner
	// Command has user run /name and returns what they alone were shown
	// in answer ("" when nothing).
	Command(user, name string) string
	// Thread is what the platform shows in owner's thread of lesson, in
	// order (nil when there is none). The harness fails t on a post that
	// breaks its platform's limits.
	Thread(owner, lesson string) []Post
	// Logs is everything the adapter logged; Secrets are the credentials
	// it was given.
	Logs() string
	Secrets() []string
}

// Post is a message as the platform shows it.
type Post struct {
	Text string
	// Edits counts the times it was edited in place.
	Edits int
	// Buttons are the labels of its buttons that can still be pressed.
	Buttons []string
}

// Presser presses controls.
type Presser interface {
	// Press has presser press the first control of verb (bot.VerbNext,
	// bot.VerbCheck) on the current card of owner's thread of lesson, and
	// returns what presser alone was told ("" when the press was taken).
	Press(presser, owner, lesson, verb string) string
}

// Answerer writes answers.
type Answerer interface {
	// Answer has writer answer the question of owner's current card in
	// lesson the way the platform takes answers (a message in the thread,
	// a form).
	Answer(writer, owner, lesson, text string)
}

// Restarter restarts the adapter.
type Restarter interface {
	// Restart stops the adapter and starts a new one on the same store
	// and fake platform, with the same handler.
	Restart()
}

// Sender sends outside a conversation and reads the files that arrived.
type Sender interface {
	bot.Sender
	SendChannel(ctx context.Context, channel string, replies []bot.Reply) error
	// Channel is a channel the bot may post in.
	Channel() string
	// Files are the files that reached user (by any route the platform
	// uses) or the channel, in order.
	Files(to string) []bot.File
}

// Faulter is a harness that knows the ways its platform refuses a send.
type Faulter interface {
	// Faults are the platform's send failures to try, each on a platform
	// of its own.
	Faults() []Fault
}

// Fault is one way the platform refuses a send to User (or Channel).
type Fault struct {
	Name      string
	Permanent bool
	// User or Channel is the recipient the fault hits.
	User, Channel string
	// Set makes p fail so; attempts then counts the tries that reached
	// the platform.
	Set func(p Platform) (attempts func() int)
}

// Editor edits messages in place.
type Editor interface {
	// EditInterval is the least time between two edits of a live reply.
	EditInterval() time.Duration
}

// Closer shuts the adapter down.
type Closer interface {
	// Shutdown stops the adapter's pipeline (Run returns) while its
	// entry points still take requests, then has user run /status and
	// returns what they were told and how many requests were kept for
	// later.
	Shutdown(user string) (answer string, kept int)
}

// Run runs every case of the suite against h, each on fresh platforms.
func Run(t *testing.T, h Harness) {
	cannot := h.Cannot()
	for c := range cannot {
		if !slices.Contains(Cases, c) {
			t.Errorf("the harness cannot %q, which is no case of the suite", c)
		}
	}
	for _, c := range Cases {
		t.Run(string(c), func(t *testing.T) {
			t.Parallel()
			if why, ok := cannot[c]; ok {
				t.Skipf("%s: %s", c, why)
			}
			suite[c](t, h)
		})
	}
}

var suite = map[Case]func(*testing.T, Harness){
	Ownership: ownership, SendErrors: sendErrors, Uploads: uploads, UploadLimits: uploadLimits,
	LiveEdits: liveEdits, Restart: restart, Secrets: secrets, Shutdown: shutdown,
}

// need returns v (a Platform or the Harness) as a T, or fails t: a
// harness that does not name the case in Cannot must express it.
func need[T any](t *testing.T, v any, c Case) T {
	t.Helper()
	x, ok := v.(T)
	if !ok {
		t.Fatalf("%s: %T does not do what the case needs (%T) and the harness does not say why it cannot", c, v, (*T)(nil))
	}
	return x
}

func ownership(t *testing.T, h Harness) {
	s := &Script{}
	p := h.Start(t, Config{Handler: s})
	pr := need[Presser](t, p, Ownership)
	p.Command("a", Start)
	p.Command("b", Start)
	before := p.Thread("b", Lesson)
	if len(before) == 0 {
		t.Fatal("b's lesson shows no thread")
	}
	a, b := p.Learner("a").Key(), p.Learner("b").Key()
	fromA := len(From(s.Got(), a))
	for _, verb := range []string{bot.VerbNext, bot.VerbCheck} {
		if got, want := pr.Press("a", "b", Lesson, verb), bot.NotYoursText(Lesson); got != want {
			t.Errorf("a pressing b's %s was told %q, want %q", verb, got, want)
		}
	}
	if an, ok := p.(Answerer); ok {
		an.Answer("a", "b", Lesson, "a's answer in b's card")
	}
	if got := From(s.Got(), a)[fromA:]; len(got) != 0 {
		t.Errorf("a's presses on b's card reached the handler: %+v", got)
	}
	if after := p.Thread("b", Lesson); !reflect.DeepEqual(after, before) {
		t.Errorf("b's thread changed:\n%+v\nwas\n%+v", after, before)
	}
	// b's own presses of the same controls are taken.
	for _, verb := range []string{bot.VerbCheck, bot.VerbNext} {
		n := len(From(s.Got(), b))
		if told := pr.Press("b", "b", Lesson, verb); told != "" {
			t.Errorf("b pressing their own %s was told %q", verb, told)
		}
		got := From(s.Got(), b)[n:]
		if len(got) != 1 || got[0].Kind != bot.KindAction || !strings.HasPrefix(got[0].Action, verb+"|") {
			t.Errorf("b's own %s reached the handler as %+v", verb, got)
		}
	}
}

func sendErrors(t *testing.T, h Harness) {
	nudge := []bot.Reply{{Blocks: []bot.Block{{Kind: bot.BlockMarkdown, Text: "You were halfway through Lesson 9.9."}}}}
	for _, f := range need[Faulter](t, h, SendErrors).Faults() {
		t.Run(f.Name, func(t *testing.T) {
			t.Parallel()
			p := h.Start(t, Config{Handler: &Script{}})
			fl := need[Sender](t, p, SendErrors)
			attempts := f.Set(p)
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			var err error
			if f.Channel != "" {
				err = fl.SendChannel(ctx, f.Channel, nudge)
			} else {
				err = fl.Send(ctx, p.Learner(f.User), nudge)
			}
			if err == nil {
				t.Fatal("the send succeeded")
			}
			if got := IsPermanent(err); got != f.Permanent {
				t.Errorf("permanent = %v, want %v (err %v)", got, f.Permanent, err)
			}
			switch n := attempts(); {
			case f.Permanent && n != 1:
				t.Errorf("a permanent failure was tried %d times, want once", n)
			case !f.Permanent && n < 2:
				t.Errorf("a passing failure was tried %d times, want retries", n)
			}
			for _, s := range p.Secrets() {
				if strings.Contains(err.Error(), s) {
					t.Errorf("a secret in the error: %v", err)
				}
			}
		})
	}
}

// IsPermanent reports whether err says no retry will fix it
// (delivery.Permanent, through any wrapping).
func IsPermanent(err error) bool {
	var p interface {
		error
		Permanent() bool
	}
	return errors.As(err, &p) && p.Permanent()
}

func uploads(t *testing.T, h Harness) {
	p := h.Start(t, Config{Handler: &Script{}})
	s := need[Sender](t, p, Uploads)
	want := ExportFile()
	check := func(where, to string) {
		t.Helper()
		got := s.Files(to)
		if len(got) != 1 || got[0].Name != want.Name || string(got[0].Data) != string(want.Data) {
			t.Errorf("%s: files %+v, want %s byte for byte", where, got, want.Name)
		}
	}
	p.Command("a", Export)
	check("a command's answer", "a")
	short := bot.Block{Kind: bot.BlockMarkdown, Text: "The table is attached as `progress-spring.csv`."}
	ctx := context.Background()
	if err := s.Send(ctx, p.Learner("b"), []bot.Reply{{Blocks: []bot.Block{short}, File: ExportFile()}}); err != nil {
		t.Fatalf("Send: %v", err)
	}
	check("a direct message", "b")
	if err := s.SendChannel(ctx, s.Channel(), []bot.Reply{{Title: "Weekly export", Blocks: []bot.Block{short}, File: ExportFile()}}); err != nil {
		t.Fatalf("SendChannel: %v", err)
	}
	check("a channel", s.Channel())
}

func uploadLimits(t *testing.T, h Harness) {
	p := h.Start(t, Config{Handler: &Script{}})
	s := need[Sender](t, p, UploadLimits)
	ctx := context.Background()
	for _, bad := range []*bot.File{{Name: "empty.csv"}, {Name: "huge.csv", Data: make([]byte, bot.MaxFileSize+1)}} {
		short := bot.Block{Kind: bot.BlockMarkdown, Text: "attached"}
		err := s.SendChannel(ctx, s.Channel(), []bot.Reply{{Blocks: []bot.Block{short}, File: bad}})
		if err == nil || !strings.Contains(err.Error(), bad.Name) || !delivery.IsPermanent(err) {
			t.Errorf("%s: err = %v, want a permanent one naming the file (no retry makes a bad file good)", bad.Name, err)
		}
	}
	if got := s.Files(s.Channel()); len(got) != 0 {
		t.Errorf("refused files reached the channel: %+v", got)
	}
}

func liveEdits(t *testing.T, h Harness) {
	clk := NewClock(time.Unix(1_750_000_000, 0))
	words := strings.Fields(strings.Repeat("the tutor writes this reply ", 8))
	for i := range words {
		words[i] += " "
	}
	// The finished text is longer than a message or section may be.
	words = append(words, strings.Repeat("long ", 600))
	w := &Writer{Clock: clk, Words: words}
	s := &Script{Live: w}
	p := h.Start(t, Config{Handler: s, Clock: clk})
	an, ed := need[Answerer](t, p, LiveEdits), need[Editor](t, p, LiveEdits)
	w.Edits = func() int {
		n := 0
		for _, post := range p.Thread("a", Lesson) {
			n += post.Edits
		}
		return n
	}
	p.Command("a", Start)
	an.Answer("a", "a", Lesson, "my answer")
	w.CheckPace(t, ed.EditInterval())
	thread := p.Thread("a", Lesson)
	final := strings.Join(words, "")
	live := -1
	var all strings.Builder
	for i, post := range thread {
		if live < 0 && post.Edits > 0 && strings.Contains(post.Text, final[:40]) {
			live = i
		}
		if live >= 0 {
			all.WriteString(post.Text)
		}
	}
	if live < 0 {
		t.Fatalf("no edited post holds the text's start %q: %+v", final[:40], thread)
	}
	if squeeze(all.String()) == "" || !strings.Contains(squeeze(all.String()), squeeze(final)) {
		t.Errorf("the posts from the live reply on do not hold the finished text: %+v", thread[live:])
	}
	if want := len(w.EditTimes()) + 1; thread[live].Edits != want {
		t.Errorf("the live reply was edited %d times, want %d (the paced edits and the finished text)", thread[live].Edits, want)
	}
	last := thread[len(thread)-1]
	if !slices.Contains(last.Buttons, "Next") || live == len(thread)-1 {
		t.Errorf("the thread's last post %+v, after the live reply's, should hold the card's Next", last)
	}
}

// squeeze drops the white space of s: platforms split long text between
// words and at line ends.
func squeeze(s string) string { return strings.Join(strings.Fields(s), "") }

func restart(t *testing.T, h Harness) {
	s := &Script{}
	p := h.Start(t, Config{Handler: s})
	an, pr, rs := need[Answerer](t, p, Restart), need[Presser](t, p, Restart), need[Restarter](t, p, Restart)
	p.Command("a", Start)
	before := len(p.Thread("a", Lesson))
	rs.Restart()
	a := p.Learner("a").Key()
	n := len(s.Got())
	an.Answer("a", "a", Lesson, "my answer after the restart")
	got := s.Got()[n:]
	if len(got) != 1 || got[0].Learner.Key() != a || got[0].Kind != bot.KindText || got[0].Lesson != Lesson || strings.TrimSpace(got[0].Text) != "my answer after the restart" {
		t.Fatalf("the answer after the restart reached the handler as %+v", got)
	}
	thread := p.Thread("a", Lesson)
	if len(thread) <= before || !strings.Contains(thread[len(thread)-1].Text, "Saved your answer.") {
		t.Errorf("the reply to the answer is not in a's thread: %+v", thread)
	}
	n = len(s.Got())
	an.Answer("b", "a", Lesson, "not a's answer")
	if got := s.Got()[n:]; len(got) != 0 {
		t.Errorf("b writing in a's thread reached the handler: %+v", got)
	}
	if told := pr.Press("a", "a", Lesson, bot.VerbNext); told != "" {
		t.Errorf("a's Next after the restart was told %q", told)
	}
	if got := s.Got()[n:]; len(got) != 1 || got[0].Kind != bot.KindAction || got[0].Learner.Key() != a {
		t.Errorf("a's Next after the restart reached the handler as %+v", got)
	}
}

func secrets(t *testing.T, h Harness) {
	answer := "my private answer 4521"
	s := &Script{}
	p := h.Start(t, Config{Handler: s})
	secret := strings.Join(p.Secrets(), " ")
	s.Err = errors.New("store: disk on fire " + secret)
	p.Command("a", Start)
	if an, ok := p.(Answerer); ok {
		an.Answer("a", "a", Lesson, answer)
		if got := Texts(s.Got()); !slices.Contains(got, answer) {
			t.Fatalf("the answer did not reach the handler: %q", got)
		}
	}
	told := p.Command("a", Fail)
	if told == "" || strings.Contains(told, "disk on fire") {
		t.Errorf("a handler failure was told as %q, want one sentence without the error", told)
	}
	logs := p.Logs()
	if !strings.Contains(logs, "disk on fire") {
		t.Errorf("the log lacks the failure's detail:\n%s", logs)
	}
	for _, sec := range p.Secrets() {
		if sec != "" && strings.Contains(logs+told, sec) {
			t.Errorf("a secret (%d characters, starting %.4q) reached the log or the learner", len(sec), sec)
		}
	}
	if strings.Contains(logs, answer) {
		t.Error("a learner's answer reached the log")
	}
}

func shutdown(t *testing.T, h Harness) {
	s := &Script{}
	p := h.Start(t, Config{Handler: s})
	cl := need[Closer](t, p, Shutdown)
	answer, kept := cl.Shutdown("a")
	if !strings.Contains(answer, "restarting") {
		t.Errorf("a command after shutdown was told %q, want that the bot is restarting", answer)
	}
	if kept != 0 {
		t.Errorf("%d requests kept for a pipeline that will not run them", kept)
	}
	if got := s.Got(); len(got) != 0 {
		t.Errorf("the handler got %+v after shutdown", got)
	}
}
