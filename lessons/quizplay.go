package lessons

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/coursebot/coursebot"
	"github.com/coursebot/coursebot/bot"
	"github.com/coursebot/coursebot/course"
)

// Action verbs of quizzes.
const (
	// verbQuiz answers a quiz: Item is the quiz id, At where it was shown
	// (a card key, "retry.N" or "review.N"), Value the chosen letters, "+X"
	// to tick option X of a choose-all quiz or "=" to check the ticks.
	verbQuiz = "quiz"
	// verbRetry shows the next missed quiz of Lesson after Item.
	verbRetry = "retry"
	// VerbReview shows the next question due for review (the review DM's
	// button).
	VerbReview = "review"
)

const (
	modeRetry  = "retry"
	modeReview = "review"
)

func modeAt(mode string, tries int) string { return mode + "." + strconv.Itoa(tries) }

// parseAt splits "retry.2" into its mode and count; a card key has no dot.
func parseAt(at string) (mode string, tries int) {
	m, n, ok := strings.Cut(at, ".")
	if !ok {
		return "", 0
	}
	t, err := strconv.Atoi(n)
	if err != nil {
		return "", -1
	}
	return m, t
}

func findQuiz(les *course.Lesson, id string) (*course.Card, *course.QuizDef) {
	for _, c := range les.Cards {
		if q := c.Quiz(); q != nil && q.ID == id {
			return c, q
		}
	}
	return nil, nil
}

// missed reports whether a quiz still counts as missed: never answered
// right, neither first time nor since.
func missed(p coursebot.Progress, id string) bool {
	r := p.Quiz[id]
	return !r.Correct && !r.LastCorrect
}

// quizScore counts the lesson's quizzes and those right first time.
func quizScore(les *course.Lesson, p coursebot.Progress) (correct, total int) {
	for _, q := range les.Quizzes() {
		total++
		if p.Quiz[q.ID].Correct {
			correct++
		}
	}
	return correct, total
}

// quizView renders a quiz for a learner with progress p, shown at at. It
// returns the blocks, the option buttons (none once answered) and whether
// the quiz still waits for its first attempt.
func quizView(les *course.Lesson, q *course.QuizDef, at string, p coursebot.Progress) ([]bot.Block, []bot.Button, bool) {
	r := p.Quiz[q.ID]
	mode, _ := parseAt(at)
	// On its lesson card a quiz is open until the first attempt or a skip;
	// in a retry or review it is open for one more attempt.
	open := mode != "" || (r.Tries == 0 && !r.Skipped)
	var blocks []bot.Block
	if len(q.Options) == 0 {
		blocks = append(blocks, bot.Block{Kind: bot.BlockMarkdown, Text: "**Quiz**"},
			bot.Block{Kind: bot.BlockQuestion, Text: q.Prompt, Question: &bot.Question{ID: q.ID, Prompt: q.Prompt, Answered: !open, Answer: r.First}})
	} else {
		blocks = append(blocks, bot.Block{Kind: bot.BlockMarkdown, Text: quizPrompt(q)})
	}
	if !open {
		blocks = append(blocks, bot.Block{Kind: bot.BlockMarkdown, Text: quizFeedback(q, r.First, r.Correct, r.Skipped && r.Tries == 0)})
		return blocks, nil, false
	}
	var buttons []bot.Button
	picks := p.Picks[q.ID]
	for _, o := range q.Options {
		a := bot.Action{Verb: verbQuiz, Lesson: les.ID, At: at, Item: q.ID, Value: o.Letter}
		label := o.Letter + ") " + o.Text
		if q.Multi() {
			a.Value = "+" + o.Letter
			if strings.Contains(picks, o.Letter) {
				label = "☑ " + label
			} else {
				label = "☐ " + label
			}
		}
		buttons = append(buttons, bot.Button{Label: label, Action: a.Encode()})
	}
	if q.Multi() {
		buttons = append(buttons, bot.Button{Label: "Check answer", Action: bot.Action{Verb: verbQuiz, Lesson: les.ID, At: at, Item: q.ID, Value: "="}.Encode(), Style: bot.StylePrimary})
	}
	return blocks, buttons, true
}

