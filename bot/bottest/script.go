package bottest

import (
	"context"
	"errors"
	"slices"
	"strings"
	"sync"

	"github.com/coursebot/coursebot/bot"
)

// The suite's lesson: one lesson, 9-9, of two cards, run by Script.
const (
	Lesson = "9-9"
	// Start opens the lesson; Status, Export, Fail are the suite's other
	// commands (an ephemeral page, a file, a handler failure).
	Start  = "start-9-9"
	Status = "status"
	Export = "export"
	Fail   = "fail"
)

// Commands are the commands Script answers, for the harness to register
// with its platform; Start opens a lesson.
var Commands = []string{Start, Status, Export, Fail}

// ExportFile is the file the Export command answers with.
func ExportFile() *bot.File {
	return &bot.File{Name: "progress-spring.csv", Title: "Progress of cohort spring",
		Data: []byte("learner,name,lesson_9-9\nx:1,Ann,completed\nx:2,\"Bo, Jr\",step 1/2\n")}
}

// Script is the suite's bot.Handler: a small lesson whose replies the suite
// knows, so that what reached the platform can be compared with what the
// handler said. It records every message it is given. With Live set, an
// answer is acknowledged by a live reply whose text Live writes.
type Script struct {
	// Live, when set, writes the text of the live reply to an answer.
	Live *Writer
	// Err, when set, is the error of the Fail command (the handler's
	// internal failure).
	Err error

	mu  sync.Mutex
	got []Message
}

// Message is what Script was given, by whom.
type Message = bot.Message

// Got returns the messages Script has handled, in order.
func (s *Script) Got() []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.got)
}

// Card is the lesson's card at: a text, a checklist of one item, a
// question and the Next button.
func Card(at string, checked bool) bot.Reply {
	return bot.Reply{Lesson: Lesson, Card: at, Title: "Card " + at, Context: "Lesson 9.9",
		Blocks: []bot.Block{
			{Kind: bot.BlockMarkdown, Text: "Read card " + at + "."},
			{Kind: bot.BlockChecklist, Items: []bot.Item{{ID: "i1", Text: "Tried it", Checked: checked}}},
			{Kind: bot.BlockQuestion, Text: "Why?", Question: &bot.Question{ID: "q-" + at, Prompt: "Why?"}},
		},
		Buttons: []bot.Button{{Label: "Next", Action: bot.Action{Verb: bot.VerbNext, Lesson: Lesson, At: at}.Encode()}}}
}

// Handle answers m.
func (s *Script) Handle(_ context.Context, m bot.Message) ([]bot.Reply, error) {
	s.mu.Lock()
	s.got = append(s.got, m)
	s.mu.Unlock()
	switch m.Kind {
	case bot.KindCommand:
		return s.command(m)
	case bot.KindAction:
		a, err := bot.ParseAction(m.Action)
		if err != nil {
			return nil, err
		}
		switch a.Verb {
		case bot.VerbNext:
			return []bot.Reply{Card("c2", false)}, nil
		case bot.VerbCheck:
			r := Card(a.At, a.Value == "1")
			if r.Card == "" {
				r = Card("c1", a.Value == "1")
			}
			r.Update = true
			return []bot.Reply{r}, nil
		}
		return nil, errors.New("script: no such action " + a.Verb)
	case bot.KindText:
		return []bot.Reply{s.saved(m)}, nil
	}
	return nil, nil
}

func (s *Script) command(m bot.Message) ([]bot.Reply, error) {
	switch m.Command {
	case Start:
		return []bot.Reply{Card("c1", false)}, nil
	case Status:
		return []bot.Reply{{Ephemeral: true, Title: "Your progress", Blocks: []bot.Block{{Kind: bot.BlockMarkdown, Text: "Nothing yet."}}}}, nil
	case Export:
		return []bot.Reply{{Ephemeral: true, Title: "Progress of cohort spring (CSV)",
			Blocks: []bot.Block{{Kind: bot.BlockMarkdown, Text: "The table is attached as `progress-spring.csv`."}}, File: ExportFile()}}, nil
	case Fail:
		return nil, s.Err
	}
	return []bot.Reply{{Ephemeral: true, Refused: true, Blocks: []bot.Block{{Kind: bot.BlockMarkdown, Text: "No such command."}}}}, nil
}

