package course

import "strings"

// Course is a loaded course: the catalogue of lessons and the lessons whose
// material is installed.
type Course struct {
	// Catalogue lists every lesson the course names, in course order, with
	// or without material.
	Catalogue []CatalogueEntry
	// Lessons holds the lessons with material, by id ("4-4").
	Lessons map[string]*Lesson
	// Extra are the course's non-lesson commands from its Commands Reference
	// (/status, /help-mlops), with the role the engine gives each.
	Extra []CommandInfo
	// Revisit maps a self-assessment item (lowercased) to the lessons the
	// course says to revisit when it is rated low; from the manifest.
	Revisit map[string][]string
}

// CatalogueEntry is one lesson of the course, installed or not.
type CatalogueEntry struct {
	ID        string // "4-4"
	Command   string // "start-4-4"
	Title     string // "Capstone"
	Installed bool
}

// CommandRole says what a non-lesson command does.
type CommandRole int

const (
	RoleLesson CommandRole = iota // start-X-Y
	RoleStatus                    // progress overview
	RoleHelp                      // search the course
)

// CommandInfo describes a slash command for adapters that register commands
// (Slack's manifest, Discord's command list).
type CommandInfo struct {
	Name        string // without the slash: "start-4-4", "status", "help-mlops"
	Description string // one line, from the course
	Usage       string // usage hint ("[topic]"), may be ""
	// UsageHelp says in a few words what the argument is, for platforms
	// that describe it (Discord's option description); "" when Usage is.
	UsageHelp string
	Role      CommandRole
}

// Lesson is one lesson with material: the tutor script's steps as the spine,
// with the module's reading delivered alongside, flattened into Cards.
type Lesson struct {
	ID         string // "4-4"
	Command    string // "start-4-4"
	Title      string // from the script's first heading
	Minutes    int    // estimate shown on the lesson card
	ScriptFile string // course-relative path of the tutor script
	ModuleFile string // course-relative path of the module ("" if none)
	Steps      []Step
	// Cards is the delivery order: what a learner gets, one at a time.
	Cards []*Card
	// LeadNotes is Markdown for cohort leads only: the script's Teaching
	// Notes and the instructions to the tutor that learners do not see.
	LeadNotes []LeadNote
	// Unsure are the script's lines no rule places surely for the learner
	// or for the tutor (voice.go): they are shown to learners, and
	// Warnings lists them for the author.
	Unsure []Source
	// Backgrounds are the module's common gaps by background, offered as
	// buttons on BackgroundCard after the self-assessment (plan.go).
	Backgrounds    []Background
	BackgroundCard string
	// Repository are the capstone check's rules, from the manifest: which
	// checklist items a learner's repository shows (repository.go).
	Repository []RepoRule
}

// Step is one step of the tutor script ("### 3. Architecture Review (15 min)").
type Step struct {
	Number  int
	Title   string
	Minutes int // 0 when the heading gives none
	Key     string
	Line    int
}

// Card is the unit of delivery: one screen of a lesson.
type Card struct {
	Key   string // stable: derived from the step/part/heading, unique in the lesson
	Index int
	// Step is the index into Lesson.Steps the card belongs to; -1 for the
	// lesson's opening card.
	Step   int
	Title  string
	Source Source // where the card starts in the course files
	Blocks []Block
	// Aliases are the keys of the cards merged into this one (screen.go):
	// a position saved under one of them resumes here.
	Aliases []string
	// heading is the level of the source heading the title is ("## Part
	// 3" is 2), 0 when the title is not one (a step, "(continued)").
	heading int
}

// Question returns the card's question, or nil.
func (c *Card) Question() *QuestionDef {
	for i := range c.Blocks {
		if c.Blocks[i].Question != nil {
			return c.Blocks[i].Question
		}
	}
	return nil
}

// Source is a place in a course file.
type Source struct {
	File string
	Line int
}

// BlockKind mirrors bot.BlockKind for the parsed model.
type BlockKind int

const (
	Markdown BlockKind = iota + 1
	Code
	Checklist
	Rating
	Question
	Quiz // a graded question (quiz.go)
)

// Block is a parsed piece of a card.
type Block struct {
	Kind     BlockKind
	Text     string // Markdown, code text, or "" for items/questions
	Lang     string
	Items    []ItemDef    // Checklist, Rating
	Question *QuestionDef // Question
	Quiz     *QuizDef     // Quiz
	Line     int          // first source line
	// pieces are where the author's blocks joined in a Markdown Text
	// start: where a long card may be split (screen.go).
	pieces []piece
}

// ItemDef is a checklist or rating item.
type ItemDef struct {
	ID    string
	Group string
	Text  string
	Line  int
}

// QuestionDef is a question from the script ("Ask: ...").
type QuestionDef struct {
	ID     string
	Prompt string
	// FollowUp is Markdown the learner sees after answering.
	FollowUp string
	// Points are the key points the author hopes an answer covers
	// (keypoints.go); never shown on the card.
	Points []KeyPoint
	Line   int
}

// LeadNote is a passage for leads only.
type LeadNote struct {
	Source Source
	Text   string
	// Solution is true for the text of a script section the course marks
	// as the solution ("## Solution"): the tutor may read it, never show it.
	Solution bool
	// Points is true for a question's key points (keypoints.go): not
	// shown on the card, but the tutor may name those an answer reached.
	Points bool
}

// IsCapstone reports whether a step's title names the capstone.
func IsCapstone(stepTitle string) bool {
	return strings.Contains(strings.ToLower(stepTitle), "capstone")
}

// HasCapstone reports whether a lesson of the course has a capstone step
// (where the engine offers the tutor's hint: /stuck and the "I'm stuck" button).
func (c *Course) HasCapstone() bool {
	for _, les := range c.Lessons {
		for _, s := range les.Steps {
			if IsCapstone(s.Title) {
				return true
			}
		}
	}
	return false
}