// quizFeedback says whether answer was right, the right answer and the
// explanation.
func quizFeedback(q *course.QuizDef, answer string, right, skipped bool) string {
	if skipped {
		return "Skipped. The answer stays hidden so that you can try it later: press **Retry missed** at the end of the lesson, or type /" + ReviewCommand + "."
	}
	var sb strings.Builder
	shown := answer
	if len(q.Options) > 0 {
		var parts []string
		for _, l := range course.SortedLetters(answer) {
			parts = append(parts, l+") "+q.Option(l))
		}
		shown = strings.Join(parts, ", ")
	}
	if right {
		fmt.Fprintf(&sb, "✅ **Right.** You answered %s.", shown)
	} else {
		fmt.Fprintf(&sb, "❌ **Not quite.** You answered %s. The answer is %s.", shown, q.CorrectText())
	}
	if q.Explain != "" {
		sb.WriteString("\n\n" + q.Explain)
	}
	return sb.String()
}

// quizSkip applies Next and Skip to a card holding a quiz: Next needs an
// attempt or a skip first; Skip passes the quiz over, and a passed-over
// quiz counts as missed (retry and review bring it back).
func quizSkip(cur *course.Card, p *coursebot.Progress, verb string, now time.Time) error {
	q := cur.Quiz()
	if q == nil {
		return nil
	}
	r := p.Quiz[q.ID]
	if r.Tries > 0 || r.Skipped {
		return nil
	}
	if verb == bot.VerbNext {
		return refuse(coursebot.ECONFLICT, "Answer the quiz first (press an option, or type your answer), or press Skip question.")
	}
	if verb != bot.VerbSkip {
		return nil
	}
	if p.Quiz == nil {
		p.Quiz = map[string]coursebot.QuizResult{}
	}
	r.Skipped, r.Anchor = true, now
	p.Quiz[q.ID] = r
	return nil
}

// quizAction handles the quiz verbs from a button.
func (e *request) quizAction(ctx context.Context, who coursebot.Learner, les *course.Lesson, a bot.Action) ([]bot.Reply, error) {
	switch a.Verb {
	case verbRetry:
		return e.retryNext(ctx, who, les, a.Item)
	}
	card, q := findQuiz(les, a.Item)
	if q == nil {
		return nil, refuse(coursebot.ENOTFOUND, "That quiz is no longer in Lesson %s; the course may have changed.", dotted(les.ID))
	}
	switch {
	case strings.HasPrefix(a.Value, "+") && q.Multi():
		return e.quizPick(ctx, who, les, card, q, a)
	case a.Value == "=" && q.Multi():
		var picks string
		p, err := e.store.Progress(ctx, who.Key(), les.ID)
		if err != nil {
			return nil, err
		}
		picks = p.Picks[q.ID]
		if picks == "" {
			return nil, refuse(coursebot.EINVALID, "Tick at least one option, then press Check answer.")
		}
		return e.grade(ctx, who, les, card, q, a.At, picks)
	}
	l, ok := q.Letters(a.Value)
	if !ok {
		return nil, refuse(coursebot.EINVALID, "That choice is not valid for this quiz.")
	}
	return e.grade(ctx, who, les, card, q, a.At, l)
}

