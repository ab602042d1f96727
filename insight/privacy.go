package insight

import "fmt"

// Audience is who reads the figures. It decides, with each learner's
// consent, whose records count in which figure (Audience.counts); the
// rules are docs/insights.md's table.
type Audience int

const (
	// Lead is a cohort's leads (and admins): /cohort insights and the
	// leads' weekly summary. Every accepted member counts in where the
	// cohort is (the funnel, who has not moved), which is their progress
	// the consent named from the start; only members told that their
	// figures count (Figures) count in anything else, and only members
	// whose answers are shared (Answers) in the answers.
	Lead Audience = iota
	// Author is the course's author: coursebot report. No learner is
	// named. Every learner counts in the counts (how many reached a step,
	// answered a question right first time, chose an option, pressed
	// "I'm stuck", ticked an item, used the tutor); only learners who
	// agreed (Figures) in the figures that link one learner's records to
	// each other or read their values (time per step, discrimination,
	// ratings), and only those whose answers are shared (Answers) in the
	// key points their answers reached.
	Author
)

func (a Audience) String() string {
	if a == Author {
		return "author"
	}
	return "lead"
}

// use is what a figure reads of a learner.
type use int

const (
	useProgress use = iota // where they are: the funnel, who has not moved, where learners leave
	useCounts              // counted with others: quiz first attempts and options, stuck presses, ticks, reviews, tutor use
	useLinked              // one learner's records linked or their values read: time per step, discrimination, ratings
	useAnswers             // what their answers say: answered and skipped counts, key points reached
)

// counts reports whether learner l counts in a figure that makes use u
// of their records, for this audience.
func (a Audience) counts(u use, l Learner) bool {
	switch u {
	case useProgress:
		return true
	case useCounts:
		return a == Author || l.Figures
	case useLinked:
		return l.Figures
	case useAnswers:
		return l.Answers
	}
	return false
}

// MinCount is the fewest learners a count shown across learners may
// rest on: anything under it reads "fewer than 3", never the number.
const MinCount = 3

// Few is how a count under MinCount is written.
const Few = "fewer than 3"

// N writes a count of learners (or of their presses and answers, when
// those rest on learners) for anyone reading figures across learners:
// the number from MinCount on, else Few.
func N(n int) string {
	if n < MinCount {
		return Few
	}
	return fmt.Sprint(n)
}

// shown reports whether a count may be shown as a number.
func shown(n int) bool { return n >= MinCount }

// Share writes "n of of (p%)" with N's rule for n and for of.
func Share(n, of int) string {
	switch {
	case !shown(of):
		return Few + " counted"
	case !shown(n):
		return fmt.Sprintf("%s of %d", Few, of)
	}
	return fmt.Sprintf("%d of %d (%d%%)", n, of, percent(n, of))
}

func percent(n, of int) int {
	if of == 0 {
		return 0
	}
	return (200*n + of) / (2 * of) // rounded half up
}
