package coursebot

import (
	"slices"
	"sort"
	"time"
)

// Merging the records of two identities when a learner links them
// (docs/identity.md): nothing either had is lost. The rules, field by
// field, are in the functions below and in TestMergeProgress's table.

// MergeProgress merges two records of the same lesson:
//   - position: the further card wins (completed is furthest; between two
//     completions the earlier date stays, the first time they finished);
//     on the same card, the more recently updated record's;
//   - Started the earlier, Updated the later;
//   - answers: every question answered on either keeps an answer; where
//     both answered the same question the later answer is the answer and
//     the other is kept in Replaced (exported, never lost);
//   - skipped questions: either's, less those now answered;
//   - ticks: an item ticked on either is ticked;
//   - ratings: every item rated on either keeps a rating; the same item
//     rated on both keeps the more recently updated record's value;
//   - quizzes: QuizResults merged by MergeQuiz;
//   - Reached: every card, at the earlier time;
//   - background and choose-all picks: the more recently updated record's,
//     else the other's;
//   - the capstone repository: the more recent check.
func MergeProgress(a, b Progress) Progress {
	later, earlier := a, b
	if b.Updated.After(a.Updated) {
		later, earlier = b, a
	}
	out := Progress{Lesson: a.Lesson}
	if out.Lesson == "" {
		out.Lesson = b.Lesson
	}
	pos := furthest(a, b, later)
	out.Card, out.CardIndex, out.Completed = pos.Card, pos.CardIndex, pos.Completed
	out.Started = earliest(a.Started, b.Started)
	out.Updated = latest(a.Updated, b.Updated)
	for _, p := range []Progress{earlier, later} {
		mergeAnswers(&out, p)
	}
	for _, p := range []Progress{a, b} {
		mergeMarks(&out, p)
	}
	for _, p := range []Progress{earlier, later} { // the later overwrites
		mergeChoices(&out, p)
	}
	for _, p := range []Progress{a, b} {
		for id, r := range p.Quiz {
			if out.Quiz == nil {
				out.Quiz = map[string]QuizResult{}
			}
			if cur, ok := out.Quiz[id]; ok {
				r = MergeQuiz(cur, r)
			}
			out.Quiz[id] = r
		}
	}
	out.Repo = mergeRepo(a.Repo, b.Repo)
	return out
}

// furthest is the record whose position a merge keeps: a completion (the
// earlier of two), else the further card, else later's.
func furthest(a, b, later Progress) Progress {
	switch {
	case !a.Completed.IsZero() && !b.Completed.IsZero():
		if b.Completed.Before(a.Completed) {
			return b
		}
		return a
	case !a.Completed.IsZero():
		return a
	case !b.Completed.IsZero():
		return b
	case a.Card == "" && b.Card != "":
		return b
	case b.Card == "" && a.Card != "":
		return a
	case a.CardIndex != b.CardIndex && a.Card != "" && b.Card != "":
		if b.CardIndex > a.CardIndex {
			return b
		}
		return a
	}
	return later
}

// mergeAnswers adds p's answers to out's, the later of two answers to one
// question winning and the other kept in Replaced, with p's replaced
// answers. Called with the earlier record first.
func mergeAnswers(out *Progress, p Progress) {
	for q, ans := range p.Answers {
		if out.Answers == nil {
			out.Answers = map[string]Answer{}
		}
		prev, both := out.Answers[q]
		if !both {
			out.Answers[q] = ans
			continue
		}
		keep, other := ans, prev
		if prev.At.After(ans.At) {
			keep, other = prev, ans
		}
		out.Answers[q] = keep
		if other != keep {
			out.addReplaced(q, other)
		}
	}
	for q, rs := range p.Replaced {
		for _, r := range rs {
			out.addReplaced(q, r)
		}
	}
}

// mergeMarks adds p's skipped questions (less those out has answered),
// ticks and reached cards (at the earlier time) to out's. Called after
// mergeAnswers.
func mergeMarks(out *Progress, p Progress) {
	for q, s := range p.Skipped {
		if _, answered := out.Answers[q]; s && !answered {
			if out.Skipped == nil {
				out.Skipped = map[string]bool{}
			}
			out.Skipped[q] = true
		}
	}
	for id, on := range p.Checks {
		if on {
			if out.Checks == nil {
				out.Checks = map[string]bool{}
			}
			out.Checks[id] = true
		}
	}
	for card, t := range p.Reached {
		if out.Reached == nil {
			out.Reached = map[string]time.Time{}
		}
		if cur, ok := out.Reached[card]; !ok || t.Before(cur) {
			out.Reached[card] = t
		}
	}
}

// mergeChoices writes p's ratings, picks and background over out's.
// Called with the earlier record first, so the later's win.
func mergeChoices(out *Progress, p Progress) {
	for id, v := range p.Ratings {
		if out.Ratings == nil {
			out.Ratings = map[string]int{}
		}
		out.Ratings[id] = v
	}
	for id, v := range p.Picks {
		if out.Picks == nil {
			out.Picks = map[string]string{}
		}
		out.Picks[id] = v
	}
	if p.Background != "" {
		out.Background = p.Background
	}
}

// addReplaced keeps ans as an answer to q that a merge replaced, once.
func (p *Progress) addReplaced(q string, ans Answer) {
	if p.Replaced == nil {
		p.Replaced = map[string][]Answer{}
	}
	if slices.Contains(p.Replaced[q], ans) {
		return
	}
	p.Replaced[q] = append(p.Replaced[q], ans)
	sort.SliceStable(p.Replaced[q], func(i, j int) bool { return p.Replaced[q][i].At.Before(p.Replaced[q][j].At) })
}