// quizPick ticks or unticks an option of a choose-all quiz.
func (e *request) quizPick(ctx context.Context, who coursebot.Learner, les *course.Lesson, card *course.Card, q *course.QuizDef, a bot.Action) ([]bot.Reply, error) {
	letter := strings.TrimPrefix(a.Value, "+")
	if q.Option(letter) == "" {
		return nil, refuse(coursebot.EINVALID, "That choice is not valid for this quiz.")
	}
	now := e.now()
	_, p, err := e.store.UpdateProgress(ctx, who.Key(), les.ID, func(rec *coursebot.LearnerRecord, p *coursebot.Progress) error {
		if err := quizOpen(les, q, a.At, *p); err != nil {
			return err
		}
		if p.Picks == nil {
			p.Picks = map[string]string{}
		}
		cur := p.Picks[q.ID]
		if strings.Contains(cur, letter) {
			cur = strings.ReplaceAll(cur, letter, "")
		} else {
			cur += letter
		}
		p.Picks[q.ID] = strings.Join(course.SortedLetters(cur), "")
		p.Updated = now
		return nil
	})
	if err != nil {
		return nil, err
	}
	r := e.quizReply(les, card, q, a.At, p)
	r.Update = true
	return []bot.Reply{r}, nil
}

// setPicks ticks exactly the options letters of a choose-all quiz (typed
// letters, "A C") and shows the quiz with them ticked.
func (e *request) setPicks(ctx context.Context, who coursebot.Learner, les *course.Lesson, card *course.Card, q *course.QuizDef, at, letters string) ([]bot.Reply, error) {
	now := e.now()
	_, p, err := e.store.UpdateProgress(ctx, who.Key(), les.ID, func(rec *coursebot.LearnerRecord, p *coursebot.Progress) error {
		if err := quizOpen(les, q, at, *p); err != nil {
			return err
		}
		if p.Picks == nil {
			p.Picks = map[string]string{}
		}
		p.Picks[q.ID] = letters
		p.Updated = now
		return nil
	})
	if err != nil {
		return nil, err
	}
	return []bot.Reply{e.quizReply(les, card, q, at, p)}, nil
}

// quizOpen says whether a quiz shown at at still takes an attempt.
func quizOpen(les *course.Lesson, q *course.QuizDef, at string, p coursebot.Progress) error {
	if p.State() == coursebot.StateNotStarted {
		return refuse(coursebot.ECONFLICT, "You have not started Lesson %s yet: type /%s.", dotted(les.ID), les.Command)
	}
	r := p.Quiz[q.ID]
	mode, tries := parseAt(at)
	switch {
	case mode == "" && r.Tries == 0:
		return nil
	case (mode == modeRetry || mode == modeReview) && tries == r.Tries:
		return nil
	}
	how := "it was skipped"
	if r.Tries > 0 {
		how = "you answered " + quizAnswerText(q, r.Last, r.First)
	}
	return refuse(coursebot.ECONFLICT, "Already answered (%s). A missed question comes back under **Retry missed** at the end of the lesson and in /%s.", how, ReviewCommand)
}

func quizAnswerText(q *course.QuizDef, last, first string) string {
	a := last
	if a == "" {
		a = first
	}
	if len(q.Options) > 0 {
		return strings.Join(course.SortedLetters(a), ", ")
	}
	return "“" + a + "”"
}

