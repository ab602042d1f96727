// Package links lets one learner be one learner on Slack, Discord and the
// console: /link gives a one-time code, /link CODE typed on another
// account joins the two, /unlink splits them again. The store keeps a
// person's data under one key and resolves every linked identity to it
// (store/links.go), so the engine and every other feature see one record
// whichever account a message comes from. See docs/identity.md.
package links

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"time"

	"github.com/coursebot/coursebot"
	"github.com/coursebot/coursebot/bot"
	"github.com/coursebot/coursebot/store"
)

// Commands and the unlink confirmation's button verb.
const (
	LinkCommand       = "link"
	LinkDescription   = "Be one learner on Slack, Discord and the console: /link gives a code, /link CODE on your other account joins them"
	UnlinkCommand     = "unlink"
	UnlinkDescription = "Split this account from the accounts it is linked with (your data stays here)"
	verbUnlink        = "unlink"
)

// Store is what the handler needs (*store.DB).
type Store interface {
	Person(ctx context.Context, learner string) (string, []string, error)
	IssueLinkCode(ctx context.Context, identity, hash string, now time.Time, lim store.LinkLimits) error
	RedeemLinkCode(ctx context.Context, redeemer, hash string, now time.Time, lim store.LinkLimits) (store.LinkResult, error)
	Unlink(ctx context.Context, identity string) (store.UnlinkResult, error)
}

// Options configure the handler.
type Options struct {
	Store  Store
	Limits store.LinkLimits // zero fields take DefaultLimits'
	Now    func() time.Time
	Rand   io.Reader // code source, default crypto/rand
	Log    *slog.Logger
}

// DefaultLimits: a code lives 10 minutes; an identity may ask for 5 codes
// and type 5 wrong ones an hour.
var DefaultLimits = store.LinkLimits{TTL: 10 * time.Minute, IssueLimit: 5, FailLimit: 5, Window: time.Hour}

// Handler answers /link and /unlink and their button (the routing table
// sends it nothing else; a next handler, when given, gets the rest).
type Handler struct {
	next bot.Handler
	o    Options
}

var _ bot.Handler = (*Handler)(nil)