// MergeQuiz merges two records of one quiz. The score stays the first
// attempt's: the record whose first attempt came first gives First,
// Correct, At and Skipped (a skip counts as the first attempt only when
// the other has none earlier). Attempts add up; the latest attempt and
// the spaced-review state are the ones of the record answered last;
// review answers are all kept (the newest MaxReviews).
func MergeQuiz(a, b QuizResult) QuizResult {
	first, second := a, b
	if !b.At.IsZero() && (a.At.IsZero() || b.At.Before(a.At)) {
		first, second = b, a
	}
	out := first
	out.Tries = a.Tries + b.Tries
	last := a
	if b.LastAt.After(a.LastAt) {
		last = b
	}
	out.Last, out.LastCorrect, out.LastAt = last.Last, last.LastCorrect, last.LastAt
	review := first
	if second.LastAt.After(first.LastAt) || first.Anchor.IsZero() {
		review = second
	}
	if review.Anchor.IsZero() {
		review = first
	}
	out.Anchor, out.Rounds, out.Notified = review.Anchor, review.Rounds, review.Notified
	out.Reviews = nil
	for _, r := range append(append([]ReviewAnswer(nil), a.Reviews...), b.Reviews...) {
		if !slices.Contains(out.Reviews, r) {
			out.Reviews = append(out.Reviews, r)
		}
	}
	sort.SliceStable(out.Reviews, func(i, j int) bool { return out.Reviews[i].At.Before(out.Reviews[j].At) })
	if n := len(out.Reviews); n > MaxReviews {
		out.Reviews = out.Reviews[n-MaxReviews:]
	}
	return out
}

// mergeRepo keeps the more recent capstone check; when both checked the
// same repository, the ticks either check made stay the bot's.
func mergeRepo(a, b *RepoCheck) *RepoCheck {
	switch {
	case a == nil:
		return b
	case b == nil:
		return a
	}
	keep, other := *a, *b
	if b.Checked.After(a.Checked) {
		keep, other = *b, *a
	}
	if keep.URL == other.URL && len(other.Ticked) > 0 {
		t := map[string]bool{}
		for id := range other.Ticked {
			t[id] = true
		}
		for id := range keep.Ticked {
			t[id] = true
		}
		keep.Ticked = t
	}
	return &keep
}

// MergeLearnerRecord merges the records of two identities: the name and
// current lesson of the one seen last, the latest LastSeen, and the
// pending quiz of the one seen last.
func MergeLearnerRecord(into, from LearnerRecord) LearnerRecord {
	out := into
	if from.LastSeen.After(into.LastSeen) {
		out.Active, out.Pending, out.Via = from.Active, from.Pending, from.Via
		if from.Name != "" {
			out.Name = from.Name
		}
		out.LastSeen = from.LastSeen
	}
	if out.Name == "" {
		out.Name = from.Name
	}
	if out.Active == "" {
		out.Active = from.Active
	}
	return out
}

// MergeTutor merges two tutor records: every exchange, in time order, and
// the day's budget used on both.
func MergeTutor(a, b TutorRecord) TutorRecord {
	out := a
	switch {
	case b.Day > a.Day:
		out.Day, out.Used, out.Told = b.Day, b.Used, b.Told
	case b.Day == a.Day:
		out.Used = a.Used + b.Used
		out.Told = a.Told || b.Told
	}
	out.Exchanges = append(append([]TutorExchange(nil), a.Exchanges...), b.Exchanges...)
	sort.SliceStable(out.Exchanges, func(i, j int) bool { return exchangeStart(out.Exchanges[i]).Before(exchangeStart(out.Exchanges[j])) })
	return out
}

func exchangeStart(e TutorExchange) time.Time {
	if len(e.Turns) == 0 {
		return time.Time{}
	}
	return e.Turns[0].At
}

// MergeNudgeState merges two nudge states: opted out if either opted out
// (the learner asked for quiet on one account), the later snooze, and the
// nudges sent on either.
func MergeNudgeState(a, b NudgeState) NudgeState {
	out := a
	out.OptOut = a.OptOut || b.OptOut
	out.SnoozeUntil = latest(a.SnoozeUntil, b.SnoozeUntil)
	for lesson, n := range b.Sent {
		if out.Sent == nil {
			out.Sent = map[string]int{}
		}
		out.Sent[lesson] = max(out.Sent[lesson], n)
	}
	for lesson, t := range b.Last {
		if out.Last == nil {
			out.Last = map[string]time.Time{}
		}
		out.Last[lesson] = latest(out.Last[lesson], t)
	}
	return out
}

// MergeMember merges two memberships of one cohort: a member if either
// is (an invitation gives way to a membership), joined at the earlier
// time; answers and figures shared only if both agreed (consent given on
// one account is not stretched over what the other was told).
func MergeMember(a, b Member) Member {
	switch {
	case a.Pending && !b.Pending:
		a, b = b, a
	case a.Pending == b.Pending && b.Joined.Before(a.Joined) && !b.Joined.IsZero():
		a, b = b, a
	}
	out := a
	if !a.Pending && !b.Pending {
		out.Answers = a.Answers && b.Answers
		out.Figures = a.Figures && b.Figures
	}
	return out
}

func earliest(a, b time.Time) time.Time {
	switch {
	case a.IsZero():
		return b
	case b.IsZero() || a.Before(b):
		return a
	}
	return b
}

func latest(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}