// grade records an attempt and answers with the feedback.
func (e *request) grade(ctx context.Context, who coursebot.Learner, les *course.Lesson, card *course.Card, q *course.QuizDef, at, answer string) ([]bot.Reply, error) {
	now := e.now()
	right := q.Grade(answer)
	mode, _ := parseAt(at)
	_, p, err := e.store.UpdateProgress(ctx, who.Key(), les.ID, func(rec *coursebot.LearnerRecord, p *coursebot.Progress) error {
		if err := quizOpen(les, q, at, *p); err != nil {
			return err
		}
		touch(rec, who, les.ID, now)
		rec.Pending = nil
		if p.Quiz == nil {
			p.Quiz = map[string]coursebot.QuizResult{}
		}
		r := p.Quiz[q.ID]
		if r.Tries == 0 {
			r.First, r.Correct, r.At = answer, right, now
			if !right && r.Anchor.IsZero() {
				r.Anchor = now
			}
		} else {
			r.Last, r.LastCorrect, r.LastAt = answer, right, now
		}
		if mode == modeReview {
			recordReview(&r, right, now)
			reviewed(&r, right, now)
		}
		r.Tries++
		p.Quiz[q.ID] = r
		delete(p.Picks, q.ID)
		p.Updated = now
		return nil
	})
	if err != nil {
		return nil, err
	}
	if mode == "" {
		// On the lesson card: the card again from the quiz on, answered.
		r := e.render(les, card, p)
		for i, b := range r.Blocks {
			if b.Kind == bot.BlockQuestion || strings.HasPrefix(b.Text, "**Quiz") {
				r.Blocks = r.Blocks[i:]
				break
			}
		}
		return []bot.Reply{r}, nil
	}
	r := bot.Reply{Lesson: les.ID, Title: "Quiz · Lesson " + dotted(les.ID)}
	view, _, _ := quizView(les, q, "", coursebot.Progress{})
	for i, b := range view {
		if b.Question != nil { // a short answer: show what was typed
			qq := *b.Question
			qq.Answered, qq.Answer = true, answer
			view[i].Question = &qq
		}
	}
	r.Blocks = append(view, bot.Block{Kind: bot.BlockMarkdown, Text: quizFeedback(q, answer, right, false)})
	if mode == modeRetry {
		r.Title = "Retry · Lesson " + dotted(les.ID)
		if next := nextMissed(les, p, q.ID); next != nil {
			r.Buttons = []bot.Button{{Label: "Next missed question", Action: bot.Action{Verb: verbRetry, Lesson: les.ID, Item: q.ID}.Encode(), Style: bot.StylePrimary}}
		} else {
			c, t := quizScore(les, p)
			r.Blocks = append(r.Blocks, bot.Block{Kind: bot.BlockMarkdown, Text: fmt.Sprintf("That was the last missed question of Lesson %s. Your score stays %d of %d (first attempts); missed questions come back for review after 1, 3 and 7 days.", dotted(les.ID), c, t)})
			r.Buttons = []bot.Button{statusButton(les)}
		}
		return []bot.Reply{r}, nil
	}
	r.Title = "Review · Lesson " + dotted(les.ID)
	if err := e.reviewFooter(ctx, who, &r); err != nil {
		return nil, err
	}
	return []bot.Reply{r}, nil
}

// quizReply renders a quiz outside its lesson card (a retry, a review) or
// re-renders the card itself.
func (e *request) quizReply(les *course.Lesson, card *course.Card, q *course.QuizDef, at string, p coursebot.Progress) bot.Reply {
	mode, _ := parseAt(at)
	if mode == "" {
		return e.render(les, card, p)
	}
	blocks, buttons, _ := quizView(les, q, at, p)
	title := "Retry · Lesson " + dotted(les.ID)
	if mode == modeReview {
		title = "Review · Lesson " + dotted(les.ID)
	}
	return bot.Reply{Lesson: les.ID, Title: title, Blocks: blocks, Buttons: buttons}
}

// nextMissed is the first missed quiz of the lesson after quiz id after
// ("" = from the start), or nil.
func nextMissed(les *course.Lesson, p coursebot.Progress, after string) *course.QuizDef {
	qs := les.Quizzes()
	start := 0
	for i, q := range qs {
		if q.ID == after {
			start = i + 1
		}
	}
	for _, q := range qs[start:] {
		if missed(p, q.ID) {
			return q
		}
	}
	return nil
}

// retryNext shows the next missed quiz of a lesson after quiz id after.
func (e *request) retryNext(ctx context.Context, who coursebot.Learner, les *course.Lesson, after string) ([]bot.Reply, error) {
	now := e.now()
	var q *course.QuizDef
	var at string
	_, p, err := e.store.UpdateProgress(ctx, who.Key(), les.ID, func(rec *coursebot.LearnerRecord, p *coursebot.Progress) error {
		if p.State() == coursebot.StateNotStarted {
			return refuse(coursebot.ECONFLICT, "You have not started Lesson %s yet: type /%s.", dotted(les.ID), les.Command)
		}
		q = nextMissed(les, *p, after)
		if q == nil {
			return refuse(coursebot.ECONFLICT, "No missed quiz questions left in Lesson %s.", dotted(les.ID))
		}
		touch(rec, who, les.ID, now)
		at = modeAt(modeRetry, p.Quiz[q.ID].Tries)
		rec.Pending = &coursebot.PendingQuiz{Lesson: les.ID, Quiz: q.ID, At: at}
		return nil
	})
	if err != nil {
		return nil, err
	}
	card, _ := findQuiz(les, q.ID)
	return []bot.Reply{e.quizReply(les, card, q, at, p)}, nil
}

