package course

import (
	"regexp"
	"strings"
)

// Whom a line of a tutor script speaks to. A script is written for a
// tutor: it says what to tell the learner and what to do. The learner
// reads the first, in the second person; the second goes to the leads'
// notes. A line the rules cannot place surely is shown to the learner
// (nothing is lost) and reported by `lessons check` (Warnings), so the
// author can settle it by addressing the learner ("you") or the tutor
// ("them"). See docs/course-format.md "Speaking to the learner".

// audience is who a script paragraph is for.
type audience int

const (
	forLearner audience = iota
	forTutor
)

// voiceOf places the script paragraph blocks[i]. sure is false when no
// rule decides it (it is then for the learner, and warned about).
//
// The rules, in order:
//  1. Words the tutor says, in quotes, are the learner's.
//  2. A line about the learner that starts with them ("They've built",
//     "Their tools:") is the learner's, in the second person.
//  3. A line that speaks of the learner in the third person anywhere else
//     ("Acknowledge their journey:", "Guide them through") is the tutor's.
//  4. A line that introduces what follows (it ends with ":"), when what
//     follows speaks of the learner in the third person ("Celebrate
//     completion:" before "They've built …"), is the tutor's; what follows
//     is the learner's, in the second person.
//  5. A line whose second word is an article or a preposition after a
//     word that is neither ("Draw the complete system", "Walk through
//     the checklist") gives an order. It is the learner's to do when it,
//     or what it introduces, speaks to them in the second person ("Build
//     an image that serves the model:" before "run it on your machine");
//     otherwise the tutor's when it introduces what follows; otherwise it
//     could be either, and is unsure.
//  6. A label ("Final advice:", "Challenge: Simulate …") is the learner's.
//  7. Anything else is a statement for the learner ("Data changes; code
//     alone does not reproduce a model."); an introduction of more than a
//     few words that none of the rules above places is unsure.
func voiceOf(blocks []mdBlock, i int) (audience, bool) {
	t := strings.TrimSpace(blocks[i].text)
	words := strings.Fields(t)
	switch {
	case len(words) == 0:
		return forLearner, true
	case strings.HasPrefix(t, `"`) || strings.HasPrefix(t, "“"):
		return forLearner, true
	case pronounFirst.MatchString(t):
		return forLearner, true
	case thirdPerson.MatchString(strings.ToLower(t)):
		return forTutor, true
	}
	leadIn := strings.HasSuffix(t, ":")
	if leadIn && follows(blocks, i, learnerWords) {
		return forTutor, true
	}
	if imperative(words) {
		// An order is the learner's to do when it (or what it
		// introduces) speaks to them ("Build an image …:" before "run it
		// on your machine"); an order that introduces something is
		// otherwise the tutor's.
		switch {
		case youWords.MatchString(t) || (leadIn && follows(blocks, i, youWords)):
			return forLearner, true
		case leadIn:
			return forTutor, true
		}
		return forLearner, false
	}
	if labelFirst.MatchString(t) || (leadIn && len(words) <= 3) {
		return forLearner, true
	}
	return forLearner, !leadIn
}

var (
	// pronounFirst: a line that starts with the learner ("They've built").
	pronounFirst = regexp.MustCompile(`^(?:They|Their|Them|Themselves|They've|They're|They'll)\b`)
	// labelFirst: "Challenge: Simulate a full MLOps cycle." — a word or two
	// and a colon, then the text.
	labelFirst = regexp.MustCompile(`^[\p{L}\p{N}][\p{L}\p{N}'’ ]{0,30}:\s+\S`)
	// learnerWords: the learner in the third person in a list or code that
	// follows an introduction.
	learnerWords = regexp.MustCompile(`(?i)\b(?:they|them|their|themselves|they've|they're|they'll|the student|the learner)\b`)
)

// youWords: the learner in the second person.
var youWords = regexp.MustCompile(`(?i)\b(?:you|your|yours|yourself|you've|you're|you'll)\b`)

// follows reports whether the block after the introduction blocks[i] (a
// bold label in between is skipped) has words matching re.
func follows(blocks []mdBlock, i int, re *regexp.Regexp) bool {
	for j := i + 1; j < len(blocks); j++ {
		b := blocks[j]
		switch {
		case b.kind == mdBreak:
			continue
		case b.kind == mdParagraph && boldLabel.MatchString(strings.TrimSpace(b.text)):
			continue
		case b.kind == mdHeading:
			return false
		}
		return re.MatchString(b.text)
	}
	return false
}

// orderWords are articles, possessives and prepositions: after a first word
// that is none of them, they mark that word as a verb in the imperative
// ("Draw the …", "Walk through …", "Point to …").
var orderWords = map[string]bool{
	"the": true, "a": true, "an": true, "each": true, "every": true, "all": true, "any": true, "some": true,
	"this": true, "these": true, "that": true, "those": true, "your": true, "our": true, "its": true, "his": true, "her": true,
	"through": true, "to": true, "over": true, "on": true, "at": true, "with": true, "about": true, "into": true,
	"from": true, "for": true, "back": true, "out": true, "up": true, "around": true, "across": true, "by": true,
}

func imperative(words []string) bool {
	if len(words) < 2 {
		return false
	}
	first := strings.ToLower(strings.Trim(words[0], `"“”'*_:,.`))
	second := strings.ToLower(strings.Trim(words[1], `"“”'*_:,.`))
	if first == "" || orderWords[first] || strings.ContainsAny(first, "0123456789") {
		return false
	}
	return orderWords[second]
}