// New returns the handler, in front of next (nil when the routing table
// sends it only its own messages).
func New(next bot.Handler, o Options) (*Handler, error) {
	if o.Store == nil {
		return nil, errors.New("links: Store is required")
	}
	d := DefaultLimits
	if o.Limits.TTL <= 0 {
		o.Limits.TTL = d.TTL
	}
	if o.Limits.IssueLimit <= 0 {
		o.Limits.IssueLimit = d.IssueLimit
	}
	if o.Limits.FailLimit <= 0 {
		o.Limits.FailLimit = d.FailLimit
	}
	if o.Limits.Window <= 0 {
		o.Limits.Window = d.Window
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Rand == nil {
		o.Rand = rand.Reader
	}
	if o.Log == nil {
		o.Log = slog.Default()
	}
	return &Handler{next: next, o: o}, nil
}

// Commands are /link and /unlink for the routing table (and so /help,
// Slack's manifest and Discord's registration).
func Commands() []bot.Command {
	return []bot.Command{
		{Name: LinkCommand, Description: LinkDescription, Usage: "[CODE]", UsageHelp: "the code /link gave you on your other account"},
		{Name: UnlinkCommand, Description: UnlinkDescription},
	}
}

// Verb is the action of the unlink confirmation's buttons.
const Verb = verbUnlink

// Handle implements bot.Handler.
func (h *Handler) Handle(ctx context.Context, m bot.Message) ([]bot.Reply, error) {
	switch m.Kind {
	case bot.KindCommand:
		switch m.Command { // normalised by the adapter (bot.CommandName)
		case LinkCommand:
			if code := strings.TrimSpace(m.Args); code != "" {
				return h.redeem(ctx, m.Learner, code)
			}
			return h.issue(ctx, m.Learner)
		case UnlinkCommand:
			return h.askUnlink(ctx, m.Learner)
		}
	case bot.KindAction:
		if a, err := bot.ParseAction(m.Action); err == nil && a.Verb == verbUnlink {
			return h.unlink(ctx, m.Learner, a.Value == "yes")
		}
	}
	if h.next == nil {
		return nil, errors.New("links: not /link, /unlink or their button (a wrong route)")
	}
	return h.next.Handle(ctx, m)
}

// codeAlphabet has no 0/O or 1/I/L: a code is read off one screen and
// typed on another. 8 symbols of 31 are almost 40 bits.
const codeAlphabet = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"

// newCode draws a code: "K7QX-2M9P".
func (h *Handler) newCode() (string, error) {
	out := make([]byte, 0, 9)
	var b [1]byte
	for len(out) < 9 {
		if len(out) == 4 {
			out = append(out, '-')
		}
		if _, err := io.ReadFull(h.o.Rand, b[:]); err != nil {
			return "", fmt.Errorf("draw a link code: %w", err)
		}
		if int(b[0]) >= 256/len(codeAlphabet)*len(codeAlphabet) {
			continue // no symbol more likely than another
		}
		out = append(out, codeAlphabet[int(b[0])%len(codeAlphabet)])
	}
	return string(out), nil
}

// hash is what the store keeps of a code: SHA-256 of the code as typed,
// upper-cased, without spaces or dashes. The code itself is never stored
// or logged.
func hash(code string) string {
	norm := strings.Map(func(r rune) rune {
		if r == '-' || r == ' ' || r == '`' || r == '*' {
			return -1
		}
		return r
	}, strings.ToUpper(strings.TrimSpace(code)))
	sum := sha256.Sum256([]byte(norm))
	return hex.EncodeToString(sum[:])
}

func (h *Handler) issue(ctx context.Context, who coursebot.Learner) ([]bot.Reply, error) {
	_, ids, err := h.o.Store.Person(ctx, who.Key())
	if err != nil {
		return nil, err
	}
	code, err := h.newCode()
	if err != nil {
		return nil, err
	}
	now := h.o.Now()
	err = h.o.Store.IssueLinkCode(ctx, who.Key(), hash(code), now, h.o.Limits)
	var rl *store.RateLimitError
	if errors.As(err, &rl) {
		return notice(fmt.Sprintf("You asked for %d link codes in the last %s: try again in %s.", h.o.Limits.IssueLimit, duration(h.o.Limits.Window), duration(rl.Retry.Sub(now)))), nil
	}
	if err != nil {
		return nil, err
	}
	h.o.Log.Info("link code issued") // never the code, never the learner's id here
	text := fmt.Sprintf("Your link code is **%s**. On your other account (Slack, Discord or the console), type `/%s %s` within %s. It works once, and a new /%s replaces it.\n\n"+
		"Linked accounts are one learner: your lessons, answers, ticks, ratings, quiz scores and cohorts from both are kept together (nothing is lost; where both went through a lesson, the further place wins), and either account continues where you are.",
		code, LinkCommand, code, duration(h.o.Limits.TTL), LinkCommand)
	if len(ids) > 1 {
		text += fmt.Sprintf("\n\nThis account is linked with %s already; the code adds another.", others(ids, who.Key()))
	}
	return []bot.Reply{{Ephemeral: true, Title: "Link your accounts", Blocks: []bot.Block{{Kind: bot.BlockMarkdown, Text: text}}}}, nil
}

func (h *Handler) redeem(ctx context.Context, who coursebot.Learner, code string) ([]bot.Reply, error) {
	now := h.o.Now()
	res, err := h.o.Store.RedeemLinkCode(ctx, who.Key(), hash(code), now, h.o.Limits)
	if msg := refusal(err, now, who, h.o.Limits.TTL); msg != "" {
		h.o.Log.Info("link code refused", "reason", reason(err))
		return refused(msg + " Nothing was changed."), nil
	}
	if err != nil {
		return nil, err
	}
	h.o.Log.Info("accounts linked", "identities", len(res.Identities))
	text := fmt.Sprintf("Linked: this %s account and %s are one learner now. /status shows everything from both; a lesson continues where you are, in its own thread here. /%s splits them again.",
		platformName(who.Platform), others(res.Identities, who.Key()), UnlinkCommand)
	return []bot.Reply{{Ephemeral: true, Title: "Accounts linked", Blocks: []bot.Block{{Kind: bot.BlockMarkdown, Text: text}}}}, nil
}

// refusal is the sentence for why a code linked nothing, "" when err is
// not such a reason.
func refusal(err error, now time.Time, who coursebot.Learner, ttl time.Duration) string {
	var rl *store.RateLimitError
	switch {
	case err == nil:
		return ""
	case errors.As(err, &rl):
		return fmt.Sprintf("Too many wrong codes: try again in %s.", duration(rl.Retry.Sub(now)))
	case errors.Is(err, store.ErrCodeUnknown):
		return fmt.Sprintf("That is not a code I gave out: check it, or type /%s on your other account for a new one.", LinkCommand)
	case errors.Is(err, store.ErrCodeExpired):
		return fmt.Sprintf("That code has expired (a code lasts %s, and a newer one replaces it): type /%s on your other account for a new one.", duration(ttl), LinkCommand)
	case errors.Is(err, store.ErrCodeUsed):
		return fmt.Sprintf("That code was used already; each works once. Type /%s on your other account for a new one.", LinkCommand)
	case errors.Is(err, store.ErrCodeOwn):
		return fmt.Sprintf("That code is for your other account: type `/%s CODE` there, not on the account that asked for it.", LinkCommand)
	case errors.Is(err, store.ErrSamePlatform):
		return fmt.Sprintf("That code came from another %s account: a code links accounts on two different platforms (Slack, Discord, the console).", platformName(who.Platform))
	case errors.Is(err, store.ErrLinkedAlready):
		return "These accounts are one learner already."
	case errors.Is(err, store.ErrLinkedElsewhere):
		return fmt.Sprintf("This account is linked with another account already: type /%s here first to link it elsewhere.", UnlinkCommand)
	}
	return ""
}

func reason(err error) string {
	for _, r := range []struct {
		err  error
		name string
	}{{store.ErrCodeUnknown, "unknown"}, {store.ErrCodeExpired, "expired"}, {store.ErrCodeUsed, "used"}, {store.ErrCodeOwn, "own"},
		{store.ErrSamePlatform, "same_platform"}, {store.ErrLinkedAlready, "linked_already"}, {store.ErrLinkedElsewhere, "linked_elsewhere"}} {
		if errors.Is(err, r.err) {
			return r.name
		}
	}
	return "rate_limited"
}

func (h *Handler) askUnlink(ctx context.Context, who coursebot.Learner) ([]bot.Reply, error) {
	_, ids, err := h.o.Store.Person(ctx, who.Key())
	if err != nil {
		return nil, err
	}
	if len(ids) < 2 {
		return refused("This account is not linked with another; nothing to unlink."), nil
	}
	text := fmt.Sprintf("Unlink this %s account from %s? Your lessons, answers, ticks, quiz scores and cohorts stay with this account, the one you are typing on; the other %s afresh, as a new learner.",
		platformName(who.Platform), others(ids, who.Key()), map[bool]string{true: "starts", false: "start"}[len(ids) == 2])
	return []bot.Reply{{Ephemeral: true, Title: "Unlink accounts", Blocks: []bot.Block{{Kind: bot.BlockMarkdown, Text: text}},
		Buttons: []bot.Button{
			{Label: "Unlink", Action: bot.Action{Verb: verbUnlink, Value: "yes"}.Encode(), Style: bot.StyleDanger},
			{Label: "Keep them linked", Action: bot.Action{Verb: verbUnlink, Value: "no"}.Encode()},
		}}}, nil
}

func (h *Handler) unlink(ctx context.Context, who coursebot.Learner, yes bool) ([]bot.Reply, error) {
	if !yes {
		return notice("Nothing was changed: your accounts stay linked."), nil
	}
	res, err := h.o.Store.Unlink(ctx, who.Key())
	if errors.Is(err, store.ErrNotLinked) {
		return refused("This account is not linked with another; nothing to unlink."), nil
	}
	if err != nil {
		return nil, err
	}
	h.o.Log.Info("accounts unlinked", "identities", len(res.Others)+1)
	return notice(fmt.Sprintf("Unlinked. Your data stays with this %s account; %s %s a new learner from now on. /%s links them again.",
		platformName(who.Platform), accounts(res.Others), map[bool]string{true: "is", false: "are"}[len(res.Others) == 1], LinkCommand)), nil
}

// others names the identities of ids but self: "your Slack account (U1)".
func others(ids []string, self string) string {
	var out []string
	for _, id := range ids {
		if id != self {
			out = append(out, id)
		}
	}
	return accounts(out)
}

func accounts(ids []string) string {
	var out []string
	for _, id := range ids {
		l, ok := coursebot.ParseLearnerKey(id)
		if !ok {
			continue
		}
		out = append(out, fmt.Sprintf("your %s account (%s)", platformName(l.Platform), l.UserID))
	}
	switch len(out) {
	case 0:
		return "your other account"
	case 1:
		return out[0]
	}
	return strings.Join(out[:len(out)-1], ", ") + " and " + out[len(out)-1]
}

func platformName(p string) string {
	switch p {
	case "slack":
		return "Slack"
	case "discord":
		return "Discord"
	case "console":
		return "console"
	}
	return p
}

func notice(text string) []bot.Reply {
	return []bot.Reply{{Ephemeral: true, Blocks: []bot.Block{{Kind: bot.BlockMarkdown, Text: text}}}}
}

func refused(text string) []bot.Reply {
	r := notice(text)
	r[0].Refused = true
	return r
}

// duration says d for a person, rounded up: "40 s", "10 min", "2 h".
func duration(d time.Duration) string {
	switch {
	case d < time.Minute:
		return fmt.Sprintf("%d s", max(1, int((d+time.Second-1)/time.Second)))
	case d < time.Hour:
		return fmt.Sprintf("%d min", int((d+time.Minute-1)/time.Minute))
	}
	return fmt.Sprintf("%d h", int((d+time.Hour-1)/time.Hour))
}
