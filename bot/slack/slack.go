// Package slack is the Slack adapter: it takes slash commands, button
// presses, modal submissions and thread replies from Slack (over HTTP with
// signed requests, or over Socket Mode), hands them to a bot.Handler (the
// lesson engine) and posts the replies as Block Kit messages in a lesson
// thread.
//
// Every verified request is committed to the delivery inbox and then
// acknowledged; the work runs afterwards on the learner's worker of the
// delivery pipeline, so one learner's replies arrive in order, a slow Slack
// Web API never delays an acknowledgement, and acknowledged work survives a
// crash. See docs/slack.md and docs/delivery.md.
package slack

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"sync/atomic"
	"time"

	"github.com/slack-go/slack"

	"github.com/coursebot/coursebot"
	"github.com/coursebot/coursebot/bot"
	"github.com/coursebot/coursebot/delivery"
	"github.com/coursebot/coursebot/internal/recent"
	"github.com/coursebot/coursebot/internal/recovery"
	"github.com/coursebot/coursebot/ratelimit"
)

// Platform is the coursebot.Learner.Platform of Slack users.
const Platform = "slack"

// Placement values: where a lesson thread is opened.
const (
	PlaceDM      = "dm"
	PlaceChannel = "channel"
)

// Modes.
const (
	ModeHTTP   = "http"
	ModeSocket = "socket"
)

// Store is what the adapter keeps durably: where each learner's lesson
// thread is. (Retried events and double-clicked buttons are dropped by the
// inbox, delivery.Item.Dedup.) *store.DB implements it.
type Store interface {
	PutThread(ctx context.Context, t coursebot.Thread) error
	ThreadFor(ctx context.Context, platform, learner, lesson string) (coursebot.Thread, bool, error)
	ThreadAt(ctx context.Context, platform, channel, threadID string) (coursebot.Thread, bool, error)
}

// Command is a slash command for the app manifest. Whatever the list, a
// command named "start-…" is acknowledged as starting a lesson and the rest
// are answered in place; the handler decides what each does.
type Command struct {
	Name        string // without the slash
	Description string
	Usage       string
	// Opens marks a start command whose lesson has its material: it is
	// answered "Starting Lesson X.Y … it opens …" at once, in the
	// command's HTTP response, before the engine has run. Any other
	// command waits (up to FastAnswer) for the engine's own answer.
	Opens bool
}

// Options configure an Adapter.
type Options struct {
	BotToken      string // xoxb-...: Web API
	SigningSecret string // HTTP mode: verifies requests
	AppToken      string // xapp-...: Socket Mode
	APIURL        string // Web API base, default Slack's own ("https://slack.com/api/")
	Mode          string // ModeHTTP (default) or ModeSocket

	// Placement is where lesson threads open by default: PlaceDM (default)
	// or PlaceChannel (the channel the command was typed in).
	// ChannelPlacement (by channel id) and then LessonPlacement (by lesson
	// id, "4-4") override it.
	Placement        string
	ChannelPlacement map[string]string
	LessonPlacement  map[string]string

	Handler  bot.Handler
	Store    Store
	Commands []Command
	// Forms are the forms buttons open (bot.Form): a press opens a modal
	// with one text field; its submission is the form's command.
	Forms bot.Forms
	Now   func() time.Time // default time.Now
	Log   *slog.Logger     // default slog.Default()
	// Panics receives every panic a worker recovers (counted and logged
	// once; see recovery.Panics). Default: logged to Log.
	Panics *recovery.Panics

	// HTTPClient is used for the Web API and response_url (default
	// http.DefaultTransport's). The adapter puts its rate limiter in front
	// of its transport and bounds each call by CallTimeout instead of the
	// client's Timeout, which would count the wait for a budget.
	HTTPClient *http.Client
	// FastAnswer is how long a status/help command waits for its answer to
	// put it in the HTTP response before falling back to response_url.
	// Default 2 s (Slack allows 3).
	FastAnswer time.Duration
	// CallTimeout bounds one Web API call once its budget is there
	// (default 10 s). Backoff (the first retry delay after a 5xx or
	// timeout, doubled each time; default 500 ms), Attempts (the tries of
	// one call; default 5) and Sleep (the clock of the waits; default
	// Clock's) set the delivery.Policy every call runs under.
	CallTimeout time.Duration
	Backoff     time.Duration
	Attempts    int
	Sleep       func(ctx context.Context, d time.Duration) error
	// Limits are the workspace's Web API limits every call is paced by
	// (zero fields: Slack's documented ones, see ratelimit.SlackLimits);
	// Clock is the time they are counted in (default the wall clock);
	// RateObserver, when set, is told of waits, 429s and skipped calls
	// (/metrics).
	Limits       ratelimit.SlackLimits
	Clock        ratelimit.Clock
	RateObserver ratelimit.Observer
	// Inbox is the delivery pipeline shared with the other platforms
	// (cmd/coursebot wires one over the store and recovers it). When nil,
	// the adapter makes its own with Workers workers (default 64), over
	// Store when that keeps an inbox (delivery.Store), else in memory, and
	// Run recovers it.
	Inbox   *delivery.Inbox
	Workers int
}

