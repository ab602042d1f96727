package tutor

import (
	"hash/fnv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/coursebot/coursebot/course"
)

// LeakWords is the shortest run of consecutive words, copied from text a
// learner must not see, that makes a reply a leak. Words are compared
// lowercased, without punctuation or Markdown, so a reformatted copy
// (a list turned into a sentence, **bold** added) is still found.
const LeakWords = 12

// Kinds of protected text.
const (
	ProtectNotes    = "notes"    // lead-only teaching notes and instructions to the tutor
	ProtectSolution = "solution" // what the course marks as the solution
	ProtectPrompt   = "prompt"   // the tutor's own instructions
)

// Protected is text of one kind a learner must not be shown.
type Protected struct {
	Kind string
	Text string
}

// Leak is a run of protected words found in a reply.
type Leak struct {
	Kind  string // ProtectNotes, ProtectSolution or ProtectPrompt
	Words string // the run, as normalized words
	At    int    // byte offset in the reply where the run starts
}

// Cause is the fallback cause a leak of this kind is counted under.
func (l *Leak) Cause() string {
	switch l.Kind {
	case ProtectSolution:
		return CauseLeakedSolution
	case ProtectPrompt:
		return CauseLeakedPrompt
	}
	return CauseLeakedNotes
}

// Guard finds protected text in what a model wrote: the one check behind
// both the output guard (nothing of it reaches a learner) and `coursebot
// tutor eval` (a reply carrying it fails). It is read-only once built and
// safe for concurrent use.
type Guard struct {
	// runs maps the hash of each protected run of LeakWords words to its
	// kind; prefixes[k] holds the hashes of their first k words (1 <= k <
	// LeakWords): what, at the end of a growing reply, could still become
	// a protected run.
	runs     map[uint64]string
	prefixes [LeakWords]map[uint64]bool
}

// NewGuard protects every run of LeakWords words of protected, except
// runs that visible also holds: what learners read on a card is not a
// secret because a lead's note repeats it.
func NewGuard(protected []Protected, visible []string) *Guard {
	g := &Guard{runs: map[uint64]string{}}
	for k := range g.prefixes {
		g.prefixes[k] = map[uint64]bool{}
	}
	open := map[uint64]bool{}
	for _, v := range visible {
		ws := wordHashes(v)
		for i := 0; i+LeakWords <= len(ws); i++ {
			open[runHash(ws[i:i+LeakWords])] = true
		}
	}
	for _, p := range protected {
		ws := wordHashes(p.Text)
		for i := 0; i+LeakWords <= len(ws); i++ {
			h := runHash(ws[i : i+LeakWords])
			if open[h] {
				continue
			}
			if _, ok := g.runs[h]; !ok {
				g.runs[h] = p.Kind
			}
			var ph uint64
			for k := 1; k < LeakWords; k++ {
				ph = ph*runPrime + ws[i+k-1]
				g.prefixes[k][ph] = true
			}
		}
	}
	return g
}

// Runs is how many protected runs the guard holds (0: nothing to guard).
func (g *Guard) Runs() int { return len(g.runs) }

// Check returns the first protected run in text, or nil.
func (g *Guard) Check(text string) *Leak {
	w := g.Watch()
	if l := w.Write(text); l != nil {
		return l
	}
	return w.End()
}

// CourseGuard protects the teaching notes and solutions of every lesson of
// c and the tutor's own instructions, letting through what any card shows.
func CourseGuard(c *course.Course) *Guard {
	var protected []Protected
	var visible []string
	for _, les := range c.Lessons {
		notes, solution := course.Protected(les)
		protected = append(protected, Protected{ProtectNotes, notes}, Protected{ProtectSolution, solution})
		visible = append(visible, course.VisibleText(les)...)
	}
	protected = append(protected, Protected{ProtectPrompt, instructions()})
	return NewGuard(protected, visible)
}

// Watch follows a reply as it streams: each piece is checked as it comes,
// and Shown is the part that can be shown now. It is not safe for
// concurrent use.
type Watch struct {
	g    *Guard
	text strings.Builder
	// last are the last complete words (at most LeakWords), oldest first.
	last []word
	// cur is the word being read (a piece may end inside a word); curAt
	// its offset, -1 when between words.
	cur   []byte
	curAt int
	// hold is the offset up to which the text can be shown: after it
	// may start a protected run that later pieces complete.
	hold int
	leak *Leak
}

