// Package discord is coursebot's Discord adapter: slash commands, buttons,
// answer modals and thread replies in, lesson cards out, either over the
// gateway (discordgo's websocket session) or through the HTTP interactions
// endpoint (POST /discord/interactions, Ed25519-signed by Discord).
//
// Each learner gets one thread per lesson; the thread is remembered in the
// Store so a reply in that thread maps back to the learner and lesson after a
// restart. Work for one learner runs in order on that learner's worker; a
// rate limit or a slow call for one learner never holds up another.
package discord

import (
	"context"
	"crypto/ed25519"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/bwmarrin/discordgo"
	"github.com/gorilla/websocket"

	"github.com/coursebot/coursebot"
	"github.com/coursebot/coursebot/bot"
	"github.com/coursebot/coursebot/delivery"
	"github.com/coursebot/coursebot/internal/recent"
	"github.com/coursebot/coursebot/internal/recovery"
	"github.com/coursebot/coursebot/ratelimit"
)

// Platform is the coursebot.Learner platform name of Discord users.
const Platform = "discord"

// DefaultAPIURL is Discord's REST base.
const DefaultAPIURL = "https://discord.com/api/v10/"

// Modes.
const (
	ModeGateway = "gateway"
	ModeHTTP    = "http"
)

// Store is the persistence the adapter needs: the learner+lesson ↔ thread
// mapping. (Repeated interactions and messages are dropped by the inbox,
// delivery.Item.Dedup.) *store.DB implements it.
type Store interface {
	// PutThread remembers a learner's thread for a lesson.
	PutThread(ctx context.Context, t coursebot.Thread) error
	// ThreadFor finds the thread of learner (coursebot.Learner.Key) for lesson.
	ThreadFor(ctx context.Context, platform, learner, lesson string) (coursebot.Thread, bool, error)
	// ThreadAt finds the thread record by its channel and thread id.
	ThreadAt(ctx context.Context, platform, channel, threadID string) (coursebot.Thread, bool, error)
}

// Command is one slash command to register and accept.
type Command struct {
	Name        string // without the slash: "start-4-4"
	Description string // 1-100 characters (longer ones are cut)
	// Usage is a usage hint; "[topic]" registers an optional string option
	// "topic", "<topic>" a required one, "" none.
	Usage string
	// UsageHelp describes the option in a few words ("on or off"); ""
	// uses the option's name.
	UsageHelp string
	// Lesson marks a lesson command. Every command is answered
	// ephemerally (a refusal is for the learner only); a lesson's public
	// thread starts from a starter message of its own.
	Lesson bool
}

// Options configure an Adapter. Token and PublicKey are secrets: they are
// never logged or put into errors.
type Options struct {
	Token         string // bot token, without "Bot "
	PublicKey     string // application public key, hex (http mode)
	ApplicationID string
	APIURL        string // REST base, default DefaultAPIURL
	Mode          string // ModeGateway or ModeHTTP
	// GuildIDs registers commands per guild; empty registers globally.
	GuildIDs []string
	// PrivateThreads opens a private thread per learner and lesson when
	// the channel allows it; otherwise (or when false) a public thread on
	// the command's reply.
	PrivateThreads bool
	Handler        bot.Handler
	Store          Store
	Commands       []Command
	// Forms are the forms buttons open (bot.Form): a press answers with a
	// modal of one Label and text input; its submission is the form's
	// command.
	Forms bot.Forms
	// HTTPClient carries every REST call (and the gateway URL lookup).
	// Tests pass one whose transport reaches an httptest server.
	HTTPClient *http.Client
	Now        func() time.Time
	Log        *slog.Logger
	// Panics receives every panic a worker recovers (counted and logged
	// once; see recovery.Panics). Default: logged to Log.
	Panics *recovery.Panics
	// MaxRetries bounds retries of a REST call after 5xx/network errors
	// (default 5); Sleep is the clock of the retry waits (default Clock's).
	// Both set the delivery.Policy every REST call runs under.
	MaxRetries int
	Sleep      func(ctx context.Context, d time.Duration) error
	// Limits are the bot's global REST budget every call is paced by, with
	// each route's budget as Discord announces it (zero fields: Discord's
	// documented ones, see ratelimit.DiscordLimits); Clock is the time
	// they are counted in (default the wall clock); RateObserver, when
	// set, is told of waits, 429s and skipped calls (/metrics).
	Limits       ratelimit.DiscordLimits
	Clock        ratelimit.Clock
	RateObserver ratelimit.Observer
	// Inbox is the delivery pipeline shared with the other platforms
	// (cmd/coursebot wires one over the store and recovers it). When nil,
	// the adapter makes its own with Workers workers (default 64), over
	// Store when that keeps an inbox (delivery.Store), else in memory, and
	// Run recovers it.
	Inbox   *delivery.Inbox
	Workers int
	// Dialer dials the gateway websocket (default websocket.DefaultDialer).
	Dialer *websocket.Dialer
}

