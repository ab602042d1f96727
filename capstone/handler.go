// Package capstone checks a learner's capstone repository: /capstone
// submit URL (or the Check my repository form on the card with the
// checklist) reads the repository through the GitHub REST API, ticks the
// checklist items the course's rules say it shows (lessons.RepoRule, from
// the course manifest), reports what is missing and the latest CI run in
// one message, and keeps the result in the learner's progress, where the
// cohort's leads see it. The handler stands in front of the rest (as the
// cohort layer and the tutor do); the network call runs in the delivery
// pipeline's worker, after the platform was answered, bounded by a
// timeout. See docs/learner-experience.md "The capstone check".
package capstone

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/coursebot/coursebot"
	"github.com/coursebot/coursebot/bot"
	"github.com/coursebot/coursebot/course"
)

// Command is the learner's command; FormName the form its button opens.
const (
	Command     = "capstone"
	Description = "Check your capstone repository on GitHub: /capstone submit URL"
	FormName    = "capstone-repo"
	verb        = "capstone" // the Check again button
)

// Store is what the handler reads and writes (*store.DB).
type Store interface {
	Learner(ctx context.Context, learner string) (coursebot.LearnerRecord, error)
	Progress(ctx context.Context, learner, lesson string) (coursebot.Progress, error)
	UpdateProgress(ctx context.Context, learner, lesson string, fn func(*coursebot.LearnerRecord, *coursebot.Progress) error) (coursebot.LearnerRecord, coursebot.Progress, error)
}

// Reader reads a repository (*GitHub).
type Reader interface {
	Host() string
	Read(ctx context.Context, r Repo) (Snapshot, error)
}

// Options configure the handler.
type Options struct {
	Store  Store
	Course func() *course.Course
	// GitHub reads repositories; nil switches the check off: /capstone
	// says so and cards get no button.
	GitHub Reader
	// Timeout bounds one check's calls to GitHub (default 20 s).
	Timeout time.Duration
	// Again is how soon a check of the same repository is answered from
	// the last one instead of asking GitHub again (default 10 s): a
	// double press costs no API calls.
	Again time.Duration
	Now   func() time.Time
	Log   *slog.Logger
	// Observe counts checks by result ("ok", or a Problem's Kind).
	Observe func(result string)
	// Cards shows the learner's current card (the engine, with its
	// buttons): after a check that ticked or unticked items of the card
	// the learner is on, that card follows the report, showing the ticks
	// as stored (the copy posted before shows them as they were). nil:
	// the report alone.
	Cards bot.Handler
}

// Handler answers /capstone and its buttons (Commands, Verb), as the
// routing table sends them, and adds the Check my repository button to
// cards with rules (Decorate). Anything else goes to next when there is
// one (a test in front of the engine), its replies decorated.
type Handler struct {
	next bot.Handler
	o    Options
}

var _ bot.Handler = (*Handler)(nil)

// DefaultTimeout and DefaultAgain are Options' defaults.
const (
	DefaultTimeout = 20 * time.Second
	DefaultAgain   = 10 * time.Second
)

