// Package search finds the passages of a course that answer a learner's
// question: an in-memory bleve index over every passage of every installed
// lesson (English analyzer: possessives, lowercase, stop words, Porter
// stemming; BM25 scoring), card titles and headings weighted above the text,
// and query words widened with synonyms taken from the course's own words
// (see Glossary and docs/course-format.md).
//
// The package knows passages, not lessons: package lessons cuts a course
// into Passages and renders the Hits. It is the one package that imports
// bleve.
package search

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"unicode"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/analysis"
	"github.com/blevesearch/bleve/v2/analysis/lang/en"
	"github.com/blevesearch/bleve/v2/index/scorch"
	"github.com/blevesearch/bleve/v2/search/query"
	index "github.com/blevesearch/bleve_index_api"
)

// Kind is what a passage is, so a reader can render it as written.
type Kind int

const (
	Text  Kind = iota + 1 // a paragraph (Markdown)
	List                  // a Markdown list, kept a list
	Table                 // a GFM table: render it as a code block
	Code                  // a code block or diagram, verbatim
	Items                 // checklist or rating items, one "- " line each
)

// Passage is one piece of a lesson a learner can be pointed to.
type Passage struct {
	Lesson    string // lesson id, "4-4"
	Command   string // the command that opens it, "start-4-4"
	Card      int    // card number, 1-based
	Cards     int    // cards in the lesson
	CardTitle string // the card's title
	Heading   string // the heading or group the passage sits under in the card, may be ""
	// Lead is the line that introduces the passage in the course, if any
	// ("**When you need it:**", "Walk through the checklist:"): Markdown,
	// searched with the text and shown before it.
	Lead string
	Kind Kind
	Text string // as written (Markdown, table or code source; Items: one item a line)
}

// Result is one card that answers a query: the card's matching passages
// (at most MaxPassages, the best ones, in the card's order).
type Result struct {
	Lesson    string
	Command   string
	Card      int // 1-based
	Cards     int
	CardTitle string
	Passages  []Passage
	Score     float64 // the best passage's score
}

// MaxPassages is how many passages of one card a Result holds.
const MaxPassages = 3

// Glossary maps a term (lowercase words, single spaces) to terms the course
// uses for the same thing; a query that says one also searches the others,
// weighted below the words typed.
type Glossary map[string][]string

// Index is a built, read-only search index. It is safe for concurrent use.
type Index struct {
	idx      bleve.Index
	an       analysis.Analyzer
	passages []Passage
	words    map[string]bool // every lowercase word of the course, unstemmed
	glossary Glossary

	closeOnce sync.Once // bleve's scorch panics on a second Close
	closeErr  error
}

const (
	fieldTitle = "title"
	fieldText  = "text"

	titleBoost   = 2.5 // a word in the card title or heading counts this much more
	phraseBoost  = 1.5 // the query's words side by side in the text
	synonymBoost = 0.6 // a course synonym of a query word
)

// Build indexes passages in memory (bleve's scorch index, unpersisted, for
// its BM25 scoring). glossary may be nil. Close the index when done with it:
// it runs one goroutine until then.
func Build(passages []Passage, glossary Glossary) (*Index, error) {
	m := bleve.NewIndexMapping()
	m.DefaultAnalyzer = en.AnalyzerName
	m.ScoringModel = index.BM25Scoring
	doc := bleve.NewDocumentMapping()
	for _, f := range []string{fieldTitle, fieldText} {
		fm := bleve.NewTextFieldMapping()
		fm.Analyzer = en.AnalyzerName
		fm.Store = false
		fm.IncludeInAll = false
		fm.IncludeTermVectors = f == fieldText // phrase queries need positions
		doc.AddFieldMappingsAt(f, fm)
	}
	m.DefaultMapping = doc
	idx, err := bleve.NewUsing("", m, scorch.Name, scorch.Name, nil)
	if err != nil {
		return nil, fmt.Errorf("search: new index: %w", err)
	}
	an := m.AnalyzerNamed(en.AnalyzerName)
	if an == nil {
		return nil, fmt.Errorf("search: no %q analyzer", en.AnalyzerName)
	}
	x := &Index{idx: idx, an: an, passages: passages, words: map[string]bool{}, glossary: glossary}
	b := idx.NewBatch()
	for i, p := range passages {
		title := p.CardTitle
		if p.Heading != "" && p.Heading != p.CardTitle {
			title += " " + p.Heading
		}
		text := p.Text
		if p.Lead != "" {
			text = p.Lead + "\n" + text
		}
		if err := b.Index(strconv.Itoa(i), map[string]any{fieldTitle: title, fieldText: text}); err != nil {
			return nil, fmt.Errorf("search: index passage %d: %w", i, err)
		}
		for _, w := range rawWords(title + " " + text) {
			x.words[w] = true
		}
	}
	if err := idx.Batch(b); err != nil {
		return nil, fmt.Errorf("search: index %d passages: %w", len(passages), err)
	}
	return x, nil
}

// Len is the number of passages indexed.
func (x *Index) Len() int { return len(x.passages) }

// Close releases the index and stops its goroutine; searches after Close
// fail. Closing twice is harmless.
func (x *Index) Close() error {
	x.closeOnce.Do(func() { x.closeErr = x.idx.Close() })
	return x.closeErr
}