// Adapter connects one Discord application to a bot.Handler.
type Adapter struct {
	opts      Options
	log       *slog.Logger
	now       func() time.Time
	publicKey ed25519.PublicKey
	session   *discordgo.Session
	commands  map[string]Command
	rest      *rest

	in       *delivery.Inbox
	q        *delivery.Queue
	ownQueue bool                                              // made by New: closed by Close
	recent   *recent.Map[string, struct{}]                     // the last ids delivered: drops duplicates before they cost an acknowledgement (the store's dedup is the durable check)
	cards    *recent.Map[string, []discordgo.MessageComponent] // the buttons of the cards posted lately, by message id: disabled without fetching them

	notTaken chan notice // typed messages the inbox refused: the learner is told (nottaken.go)

	mu      sync.Mutex
	botUser string // our own user id (from READY), to ignore our messages
}

// New checks opts and returns an adapter. It does not touch the network.
func New(opts Options) (*Adapter, error) {
	if opts.Mode == "" {
		opts.Mode = ModeGateway
	}
	if opts.Mode != ModeGateway && opts.Mode != ModeHTTP {
		return nil, fmt.Errorf("discord: mode %q: want %q or %q", opts.Mode, ModeGateway, ModeHTTP)
	}
	if opts.Token == "" {
		return nil, errors.New("discord: missing bot token (DISCORD_TOKEN)")
	}
	if opts.ApplicationID == "" {
		return nil, errors.New("discord: missing application id (discord.application_id)")
	}
	if opts.Handler == nil || opts.Store == nil {
		return nil, errors.New("discord: Handler and Store are required")
	}
	var pub ed25519.PublicKey
	if opts.Mode == ModeHTTP || opts.PublicKey != "" {
		k, err := hex.DecodeString(strings.TrimSpace(opts.PublicKey))
		if err != nil || len(k) != ed25519.PublicKeySize {
			// Never echo the key itself.
			return nil, errors.New("discord: public key (DISCORD_PUBLIC_KEY) must be 64 hex characters")
		}
		pub = ed25519.PublicKey(k)
	}
	if opts.APIURL == "" {
		opts.APIURL = DefaultAPIURL
	}
	if !strings.HasSuffix(opts.APIURL, "/") {
		opts.APIURL += "/"
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Log == nil {
		opts.Log = slog.Default()
	}
	if opts.MaxRetries <= 0 {
		opts.MaxRetries = 5
	}
	if opts.Clock == nil {
		opts.Clock = ratelimit.Real()
	}
	if opts.Sleep == nil {
		clock := opts.Clock
		opts.Sleep = func(ctx context.Context, d time.Duration) error { return ratelimit.Sleep(ctx, clock, d) }
	}
	if err := validateCommands(opts.Commands); err != nil {
		return nil, err
	}
	log := opts.Log.With("platform", Platform)

	s, err := discordgo.New("Bot " + opts.Token)
	if err != nil {
		return nil, errors.New("discord: create session")
	}
	s.Client, _ = rewriteClient(opts.HTTPClient, opts.APIURL, opts.Limits,
		ratelimit.Options{Limiter: ratelimit.New(opts.Clock), Observer: opts.RateObserver})
	s.ShouldRetryOnRateLimit = false // we retry ourselves, per learner, honouring ctx
	s.MaxRestRetries = 0             // 5xx retries are ours too (with a nonce)
	s.SyncEvents = true              // keep gateway order; handlers only enqueue
	s.StateEnabled = false
	s.LogLevel = discordgo.LogError
	s.Identify.Intents = Intents
	if opts.Dialer != nil {
		s.Dialer = opts.Dialer
	}

	cmds := make(map[string]Command, len(opts.Commands))
	for _, c := range opts.Commands {
		cmds[c.Name] = c
	}
	a := &Adapter{
		opts:      opts,
		log:       log,
		now:       opts.Now,
		publicKey: pub,
		session:   s,
		commands:  cmds,
		rest: &rest{s: s, policy: delivery.Policy{Attempts: opts.MaxRetries + 1, Backoff: 100 * time.Millisecond, MaxBackoff: 5 * time.Second, Sleep: opts.Sleep,
			OnRetry: func(op string, attempt int, wait time.Duration, err error) {
				log.Debug("discord retry", "op", op, "attempt", attempt, "wait", wait, "err", err)
			}}},
		recent: recent.New[string, struct{}](4096), notTaken: make(chan notice, notTakenLen),
		cards: recent.New[string, []discordgo.MessageComponent](4096),
	}
	a.in = opts.Inbox
	if a.in == nil {
		a.ownQueue = true
		var st delivery.Store = delivery.NewMemStore()
		if ds, ok := opts.Store.(delivery.Store); ok {
			st = ds // *store.DB: durable
		}
		a.in = delivery.NewInbox(delivery.InboxOptions{Store: st, Now: opts.Now, Log: log, Panics: opts.Panics,
			Queue: delivery.NewQueue(delivery.QueueOptions{Workers: opts.Workers, Log: log, Panics: opts.Panics})})
	}
	a.q = a.in.Queue()
	a.in.Register(Platform, delivery.ProcessorFunc(a.processItem))
	return a, nil
}

// Intents are the gateway intents the adapter asks for. MESSAGE_CONTENT is
// privileged: enable it in the Developer Portal (docs/discord.md), or thread
// replies arrive empty and learners answer through the Answer modal.
const Intents = discordgo.IntentGuilds | discordgo.IntentGuildMessages |
	discordgo.IntentDirectMessages | discordgo.IntentMessageContent

// Run serves until ctx is done. In gateway mode it opens the discordgo
// session (which reconnects by itself) and closes it at the end; in http mode
// the endpoint from Routes does the receiving and Run only bounds the
// workers' lifetime. Either way, queued work is finished before Run returns.
func (a *Adapter) Run(ctx context.Context) error {
	if a.ownQueue {
		if _, err := a.in.Recover(context.WithoutCancel(ctx)); err != nil {
			a.Close()
			return fmt.Errorf("discord: %w", err)
		}
	}
	if a.opts.Mode == ModeGateway {
		stop, told := make(chan struct{}), make(chan struct{})
		go func() { defer close(told); a.tellNotTaken(stop) }()
		defer func() { close(stop); <-told }()
		a.session.AddHandler(a.onReady)
		a.session.AddHandler(a.onEvent)
		if err := a.session.Open(); err != nil {
			a.Close()
			return fmt.Errorf("discord: open gateway: %w", sanitize(err))
		}
		a.log.Info("gateway connected")
		<-ctx.Done()
		if err := a.session.Close(); err != nil {
			a.log.Warn("gateway close", "err", sanitize(err))
		}
	} else {
		<-ctx.Done()
	}
	a.Close()
	return nil
}

// Close stops the adapter's own pipeline (running work gets 10 s; work not
// started stays in the inbox). A shared pipeline is closed by its owner.
func (a *Adapter) Close() {
	if a.ownQueue {
		a.q.Close(10 * time.Second)
	}
}

func (a *Adapter) onReady(_ *discordgo.Session, r *discordgo.Ready) {
	if r.User != nil {
		a.mu.Lock()
		a.botUser = r.User.ID
		a.mu.Unlock()
	}
}

func (a *Adapter) ownUserID() string {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.botUser
}
