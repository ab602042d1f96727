package lessons

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/coursebot/coursebot/course"
	"github.com/coursebot/coursebot/search"
)

// courseSearch is the search index of one loaded course, built on the first
// search (so starting the bot costs nothing for it) and closed when the
// course is replaced or the engine closes. Searches running when it closes
// finish first.
type courseSearch struct {
	course *course.Course

	mu     sync.RWMutex
	built  bool
	closed bool
	ix     *search.Index
	err    error
}

var errSearchClosed = errors.New("search index closed")

func newCourseSearch(c *course.Course) *courseSearch { return &courseSearch{course: c} }

// Search returns up to n cards of the course that answer query, best first.
func (s *courseSearch) Search(ctx context.Context, query string, n int) ([]search.Result, error) {
	if err := s.build(); err != nil {
		return nil, err
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.closed {
		return nil, errSearchClosed
	}
	return s.ix.Search(ctx, query, n)
}

func (s *courseSearch) build() error {
	s.mu.RLock()
	built, closed, err := s.built, s.closed, s.err
	s.mu.RUnlock()
	if closed {
		return errSearchClosed
	}
	if built {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return errSearchClosed
	}
	if !s.built {
		s.built = true
		s.ix, s.err = search.Build(course.Passages(s.course), course.Glossary(s.course))
		if s.err != nil {
			s.err = fmt.Errorf("build course search: %w", s.err)
		}
	}
	return s.err
}

// Close releases the index, waiting for searches in progress.
func (s *courseSearch) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil
	}
	s.closed = true
	if s.ix != nil {
		return s.ix.Close()
	}
	return nil
}

// Search finds up to n cards of the installed lessons that answer query,
// best first, each with its best passages and where to read it (the
// lesson's command, the card's number and title). It is what /help-mlops
// shows, for callers that ground an answer in the course (the tutor).
func (eng *Engine) Search(ctx context.Context, query string, n int) ([]search.Result, error) {
	for {
		l := eng.loaded.Load()
		res, err := l.search.Search(ctx, query, n)
		if errors.Is(err, errSearchClosed) && eng.loaded.Load() != l {
			continue // the course was replaced during the search: ask the new one
		}
		return res, err
	}
}

// Close releases what the engine built for its course (the search index);
// searches fail after it, everything else keeps working.
func (eng *Engine) Close() error { return eng.loaded.Load().search.Close() }