// candidates is how many passages are ranked before they are grouped by card.
const candidates = 60

// Search returns up to n cards that answer query, best first, each with its
// best passages; nothing when no word of the query is in the course.
func (x *Index) Search(ctx context.Context, queryText string, n int) ([]Result, error) {
	q := x.query(queryText)
	if q == nil || n <= 0 {
		return nil, nil
	}
	res, err := x.idx.SearchInContext(ctx, bleve.NewSearchRequestOptions(q, candidates, 0, false))
	if err != nil {
		return nil, fmt.Errorf("search %q: %w", queryText, err)
	}
	type group struct {
		res  Result
		seqs []int
	}
	var groups []*group
	byCard := map[string]*group{}
	for _, h := range res.Hits {
		i, err := strconv.Atoi(h.ID)
		if err != nil || i < 0 || i >= len(x.passages) {
			return nil, fmt.Errorf("search: unknown passage id %q", h.ID)
		}
		p := x.passages[i]
		key := p.Lesson + "\x00" + strconv.Itoa(p.Card)
		g := byCard[key]
		if g == nil {
			if len(groups) == n {
				continue
			}
			g = &group{res: Result{Lesson: p.Lesson, Command: p.Command, Card: p.Card, Cards: p.Cards, CardTitle: p.CardTitle, Score: h.Score}}
			byCard[key] = g
			groups = append(groups, g)
		}
		if len(g.seqs) < MaxPassages {
			g.seqs = append(g.seqs, i)
		}
	}
	out := make([]Result, 0, len(groups))
	for _, g := range groups {
		slices.Sort(g.seqs)
		for _, i := range g.seqs {
			g.res.Passages = append(g.res.Passages, x.passages[i])
		}
		out = append(out, g.res)
	}
	return out, nil
}

// query builds: every analysed query word in the text or (weighted) the
// title; the whole query as a phrase; and the course's synonyms of the
// query's words and word pairs.
func (x *Index) query(text string) query.Query {
	words := rawWords(text)
	if len(x.an.Analyze([]byte(text))) == 0 {
		return nil
	}
	var should []query.Query
	match := func(s, field string, boost float64) {
		mq := bleve.NewMatchQuery(s)
		mq.SetField(field)
		mq.SetBoost(boost)
		should = append(should, mq)
	}
	phrase := func(s, field string, boost float64) {
		pq := bleve.NewMatchPhraseQuery(s)
		pq.SetField(field)
		pq.SetBoost(boost)
		should = append(should, pq)
	}
	syns, joined := x.synonyms(words)
	// Two words the course writes as one are searched as that one word
	// ("roll back" as "rollback", not "back").
	var single []string
	for i, w := range words {
		if !joined[i] {
			single = append(single, w)
		}
	}
	if s := strings.Join(single, " "); len(x.an.Analyze([]byte(s))) > 0 {
		match(s, fieldText, 1)
		match(s, fieldTitle, titleBoost)
	}
	if typed := strings.Join(words, " "); len(x.an.Analyze([]byte(typed))) > 1 {
		phrase(typed, fieldText, phraseBoost)
	}
	for _, s := range syns {
		boost := synonymBoost
		if s.spelling {
			boost = 1
		}
		if strings.Contains(s.text, " ") {
			phrase(s.text, fieldText, boost)
			phrase(s.text, fieldTitle, boost*titleBoost)
		} else {
			match(s.text, fieldText, boost)
			match(s.text, fieldTitle, boost*titleBoost)
		}
	}
	return bleve.NewDisjunctionQuery(should...)
}

// synonyms are the course's other words for what the query says:
//   - two typed words the course writes as one ("roll back" -> "rollback",
//     "pre commit" -> "precommit"), and one typed word the course writes as
//     two ("rollback" -> "roll back");
//   - glossary entries for any typed word or pair of words.
//
// joined marks the words (by index) that the course writes joined to their
// neighbour.
func (x *Index) synonyms(words []string) (out []synonym, joined map[int]bool) {
	joined = map[int]bool{}
	seen := map[string]bool{}
	add := func(s string, spelling bool) {
		if s != "" && !seen[s] {
			seen[s] = true
			out = append(out, synonym{s, spelling})
		}
	}
	for i, w := range words {
		for _, g := range x.glossary[w] {
			add(g, false)
		}
		if i+1 < len(words) {
			pair := w + " " + words[i+1]
			if one := w + words[i+1]; x.words[one] {
				add(one, true)
				joined[i], joined[i+1] = true, true
			}
			for _, g := range x.glossary[pair] {
				add(g, false)
			}
		}
		if !x.words[w] {
			for cut := 2; cut <= len(w)-2; cut++ {
				if x.words[w[:cut]] && x.words[w[cut:]] {
					add(w[:cut]+" "+w[cut:], true)
					break
				}
			}
		}
	}
	return out, joined
}

// synonym is another way the course says part of a query; spelling marks
// the same words written together or apart, which count as typed.
type synonym struct {
	text     string
	spelling bool
}

// rawWords splits s into lowercase words of letters and digits.
func rawWords(s string) []string {
	return strings.FieldsFunc(strings.ToLower(s), func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r)
	})
}