// quizText takes a typed answer when it is meant for a quiz: the quiz
// named by m.Question, a pending retry or review, or the quiz on the
// learner's current card. handled is false when no quiz waits.
func (e *request) quizText(ctx context.Context, m bot.Message) (replies []bot.Reply, handled bool, err error) {
	rec, err := e.store.Learner(ctx, m.Learner.Key())
	if err != nil {
		return nil, false, err
	}
	var les *course.Lesson
	var card *course.Card
	var q *course.QuizDef
	at := ""
	pend := rec.Pending
	switch {
	case pend != nil && (m.Question == "" || m.Question == pend.Quiz):
		if les = e.course.Lessons[pend.Lesson]; les != nil {
			card, q = findQuiz(les, pend.Quiz)
			at = pend.At
		}
	default:
		id := m.Lesson
		if id == "" {
			id = rec.Active
		}
		if les = e.course.Lessons[id]; les == nil {
			return nil, false, nil
		}
		if m.Question != "" {
			card, q = findQuiz(les, m.Question)
		} else {
			p, err := e.store.Progress(ctx, m.Learner.Key(), les.ID)
			if err != nil {
				return nil, false, err
			}
			if p.State() == coursebot.StateNotStarted {
				return nil, false, nil
			}
			card = e.cardOf(les, p)
			q = card.Quiz()
		}
		if q != nil {
			at = card.Key
		}
	}
	if q == nil {
		return nil, false, nil
	}
	answer := strings.TrimSpace(m.Text)
	if answer == "" {
		return nil, true, refuse(coursebot.EINVALID, "Your answer is empty.")
	}
	if len(q.Options) > 0 {
		l, ok := q.Letters(answer)
		if !ok {
			return nil, true, refuse(coursebot.EINVALID, "Pick one of the options: press its button or type its letter (%s).", optionLetters(q))
		}
		if q.Multi() {
			// Typed letters tick those options, as their buttons do: the
			// answer is checked with Check answer, never on the letters
			// alone (one rule for typing and pressing).
			replies, err = e.setPicks(ctx, m.Learner, les, card, q, at, l)
			return replies, true, err
		}
		answer = l
	} else if len([]rune(answer)) > 200 {
		answer = string([]rune(answer)[:200])
	}
	replies, err = e.grade(ctx, m.Learner, les, card, q, at, answer)
	return replies, true, err
}

func optionLetters(q *course.QuizDef) string {
	var ls []string
	for _, o := range q.Options {
		ls = append(ls, o.Letter)
	}
	return strings.Join(ls, ", ")
}

// quizCompletion is the line and button the lesson's last card adds about
// its quizzes: "You missed 2 of 5 quiz questions. [Retry missed]".
func quizCompletion(les *course.Lesson, p coursebot.Progress) (string, []bot.Button) {
	correct, total := quizScore(les, p)
	if total == 0 {
		return "", nil
	}
	n := 0
	for _, q := range les.Quizzes() {
		if missed(p, q.ID) {
			n++
		}
	}
	if n == 0 {
		return fmt.Sprintf("Quiz: %d of %d correct first time; nothing left to retry.", correct, total), nil
	}
	return fmt.Sprintf("Quiz: %d of %d correct first time. You missed %d of %d quiz questions.", correct, total, n, total),
		[]bot.Button{{Label: "Retry missed", Action: bot.Action{Verb: verbRetry, Lesson: les.ID}.Encode(), Style: bot.StylePrimary}}
}