// Adapter connects Slack to a bot.Handler. Create it with New.
type Adapter struct {
	opts    Options
	api     *slack.Client
	ver     verifier
	log     *slog.Logger
	now     func() time.Time
	http    *http.Client
	secrets []string

	retry    delivery.Policy
	pace     *ratelimit.Transport // in front of every Web API call
	in       *delivery.Inbox
	q        *delivery.Queue
	ownQueue bool // made by New: closed by Run

	socketUp atomic.Bool                  // socket mode: connected to Slack
	dms      *recent.Map[string, string]  // learners' DM channels (user -> channel), from posts to them or conversations.open
	cards    *recent.Map[string, message] // the last message of recent cards (channel/ts), to disable its buttons
}

var _ bot.Sender = (*Adapter)(nil)

// setDefaults fills in what opts leaves out.
func (opts *Options) setDefaults() {
	if opts.Mode == "" {
		opts.Mode = ModeHTTP
	}
	if opts.Placement == "" {
		opts.Placement = PlaceDM
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Log == nil {
		opts.Log = slog.Default()
	}
	if opts.Clock == nil {
		opts.Clock = ratelimit.Real()
	}
	if opts.Sleep == nil {
		clock := opts.Clock
		opts.Sleep = func(ctx context.Context, d time.Duration) error { return ratelimit.Sleep(ctx, clock, d) }
	}
	if opts.FastAnswer <= 0 {
		opts.FastAnswer = 2 * time.Second
	}
	if opts.CallTimeout <= 0 {
		opts.CallTimeout = 10 * time.Second
	}
	if opts.Backoff <= 0 {
		opts.Backoff = 500 * time.Millisecond
	}
	if opts.Attempts <= 0 {
		opts.Attempts = 5
	}
}

// check names what is wrong with opts: a mode or placement it does not
// know, or a secret the mode needs that is missing.
func (opts *Options) check() error {
	switch {
	case opts.Mode != ModeHTTP && opts.Mode != ModeSocket:
		return fmt.Errorf("slack: mode %q: want %q or %q", opts.Mode, ModeHTTP, ModeSocket)
	case opts.BotToken == "":
		return errors.New("slack: SLACK_BOT_TOKEN is not set")
	case opts.Mode == ModeHTTP && opts.SigningSecret == "":
		return errors.New("slack: SLACK_SIGNING_SECRET is not set (needed in http mode)")
	case opts.Mode == ModeSocket && opts.AppToken == "":
		return errors.New("slack: SLACK_APP_TOKEN is not set (needed in socket mode)")
	case opts.Placement != PlaceDM && opts.Placement != PlaceChannel:
		return fmt.Errorf("slack: placement %q: want %q or %q", opts.Placement, PlaceDM, PlaceChannel)
	}
	for _, m := range []map[string]string{opts.ChannelPlacement, opts.LessonPlacement} {
		for k, p := range m {
			if p != PlaceDM && p != PlaceChannel {
				return fmt.Errorf("slack: placement %q for %q: want %q or %q", p, k, PlaceDM, PlaceChannel)
			}
		}
	}
	if opts.Handler == nil || opts.Store == nil {
		return errors.New("slack: Handler and Store are required")
	}
	return nil
}

// New checks opts and returns an adapter. It names the missing secret when
// one needed by the mode is absent.
func New(opts Options) (*Adapter, error) {
	opts.setDefaults()
	if err := opts.check(); err != nil {
		return nil, err
	}
	apiURL := slack.APIURL
	if opts.APIURL != "" {
		apiURL = opts.APIURL
		if !strings.HasSuffix(apiURL, "/") {
			apiURL += "/"
		}
	}
	hc := &http.Client{}
	if opts.HTTPClient != nil {
		*hc = *opts.HTTPClient
	}
	pace := ratelimit.NewSlack(apiURL, opts.Limits, ratelimit.Options{Next: hc.Transport,
		Limiter: ratelimit.New(opts.Clock), Observer: opts.RateObserver, Timeout: opts.CallTimeout})
	hc.Transport, hc.Timeout = pace, 0
	opts.HTTPClient = hc
	apiOpts := []slack.Option{slack.OptionHTTPClient(hc), slack.OptionAPIURL(apiURL)}
	if opts.AppToken != "" {
		apiOpts = append(apiOpts, slack.OptionAppLevelToken(opts.AppToken))
	}
	a := &Adapter{
		opts:  opts,
		api:   slack.New(opts.BotToken, apiOpts...),
		ver:   verifier{secret: []byte(opts.SigningSecret), now: opts.Now},
		log:   opts.Log.With("platform", Platform),
		now:   opts.Now,
		http:  opts.HTTPClient,
		pace:  pace,
		dms:   recent.New[string, string](dmCacheSize),
		cards: recent.New[string, message](cardsKept),
	}
	a.retry = delivery.Policy{Attempts: opts.Attempts, Backoff: opts.Backoff, Sleep: opts.Sleep,
		OnRetry: func(op string, attempt int, wait time.Duration, err error) {
			a.log.Warn("slack api retry", "op", op, "attempt", attempt, "wait", wait, "err", a.redact(err.Error()))
		}}
	a.in = opts.Inbox
	if a.in == nil {
		a.ownQueue = true
		var st delivery.Store = delivery.NewMemStore()
		if ds, ok := opts.Store.(delivery.Store); ok {
			st = ds // *store.DB: durable
		}
		a.in = delivery.NewInbox(delivery.InboxOptions{Store: st, Now: opts.Now, Log: a.log, Panics: opts.Panics,
			Queue: delivery.NewQueue(delivery.QueueOptions{Workers: opts.Workers, Log: a.log, Panics: opts.Panics})})
	}
	a.q = a.in.Queue()
	a.in.Register(Platform, delivery.ProcessorFunc(a.process))
	for _, s := range []string{opts.BotToken, opts.SigningSecret, opts.AppToken} {
		if s != "" {
			a.secrets = append(a.secrets, s)
		}
	}
	return a, nil
}

// Run serves until ctx is done: in socket mode it runs the Socket Mode
// connection (reconnecting as Slack asks); in http mode the routes do the
// work and Run only waits. Then it lets queued work finish (up to 10 s),
// stops the workers and returns.
func (a *Adapter) Run(ctx context.Context) error {
	if a.ownQueue {
		if _, err := a.in.Recover(context.WithoutCancel(ctx)); err != nil {
			return fmt.Errorf("slack: %w", err)
		}
	}
	var err error
	if a.opts.Mode == ModeSocket {
		err = a.runSocket(ctx)
	} else {
		<-ctx.Done()
	}
	if a.ownQueue {
		a.q.Close(10 * time.Second)
	}
	if errors.Is(err, context.Canceled) {
		err = nil
	}
	return err
}

// Send posts replies to a learner outside a request (nudges): lesson replies
// in the learner's lesson thread (a new one in their DM if none), the rest
// as a direct message. It waits until the replies are posted. The
// idempotency key in ctx (delivery.WithKey), if any, names the posts, so a
// repeat of the same send finds them instead of posting them again.
func (a *Adapter) Send(ctx context.Context, to coursebot.Learner, replies []bot.Reply) error {
	err := a.q.Do(ctx, to.Key(), func(ctx context.Context) error {
		return a.deliver(ctx, origin{learner: to}, replies)
	})
	if err != nil {
		return fmt.Errorf("slack: send to %s: %w", to.Key(), err)
	}
	return nil
}

// redact removes the adapter's secrets from s (errors from HTTP clients may
// echo what they were given); logs only ever get redacted text.
func (a *Adapter) redact(s string) string {
	for _, sec := range a.secrets {
		s = strings.ReplaceAll(s, sec, "<secret>")
	}
	return s
}

func (a *Adapter) logErr(msg string, err error, args ...any) {
	a.log.Error(msg, append(args, "err", a.redact(err.Error()))...)
}