// New returns the handler; next may be nil.
func New(next bot.Handler, o Options) (*Handler, error) {
	if o.Store == nil || o.Course == nil {
		return nil, errors.New("capstone: Store and Course are required")
	}
	if o.Timeout <= 0 {
		o.Timeout = DefaultTimeout
	}
	if o.Again <= 0 {
		o.Again = DefaultAgain
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Log == nil {
		o.Log = slog.Default()
	}
	if o.Observe == nil {
		o.Observe = func(string) {}
	}
	return &Handler{next: next, o: o}, nil
}

// Commands are the check's commands for the routing table when course c
// has something to check (repository rules). They are listed whether or
// not the check is switched on (as /stuck is with or without the tutor),
// so turning it on needs no new app manifest; off, /capstone says so.
func Commands(c *course.Course) []bot.Command {
	if len(c.RepoLessons()) == 0 {
		return nil
	}
	return []bot.Command{{Name: Command, Description: Description, Usage: "[submit URL | check]", UsageHelp: "submit and your repository's URL, or check"}}
}

// Verb is the action of the Check again button.
const Verb = verb

// Form is the form the Check my repository button opens.
func Form() bot.Form {
	return bot.Form{Name: FormName, Title: "Check my repository", Label: "Your repository's URL",
		Placeholder: "https://github.com/you/project", MaxLength: 300, Command: Command, Args: "submit"}
}

// Handle implements bot.Handler.
func (h *Handler) Handle(ctx context.Context, m bot.Message) ([]bot.Reply, error) {
	switch m.Kind {
	case bot.KindCommand:
		if m.Command == Command { // normalised by the adapter (bot.CommandName)
			if h.o.GitHub == nil {
				return refuse(m.Lesson, "The capstone check is switched off here (capstone.enabled): tick the checklist yourself, or ask your cohort's lead."), nil
			}
			return h.command(ctx, m)
		}
	case bot.KindAction:
		if a, err := bot.ParseAction(m.Action); err == nil && a.Verb == verb {
			m.Lesson = a.Lesson
			return h.run(ctx, m, "")
		}
	}
	if h.next == nil {
		return nil, errors.New("capstone: not the check's command or button (a wrong route)")
	}
	replies, err := h.next.Handle(ctx, m)
	if err != nil {
		return nil, err
	}
	return h.Decorate(replies), nil
}

// Decorate adds the Check my repository button to the cards that hold
// checklist items with rules (and offer buttons: an earlier card re-shown
// after a tick offers none).
func (h *Handler) Decorate(replies []bot.Reply) []bot.Reply {
	if h.o.GitHub == nil {
		return replies
	}
	loaded := h.o.Course()
	for i, r := range replies {
		if r.Lesson == "" || r.Card == "" || len(r.Buttons) == 0 {
			continue
		}
		if holdsRules(loaded, r.Lesson, r.Card) {
			replies[i].Buttons = append(append([]bot.Button(nil), r.Buttons...),
				bot.Button{Label: "Check my repository", Action: bot.FormAction(FormName, r.Lesson)})
		}
	}
	return replies
}

func holdsRules(c *course.Course, lesson, card string) bool {
	les, ok := c.Lessons[lesson]
	if !ok || len(les.Repository) == 0 {
		return false
	}
	cd := les.CardByKey(card)
	if cd == nil {
		return false
	}
	for _, b := range cd.Blocks {
		for _, it := range b.Items {
			for _, r := range les.Repository {
				if r.Item == it.ID {
					return true
				}
			}
		}
	}
	return false
}

// command answers /capstone [submit URL | check | URL].
func (h *Handler) command(ctx context.Context, m bot.Message) ([]bot.Reply, error) {
	word, rest, _ := strings.Cut(strings.TrimSpace(m.Args), " ")
	switch strings.ToLower(word) {
	case "":
		return h.show(ctx, m)
	case "submit":
		if strings.TrimSpace(rest) == "" {
			return refuse(m.Lesson, "Give your repository's URL: /%s submit https://%s/you/project", Command, h.o.GitHub.Host()), nil
		}
		return h.run(ctx, m, strings.TrimSpace(rest))
	case "check":
		return h.run(ctx, m, "")
	}
	if strings.Contains(word, "/") { // "/capstone https://github.com/…"
		return h.run(ctx, m, strings.TrimSpace(m.Args))
	}
	return refuse(m.Lesson, "Usage: /%s submit URL (check a repository), /%s check (check it again), /%s (the last check).", Command, Command, Command), nil
}

// lessonOf is the lesson a /capstone message is about: the message's
// lesson when it has rules, else the learner's current lesson when it has,
// else the course's first lesson with rules.
func (h *Handler) lessonOf(ctx context.Context, m bot.Message) (*course.Lesson, []bot.Reply, error) {
	loaded := h.o.Course()
	ids := loaded.RepoLessons()
	if len(ids) == 0 {
		return nil, refuse(m.Lesson, "This course has nothing for me to check in a repository: tick the checklist yourself."), nil
	}
	pick := ids[0]
	rec, err := h.o.Store.Learner(ctx, m.Learner.Key())
	if err != nil {
		return nil, nil, err
	}
	for _, id := range ids {
		if id == rec.Active {
			pick = id
		}
	}
	for _, id := range ids {
		if id == m.Lesson {
			pick = id
		}
	}
	return loaded.Lessons[pick], nil, nil
}

// show answers /capstone alone: the last check, or how to submit.
func (h *Handler) show(ctx context.Context, m bot.Message) ([]bot.Reply, error) {
	les, refused, err := h.lessonOf(ctx, m)
	if les == nil {
		return refused, err
	}
	p, err := h.o.Store.Progress(ctx, m.Learner.Key(), les.ID)
	if err != nil {
		return nil, err
	}
	if p.Repo == nil {
		return []bot.Reply{{Ephemeral: true, Lesson: les.ID, Blocks: []bot.Block{{Kind: bot.BlockMarkdown, Text: fmt.Sprintf(
			"Submit the repository you build for the capstone of Lesson %s and I will tick the checklist items it shows: /%s submit https://%s/you/project (or press Check my repository on the card with the checklist).",
			dotted(les.ID), Command, h.o.GitHub.Host())}}}}, nil
	}
	return []bot.Reply{h.report(les, p, nil)}, nil
}

// run checks the repository at raw ("" = the one submitted before) for
// the lesson of m.
func (h *Handler) run(ctx context.Context, m bot.Message, raw string) ([]bot.Reply, error) {
	les, refused, err := h.lessonOf(ctx, m)
	if les == nil {
		return refused, err
	}
	who := m.Learner.Key()
	p, err := h.o.Store.Progress(ctx, who, les.ID)
	if err != nil {
		return nil, err
	}
	if p.State() == coursebot.StateNotStarted {
		return refuse(les.ID, "Start Lesson %s first (/%s): the check ticks its checklist.", dotted(les.ID), les.Command), nil
	}
	if raw == "" {
		if p.Repo == nil {
			return refuse(les.ID, "You have not submitted a repository yet: /%s submit https://%s/you/project", Command, h.o.GitHub.Host()), nil
		}
		raw = p.Repo.URL
	}
	repo, err := ParseRepo(raw, h.o.GitHub.Host())
	if err != nil {
		h.o.Observe("bad_url")
		return refuse(les.ID, "%s. Nothing was changed.", upperFirst(err.Error())), nil
	}
	now := h.o.Now()
	if p.Repo != nil && p.Repo.URL == repo.URL() && now.Sub(p.Repo.Checked) < h.o.Again && now.Sub(p.Repo.Checked) >= 0 {
		h.o.Observe("again")
		return []bot.Reply{h.report(les, p, nil)}, nil
	}
	rctx, cancel := context.WithTimeout(ctx, h.o.Timeout)
	snap, err := h.o.GitHub.Read(rctx, repo)
	if err != nil && rctx.Err() != nil && ctx.Err() == nil && !errors.As(err, new(*Problem)) {
		err = &Problem{Kind: "timeout", Err: err, Msg: fmt.Sprintf("GitHub did not answer in time (%s) when I read %s. Nothing was changed: check again in a minute.", duration(h.o.Timeout), repo)}
	}
	cancel()
	var prob *Problem
	if errors.As(err, &prob) {
		h.o.Observe(prob.Kind)
		h.o.Log.Info("capstone check not made", "reason", prob.Kind)
		if prob.Kind == "refused" || prob.Kind == "unavailable" {
			h.o.Log.Warn("GitHub call failed", "reason", prob.Kind, "status", prob.Status)
		}
		return refuse(les.ID, "%s", prob.Msg), nil
	}
	if err != nil {
		return nil, fmt.Errorf("capstone check: %w", err)
	}
	if snap.Remaining > 0 && snap.Remaining < 50 {
		h.o.Log.Warn("GitHub rate limit running low: set a token (GITHUB_TOKEN) for a higher limit", "remaining", snap.Remaining)
	}
	var out Outcome
	_, p, err = h.o.Store.UpdateProgress(ctx, who, les.ID, func(rec *coursebot.LearnerRecord, p *coursebot.Progress) error {
		if p.State() == coursebot.StateNotStarted {
			return errNotStarted
		}
		if m.Learner.Name != "" {
			rec.Name = m.Learner.Name
		}
		rec.LastSeen = now
		out = Apply(p, repo, les.Repository, snap, now)
		return nil
	})
	if errors.Is(err, errNotStarted) {
		return refuse(les.ID, "Start Lesson %s first (/%s): the check ticks its checklist.", dotted(les.ID), les.Command), nil
	}
	if err != nil {
		return nil, err
	}
	h.o.Observe("ok")
	replies := []bot.Reply{h.report(les, p, &out)}
	if len(out.Ticked)+len(out.Unticked) > 0 {
		replies = append(replies, h.cardAgain(ctx, m.Learner, les, p)...)
	}
	return replies, nil
}

// cardAgain is the card the learner is on in les when it holds checklist
// items with rules, shown again with the ticks a check just changed; none
// otherwise. The check is stored by then: a failure to show the card is
// logged, and the report goes out alone.
func (h *Handler) cardAgain(ctx context.Context, who coursebot.Learner, les *course.Lesson, p coursebot.Progress) []bot.Reply {
	if h.o.Cards == nil || p.State() != coursebot.StateInProgress || !holdsRules(h.o.Course(), les.ID, p.Card) {
		return nil
	}
	rs, err := h.o.Cards.Handle(ctx, bot.Message{Learner: who, Kind: bot.KindAction, Lesson: les.ID,
		Action: bot.Action{Verb: bot.VerbResume, Lesson: les.ID}.Encode()})
	if err != nil {
		h.o.Log.Warn("capstone check: the card could not be shown again", "err", err)
		return nil
	}
	return rs
}

var errNotStarted = errors.New("lesson not started")

// refuse is an ephemeral answer that changed nothing.
func refuse(lesson, format string, args ...any) []bot.Reply {
	return []bot.Reply{{Ephemeral: true, Refused: true, Lesson: lesson, Blocks: []bot.Block{{Kind: bot.BlockMarkdown, Text: fmt.Sprintf(format, args...)}}}}
}

func dotted(id string) string { return strings.Replace(id, "-", ".", 1) }

func upperFirst(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}
