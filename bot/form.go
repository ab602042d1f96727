package bot

import (
	"strings"

	"github.com/coursebot/coursebot"
)

// A form is a button that asks for one line of text before anything is
// done (a repository's URL): Slack and Discord open a modal with one text
// field, the console prompts for the line. What is typed reaches the
// handler as the command Form.Command with the arguments Form.Args
// followed by the text, as if the learner had typed "/capstone submit
// URL". Adapters know the forms by name (their Options.Forms), since a
// modal must be opened at once, when the button is pressed, before the
// press reaches the handler; the button carries FormAction(name, lesson).

// VerbForm is the action verb of a button that opens a form.
const VerbForm = "form"

// Form is a one-field form.
type Form struct {
	Name  string // the form's id in FormAction; short, no "|"
	Title string // the modal's title: at most 24 characters (Slack's limit)
	// Label names the field; Placeholder is the grey example inside it.
	Label, Placeholder string
	// MaxLength bounds the text (Discord and Slack enforce it in the form).
	MaxLength int
	// Command and Args are what the text is given to: "capstone",
	// "submit" makes the message "/capstone submit TEXT".
	Command, Args string
}

// FormAction is the Action string of a button that opens form name, in
// lesson ("" outside a lesson).
func FormAction(name, lesson string) string {
	return Action{Verb: VerbForm, Lesson: lesson, Item: name}.Encode()
}

// Forms are the forms an adapter can open, by name.
type Forms map[string]Form

// NewForms indexes forms by name.
func NewForms(forms ...Form) Forms {
	out := Forms{}
	for _, f := range forms {
		out[f.Name] = f
	}
	return out
}

// Opens returns the form a button's action opens, if it is a form button
// of a known form, with the lesson it was shown in.
func (fs Forms) Opens(action string) (Form, string, bool) {
	a, err := ParseAction(action)
	if err != nil || a.Verb != VerbForm {
		return Form{}, "", false
	}
	f, ok := fs[a.Item]
	return f, a.Lesson, ok
}

// Submit is the message a filled-in form sends on behalf of learner.
func (f Form) Submit(learner coursebot.Learner, lesson, text string) Message {
	args := strings.TrimSpace(f.Args + " " + strings.TrimSpace(text))
	return Message{Learner: learner, Kind: KindCommand, Command: f.Command, Args: args, Lesson: lesson}
}