type word struct {
	hash uint64
	at   int
	text string
}

// Watch starts following a reply.
func (g *Guard) Watch() *Watch { return &Watch{g: g, curAt: -1} }

// Write adds a piece of the reply; it returns the leak once the reply
// carries protected text (and keeps returning it).
func (w *Watch) Write(piece string) *Leak {
	if w.leak != nil {
		return w.leak
	}
	base := w.text.Len()
	w.text.WriteString(piece)
	for i, r := range piece {
		if isWordRune(r) {
			if w.curAt < 0 {
				w.curAt = base + i
			}
			w.cur = utf8.AppendRune(w.cur, unicode.ToLower(r))
			continue
		}
		if w.curAt >= 0 && w.endWord() != nil {
			return w.leak
		}
	}
	w.settle()
	return nil
}

// End ends the reply (its last word is complete) and returns the leak, if
// any.
func (w *Watch) End() *Leak {
	if w.leak == nil && w.curAt >= 0 {
		w.endWord()
	}
	if w.leak == nil {
		w.hold = w.text.Len()
	}
	return w.leak
}

// Shown is the reply so far up to where a protected run could still be
// starting: those last words wait until a later piece shows they are not
// a copy (or the reply ends). Nothing of a leak is ever in it.
func (w *Watch) Shown() string { return w.text.String()[:w.hold] }

// Text is the whole reply so far.
func (w *Watch) Text() string { return w.text.String() }

// endWord completes the current word and checks the runs it ends.
func (w *Watch) endWord() *Leak {
	wd := word{hash: hashWord(w.cur), at: w.curAt, text: string(w.cur)}
	w.cur, w.curAt = w.cur[:0], -1
	if len(w.last) == LeakWords {
		w.last = append(w.last[:0], w.last[1:]...)
	}
	w.last = append(w.last, wd)
	n := len(w.last)
	if n == LeakWords {
		hs := make([]uint64, LeakWords)
		for i, x := range w.last {
			hs[i] = x.hash
		}
		if kind, ok := w.g.runs[runHash(hs)]; ok {
			texts := make([]string, LeakWords)
			for i, x := range w.last {
				texts[i] = x.text
			}
			w.leak = &Leak{Kind: kind, Words: strings.Join(texts, " "), At: w.last[0].at}
			return w.leak
		}
	}
	return nil
}

// settle moves hold to the end of the text, or to the start of the
// earliest of the last words that begin a prefix of a protected run, or
// of a word still being read.
func (w *Watch) settle() {
	hold := w.text.Len()
	if w.curAt >= 0 {
		hold = w.curAt
	}
	n := len(w.last)
	for k := min(n, LeakWords-1); k >= 1; k-- {
		var h uint64
		for _, x := range w.last[n-k:] {
			h = h*runPrime + x.hash
		}
		if w.g.prefixes[k][h] {
			hold = min(hold, w.last[n-k].at)
			break
		}
	}
	w.hold = max(w.hold, hold)
}

// runPrime mixes word hashes into a run's hash.
const runPrime = 1099511628211

func runHash(ws []uint64) uint64 {
	var h uint64
	for _, x := range ws {
		h = h*runPrime + x
	}
	return h
}

func hashWord(b []byte) uint64 {
	h := fnv.New64a()
	_, _ = h.Write(b) // a hash.Hash never fails
	return h.Sum64()
}

func isWordRune(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.IsMark(r) }

// wordHashes are text's words, lowercased, hashed: the words a Watch
// reads, the same way.
func wordHashes(text string) []uint64 {
	var out []uint64
	var cur []byte
	for _, r := range text {
		if isWordRune(r) {
			cur = utf8.AppendRune(cur, unicode.ToLower(r))
			continue
		}
		if len(cur) > 0 {
			out = append(out, hashWord(cur))
			cur = cur[:0]
		}
	}
	if len(cur) > 0 {
		out = append(out, hashWord(cur))
	}
	return out
}
