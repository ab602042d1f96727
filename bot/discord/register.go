package discord

import (
	"context"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/bwmarrin/discordgo"
	"github.com/coursebot/coursebot/bot/markup"
)

// commandName is Discord's rule for chat-input command names (lowercase).
var commandName = regexp.MustCompile(`^[-_'\p{L}\p{N}\p{Devanagari}\p{Thai}]{1,32}$`)

// Discord's caps on commands.
const (
	maxGlobalCommands = 100
	maxDescription    = 100
)

func validateCommands(cmds []Command) error {
	seen := map[string]bool{}
	for _, c := range cmds {
		if !commandName.MatchString(c.Name) || strings.ToLower(c.Name) != c.Name {
			return fmt.Errorf("discord: command name %q is not a valid Discord command name", c.Name)
		}
		if seen[c.Name] {
			return fmt.Errorf("discord: command %q listed twice", c.Name)
		}
		seen[c.Name] = true
		if name, _, ok := usageOption(c.Usage); ok && !commandName.MatchString(name) {
			return fmt.Errorf("discord: command %q: option name %q is not valid", c.Name, name)
		}
	}
	if len(cmds) > maxGlobalCommands {
		return fmt.Errorf("discord: %d commands, Discord allows %d", len(cmds), maxGlobalCommands)
	}
	return nil
}

// usageOption reads a usage hint: "[topic]" is an optional string option,
// "<topic>" or "topic" a required one.
func usageOption(usage string) (name string, required, ok bool) {
	u := strings.TrimSpace(usage)
	if u == "" {
		return "", false, false
	}
	required = true
	if strings.HasPrefix(u, "[") && strings.HasSuffix(u, "]") {
		u, required = u[1:len(u)-1], false
	}
	u = strings.Trim(u, "<> ")
	u = strings.ToLower(strings.Fields(u + " x")[0])
	return u, required, u != ""
}

func description(c Command) string {
	d := oneLine(c.Description)
	if d == "" {
		d = "/" + c.Name
	}
	if utf8.RuneCountInString(d) > maxDescription {
		d = markup.Truncate(d, maxDescription)
	}
	return d
}

// optionDescription is the command's UsageHelp, or its option's name in
// words when it has none.
func optionDescription(c Command, name string) string {
	d := oneLine(c.UsageHelp)
	if d == "" {
		d = strings.ReplaceAll(name, "-", " ")
	}
	return markup.Truncate(d, maxDescription)
}

// ApplicationCommands is the command list Register sends.
func (a *Adapter) ApplicationCommands() []*discordgo.ApplicationCommand {
	out := make([]*discordgo.ApplicationCommand, 0, len(a.opts.Commands))
	for _, c := range a.opts.Commands {
		ac := &discordgo.ApplicationCommand{Type: discordgo.ChatApplicationCommand, Name: c.Name, Description: description(c), Options: []*discordgo.ApplicationCommandOption{}}
		if name, req, ok := usageOption(c.Usage); ok {
			ac.Options = append(ac.Options, &discordgo.ApplicationCommandOption{
				Type: discordgo.ApplicationCommandOptionString, Name: name, Description: optionDescription(c, name), Required: req,
			})
		}
		out = append(out, ac)
	}
	return out
}

// RegisterResult says what Register did in one scope ("" = global).
type RegisterResult struct {
	Guild     string
	Unchanged bool
	Count     int
}

// String is one line for people: "registered 22 commands globally",
// "22 commands in guild 123: unchanged".
func (r RegisterResult) String() string {
	scope := "globally"
	if r.Guild != "" {
		scope = "in guild " + r.Guild
	}
	noun := "commands"
	if r.Count == 1 {
		noun = "command"
	}
	if r.Unchanged {
		return fmt.Sprintf("%d %s %s: unchanged", r.Count, noun, scope)
	}
	return fmt.Sprintf("registered %d %s %s", r.Count, noun, scope)
}

// Register is RegisterCommands for `coursebot discord register`, logging
// what it did per scope.
func (a *Adapter) Register(ctx context.Context) error {
	res, err := a.RegisterCommands(ctx)
	for _, r := range res {
		scope := r.Guild
		if scope == "" {
			scope = "global"
		}
		a.log.Info("discord commands", "scope", scope, "count", r.Count, "unchanged", r.Unchanged)
	}
	return err
}

// RegisterCommands makes the registered commands match Options.Commands, per guild
// (Options.GuildIDs) or globally. It first reads what is registered and
// skips the scope when nothing changed, so running it again costs no
// command creates (Discord allows 200 a day per guild); otherwise it sends
// one bulk overwrite.
func (a *Adapter) RegisterCommands(ctx context.Context) ([]RegisterResult, error) {
	want := a.ApplicationCommands()
	scopes := a.opts.GuildIDs
	if len(scopes) == 0 {
		scopes = []string{""}
	}
	var res []RegisterResult
	for _, guild := range scopes {
		var have []*discordgo.ApplicationCommand
		err := a.rest.call(ctx, "list commands", true, func(opt discordgo.RequestOption) error {
			var err error
			have, err = a.session.ApplicationCommands(a.opts.ApplicationID, guild, opt)
			return err
		})
		if err != nil {
			return res, fmt.Errorf("register commands (guild %q): %w", guild, err)
		}
		if sameCommands(have, want) {
			res = append(res, RegisterResult{Guild: guild, Unchanged: true, Count: len(want)})
			continue
		}
		err = a.rest.call(ctx, "overwrite commands", true, func(opt discordgo.RequestOption) error {
			ep := discordgo.EndpointApplicationGlobalCommands(a.opts.ApplicationID)
			if guild != "" {
				ep = discordgo.EndpointApplicationGuildCommands(a.opts.ApplicationID, guild)
			}
			_, err := a.session.RequestWithBucketID("PUT", ep, commandBodies(want), ep, opt)
			return err
		})
		if err != nil {
			return res, fmt.Errorf("register commands (guild %q): %w", guild, err)
		}
		res = append(res, RegisterResult{Guild: guild, Count: len(want)})
	}
	return res, nil
}

// sameCommands compares what Discord has with what we want, on the fields
// we set.
func sameCommands(have, want []*discordgo.ApplicationCommand) bool {
	if len(have) != len(want) {
		return false
	}
	key := func(c *discordgo.ApplicationCommand) string {
		t := c.Type
		if t == 0 {
			t = discordgo.ChatApplicationCommand
		}
		var b strings.Builder
		fmt.Fprintf(&b, "%d|%s|%s", t, c.Name, c.Description)
		for _, o := range c.Options {
			fmt.Fprintf(&b, "|%d:%s:%s:%v", o.Type, o.Name, o.Description, o.Required)
		}
		return b.String()
	}
	hk := make([]string, len(have))
	for i, c := range have {
		hk[i] = key(c)
	}
	wk := make([]string, len(want))
	for i, c := range want {
		wk[i] = key(c)
	}
	slices.Sort(hk)
	slices.Sort(wk)
	return slices.Equal(hk, wk)
}