// saved is the answer to a learner's text: "Saved your answer.", live
// when Live is set.
func (s *Script) saved(m bot.Message) bot.Reply {
	lesson := m.Lesson
	if lesson == "" {
		lesson = Lesson
	}
	if s.Live == nil {
		return Saved(lesson, "c-saved")
	}
	return LiveSaved(lesson, "c-saved", s.Live, nil)
}

// Saved is the card of lesson that answers a learner's text: "Saved your
// answer." and Next.
func Saved(lesson, card string) bot.Reply {
	return bot.Reply{Lesson: lesson, Card: card,
		Blocks:  []bot.Block{{Kind: bot.BlockMarkdown, Text: "Saved your answer."}},
		Buttons: []bot.Button{{Label: "Next", Action: bot.Action{Verb: bot.VerbNext, Lesson: lesson, At: card}.Encode()}}}
}

// LiveSaved is Saved with a live block after the sentence whose text w
// writes; finished, when set, is closed once it is written.
func LiveSaved(lesson, card string, w *Writer, finished chan struct{}) bot.Reply {
	r := Saved(lesson, card)
	r.Blocks = append(r.Blocks, bot.Block{Kind: bot.BlockMarkdown, Text: bot.Placeholder})
	done := r
	r.Live = &bot.Live{Block: 1, Run: func(_ context.Context, update func(string)) bot.Reply {
		if finished != nil {
			defer close(finished)
		}
		return done.WithText(1, w.Write(update))
	}}
	return r
}

// LiveAnswers is a bot.Handler that answers a learner's text with
// LiveSaved in Lesson, written by Writer, and gives every other message to
// Inner. Finished, when set, is closed once the live text is written.
type LiveAnswers struct {
	Writer
	Inner    bot.Handler
	Lesson   string
	Finished chan struct{}
}

// Handle answers m.
func (l *LiveAnswers) Handle(ctx context.Context, m bot.Message) ([]bot.Reply, error) {
	if m.Kind != bot.KindText {
		return l.Inner.Handle(ctx, m)
	}
	return []bot.Reply{LiveSaved(l.Lesson, "c-live", &l.Writer, l.Finished)}, nil
}

// From returns the messages of learner key among ms.
func From(ms []Message, key string) []Message {
	var out []Message
	for _, m := range ms {
		if m.Learner.Key() == key {
			out = append(out, m)
		}
	}
	return out
}

// Texts returns the KindText messages among ms.
func Texts(ms []Message) []string {
	var out []string
	for _, m := range ms {
		if m.Kind == bot.KindText {
			out = append(out, strings.TrimSpace(m.Text))
		}
	}
	return out
}

// RepoForm is the form of the adapters' form tests: one field, a
// repository's URL, submitted as /capstone submit URL.
var RepoForm = bot.Form{Name: "repo", Title: "Check my repository", Label: "Your repository's URL",
	Placeholder: "https://github.com/you/project", MaxLength: 300, Command: "capstone", Args: "submit"}

// FormCard is a bot.Handler that answers every message with a card of
// Lesson holding RepoForm's button, and sends the message on Got.
type FormCard struct {
	Lesson string
	Got    chan bot.Message
}

// Handle answers m.
func (f FormCard) Handle(_ context.Context, m bot.Message) ([]bot.Reply, error) {
	f.Got <- m
	return []bot.Reply{{Lesson: f.Lesson, Card: "c1", Title: "Capstone", Blocks: []bot.Block{{Kind: bot.BlockMarkdown, Text: "Build it."}},
		Buttons: []bot.Button{{Label: RepoForm.Title, Action: bot.FormAction(RepoForm.Name, f.Lesson)}}}}, nil
}
