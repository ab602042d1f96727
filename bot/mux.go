package bot

import (
	"context"
	"fmt"
	"strings"
)

// Command is a slash command as the routing table lists it: for /help,
// Slack's app manifest and Discord's command registration.
type Command struct {
	Name        string // normalised (CommandName): "start-4-4", "status", "cohort"
	Description string // one line
	Usage       string // a usage hint ("[topic]"), may be ""
	// UsageHelp says in a few words what the argument is, for platforms
	// that describe it (Discord's option description); "" when Usage is.
	UsageHelp string
	// Lesson is the lesson a start command opens ("4-4"), "" for any other
	// command; Installed says the lesson's material is installed (Slack
	// answers such a command at once, Discord opens its thread).
	Lesson    string
	Installed bool
}

// CommandName normalises a typed or registered command name: trimmed,
// without its slash, lower case ("/Start-4-4 " is "start-4-4"). Adapters
// put it in Message.Command, so the table and the features compare names
// as they are.
func CommandName(s string) string {
	return strings.ToLower(strings.TrimPrefix(strings.TrimSpace(s), "/"))
}

// HandlerFunc is a function as a Handler.
type HandlerFunc func(ctx context.Context, m Message) ([]Reply, error)

// Handle calls f.
func (f HandlerFunc) Handle(ctx context.Context, m Message) ([]Reply, error) { return f(ctx, m) }

// Mux is the routing table: a command goes to the handler registered for
// its name, a press to the handler of its action's verb, free text to the
// text handler; what no route holds goes to the fallback. Handlers see
// only their own messages: none decides whether a message is its own.
//
// The table also lists the commands (Commands), in the order they were
// registered, for /help and the platforms' command lists; a name is listed
// once, where it was first registered. When two routes hold a name, the
// later one gets it (InFront). Register everything before the first
// message; lists registered with CommandsOf are asked again on every
// message (the course's commands change when it is reloaded).
type Mux struct {
	routes   []commandRoute // in registration order
	verbs    map[string]Handler
	text     Handler
	fallback Handler
}

type commandRoute struct {
	list   func() []Command
	h      Handler
	listed bool // false: InFront
}

// NewMux returns a table whose unrouted messages go to fallback (it says
// what exists), and whose free text goes to fallback until Text is set.
func NewMux(fallback Handler) *Mux {
	return &Mux{verbs: map[string]Handler{}, text: fallback, fallback: fallback}
}

// Command routes the command c.Name to h.
func (mx *Mux) Command(c Command, h Handler) {
	c.Name = CommandName(c.Name)
	mx.routes = append(mx.routes, commandRoute{list: func() []Command { return []Command{c} }, h: h, listed: true})
}

// CommandsOf routes the commands list returns, asked on every message, to h.
func (mx *Mux) CommandsOf(list func() []Command, h Handler) {
	mx.routes = append(mx.routes, commandRoute{list: list, h: h, listed: true})
}

// InFront routes the commands names returns (asked on every message) to
// h, ahead of their own routes, without listing them: a feature that
// answers some uses of another feature's command and hands it the rest
// (the tutor answers /stuck, and /help-mlops with a question).
func (mx *Mux) InFront(names func() []string, h Handler) {
	list := func() []Command {
		var out []Command
		for _, n := range names() {
			if n != "" {
				out = append(out, Command{Name: CommandName(n)})
			}
		}
		return out
	}
	mx.routes = append(mx.routes, commandRoute{list: list, h: h})
}

// Verb routes presses whose Action has verb to h.
func (mx *Mux) Verb(verb string, h Handler) {
	if _, dup := mx.verbs[verb]; dup {
		panic(fmt.Sprintf("bot: verb %q registered twice", verb)) // a wiring mistake, found by the first test
	}
	mx.verbs[verb] = h
}

// Verbs routes each of verbs to h.
func (mx *Mux) Verbs(verbs []string, h Handler) {
	for _, v := range verbs {
		mx.Verb(v, h)
	}
}

// Text routes free text (answers, replies in a thread) to h.
func (mx *Mux) Text(h Handler) { mx.text = h }

// Commands lists every command, each once, in registration order.
func (mx *Mux) Commands() []Command {
	var out []Command
	seen := map[string]bool{}
	for _, r := range mx.routes {
		if !r.listed {
			continue
		}
		for _, c := range r.list() {
			if !seen[c.Name] {
				seen[c.Name] = true
				out = append(out, c)
			}
		}
	}
	return out
}

// Route returns the handler a message goes to.
func (mx *Mux) Route(m Message) Handler {
	switch m.Kind {
	case KindCommand:
		if h := mx.commandHandler(m.Command); h != nil {
			return h
		}
	case KindAction:
		if a, err := ParseAction(m.Action); err == nil {
			if h, ok := mx.verbs[a.Verb]; ok {
				return h
			}
		}
	case KindText:
		return mx.text
	}
	return mx.fallback
}

// HasCommand reports whether the table routes the command name.
func (mx *Mux) HasCommand(name string) bool { return mx.commandHandler(name) != nil }

func (mx *Mux) commandHandler(name string) Handler {
	for i := len(mx.routes) - 1; i >= 0; i-- {
		for _, c := range mx.routes[i].list() {
			if c.Name == name {
				return mx.routes[i].h
			}
		}
	}
	return nil
}

// Handle implements Handler: m goes to its route. A refusal (a
// *coursebot.Error) its handler returns is answered as Refusal says.
func (mx *Mux) Handle(ctx context.Context, m Message) ([]Reply, error) {
	replies, err := mx.Route(m).Handle(ctx, m)
	if r, ok := Refusal(err, m.Lesson); ok {
		return []Reply{r}, nil
	}
	return replies, err
}

// Decorated is h with its replies passed through each decorator in turn:
// a feature adds its button to the lesson cards it has something for (the
// capstone check's "Check my repository", the tutor's "I'm stuck").
func Decorated(h Handler, decorators ...func([]Reply) []Reply) Handler {
	return &decorated{h: h, decorators: decorators}
}

type decorated struct {
	h          Handler
	decorators []func([]Reply) []Reply
}

func (d *decorated) Handle(ctx context.Context, m Message) ([]Reply, error) {
	replies, err := d.h.Handle(ctx, m)
	if err != nil {
		return nil, err
	}
	for _, dec := range d.decorators {
		replies = dec(replies)
	}
	return replies, nil
}
