// Package githubtest is a fake GitHub REST API for tests: the three
// endpoints the capstone check reads (GET /repos/{owner}/{repo},
// /repos/{owner}/{repo}/git/trees/{sha}?recursive=1 and
// /repos/{owner}/{repo}/actions/runs), answering with the JSON GitHub
// documents and its rate-limit headers, as github.com does or as GitHub
// Enterprise Server does under /api/v3/.
package githubtest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Repo is a repository the fake serves.
type Repo struct {
	Owner, Name   string
	Private       bool
	DefaultBranch string // "main" when empty
	// Files are the default branch's paths ("src/train.py"); their
	// directories are listed as trees, as GitHub's recursive tree does.
	Files []string
	// Truncated says GitHub could not list the whole tree.
	Truncated bool
	// Empty is a repository without commits: its tree answers 409.
	Empty bool
	// Runs are its workflow runs on the default branch, newest first.
	Runs []Run
	// NoActions answers the runs endpoint with 404 (Actions disabled).
	NoActions bool
}

// Run is a workflow run.
type Run struct {
	Name       string
	Event      string // "push" when empty
	Status     string // "completed" when empty
	Conclusion string
	At         time.Time
}

// Server is the fake API. Its zero limits are generous; set Limit and
// Remaining to run out.
type Server struct {
	*httptest.Server
	// Prefix is the API's path: "" for api.github.com, "/api/v3" for
	// GitHub Enterprise Server.
	Prefix string
	// Token, when set, is the only token accepted: any other gets 401,
	// and private repositories are visible only with it (without it they
	// are 404, as on GitHub).
	Token string
	// Now is the fake's clock, for the rate limit's reset time.
	Now func() time.Time
	// LimitStatus is the status a request past the primary rate limit
	// gets: 403 (the default) or 429, both of which GitHub sends.
	LimitStatus int

	mu        sync.Mutex
	repos     map[string]Repo
	limit     int
	remaining int
	reset     time.Time
	// secondary, when set, answers the next requests 403 with the
	// secondary-limit document and this Retry-After (seconds).
	secondary int
	requests  []string
}

// New starts a fake API serving repos (under prefix "" or "/api/v3").
func New(prefix string, now func() time.Time, repos ...Repo) *Server {
	s := &Server{Prefix: prefix, Now: now, repos: map[string]Repo{}, limit: 5000, remaining: 5000}
	for _, r := range repos {
		s.Put(r)
	}
	s.reset = now().Add(time.Hour)
	s.Server = httptest.NewServer(http.HandlerFunc(s.serve))
	return s
}

// APIURL is the base URL a client is given: the server's URL plus Prefix
// and a slash.
func (s *Server) APIURL() string { return s.URL + s.Prefix + "/" }

// Put adds or replaces a repository.
func (s *Server) Put(r Repo) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if r.DefaultBranch == "" {
		r.DefaultBranch = "main"
	}
	s.repos[strings.ToLower(r.Owner+"/"+r.Name)] = r
}

// RateLimit sets the primary limit: remaining requests, reset at reset.
func (s *Server) RateLimit(remaining int, reset time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.remaining, s.reset = remaining, reset
}

// SecondaryLimit makes the next request answer 403 with the secondary
// rate limit's document and Retry-After: retryAfter seconds.
func (s *Server) SecondaryLimit(retryAfter int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.secondary = retryAfter
}

// Requests are the requests served so far, as "GET /path?query".
func (s *Server) Requests() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.requests...)
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	line := r.Method + " " + r.URL.Path
	if r.URL.RawQuery != "" {
		line += "?" + r.URL.RawQuery
	}
	s.requests = append(s.requests, line)
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	if s.Token != "" && r.Header.Get("Authorization") != "" && r.Header.Get("Authorization") != "Bearer "+s.Token {
		writeError(w, http.StatusUnauthorized, "Bad credentials", "https://docs.github.com/rest")
		return
	}
	if s.secondary > 0 {
		w.Header().Set("Retry-After", strconv.Itoa(s.secondary))
		s.secondary = 0
		writeError(w, http.StatusForbidden, "You have exceeded a secondary rate limit. Please wait a few minutes before you try again.",
			"https://docs.github.com/rest/overview/rate-limits-for-the-rest-api#about-secondary-rate-limits")
		return
	}
	if !s.Now().Before(s.reset) {
		s.remaining, s.reset = s.limit, s.Now().Add(time.Hour)
	}
	h := w.Header()
	h.Set("X-RateLimit-Limit", strconv.Itoa(s.limit))
	h.Set("X-RateLimit-Reset", strconv.FormatInt(s.reset.Unix(), 10))
	h.Set("X-RateLimit-Resource", "core")
	if s.remaining <= 0 {
		h.Set("X-RateLimit-Remaining", "0")
		h.Set("X-RateLimit-Used", strconv.Itoa(s.limit))
		status := s.LimitStatus
		if status == 0 {
			status = http.StatusForbidden
		}
		writeError(w, status, "API rate limit exceeded for 127.0.0.1. (But here's the good news: Authenticated requests get a higher rate limit.)",
			"https://docs.github.com/rest/overview/resources-in-the-rest-api#rate-limiting")
		return
	}
	s.remaining--
	h.Set("X-RateLimit-Remaining", strconv.Itoa(s.remaining))
	h.Set("X-RateLimit-Used", strconv.Itoa(s.limit-s.remaining))

	path, ok := strings.CutPrefix(r.URL.Path, s.Prefix+"/repos/")
	if !ok || r.Method != http.MethodGet {
		writeError(w, http.StatusNotFound, "Not Found", "https://docs.github.com/rest")
		return
	}
	parts := strings.SplitN(path, "/", 3)
	if len(parts) < 2 {
		writeError(w, http.StatusNotFound, "Not Found", "https://docs.github.com/rest")
		return
	}
	repo, ok := s.repos[strings.ToLower(parts[0]+"/"+parts[1])]
	authorised := s.Token != "" && r.Header.Get("Authorization") == "Bearer "+s.Token
	if !ok || repo.Private && !authorised {
		writeError(w, http.StatusNotFound, "Not Found", "https://docs.github.com/rest/repos/repos#get-a-repository")
		return
	}
	rest := ""
	if len(parts) == 3 {
		rest = parts[2]
	}
	switch {
	case rest == "":
		s.writeRepo(w, repo)
	case strings.HasPrefix(rest, "git/trees/"):
		s.writeTree(w, r, repo, strings.TrimPrefix(rest, "git/trees/"))
	case rest == "actions/runs":
		s.writeRuns(w, r, repo)
	default:
		writeError(w, http.StatusNotFound, "Not Found", "https://docs.github.com/rest")
	}
}

func writeError(w http.ResponseWriter, code int, msg, doc string) {
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(map[string]string{"message": msg, "documentation_url": doc, "status": strconv.Itoa(code)})
}

func (s *Server) base() string { return s.URL + s.Prefix }

// web is the repositories' web address: github.com, or the Enterprise
// server itself.
func (s *Server) web() string {
	if s.Prefix == "" {
		return "https://github.com"
	}
	return s.URL
}

func (s *Server) writeRepo(w http.ResponseWriter, r Repo) {
	full := r.Owner + "/" + r.Name
	_ = json.NewEncoder(w).Encode(map[string]any{
		"id": 1296269, "node_id": "MDEwOlJlcG9zaXRvcnkxMjk2MjY5", "name": r.Name, "full_name": full,
		"owner":   map[string]any{"login": r.Owner, "id": 1, "type": "User"},
		"private": r.Private, "html_url": s.web() + "/" + full, "description": nil, "fork": false,
		"url": s.base() + "/repos/" + full, "default_branch": r.DefaultBranch, "visibility": map[bool]string{true: "private", false: "public"}[r.Private],
		"archived": false, "disabled": false, "size": 108,
	})
}

// writeTree answers the recursive tree of the default branch: every file
// and every directory above one, sorted as git sorts them.
func (s *Server) writeTree(w http.ResponseWriter, req *http.Request, r Repo, sha string) {
	if sha != r.DefaultBranch {
		writeError(w, http.StatusNotFound, "Not Found", "https://docs.github.com/rest/git/trees#get-a-tree")
		return
	}
	if r.Empty {
		writeError(w, http.StatusConflict, "Git Repository is empty.", "https://docs.github.com/rest/git/trees#get-a-tree")
		return
	}
	recursive := req.URL.Query().Get("recursive") != ""
	kinds := map[string]string{}
	for _, f := range r.Files {
		kinds[f] = "blob"
		for d := f; strings.Contains(d, "/"); {
			d = d[:strings.LastIndex(d, "/")]
			kinds[d] = "tree"
		}
	}
	paths := make([]string, 0, len(kinds))
	for p := range kinds {
		if recursive || !strings.Contains(p, "/") {
			paths = append(paths, p)
		}
	}
	sort.Strings(paths)
	entries := make([]map[string]any, 0, len(paths))
	for i, p := range paths {
		e := map[string]any{"path": p, "mode": "100644", "type": kinds[p], "sha": fmt.Sprintf("%040x", i+1), "url": s.base() + "/repos/" + r.Owner + "/" + r.Name + "/git/blobs/" + fmt.Sprintf("%040x", i+1)}
		if kinds[p] == "tree" {
			e["mode"] = "040000"
		} else {
			e["size"] = 30
		}
		entries = append(entries, e)
	}
	_ = json.NewEncoder(w).Encode(map[string]any{
		"sha": fmt.Sprintf("%040x", 0xc0ffee), "url": s.base() + "/repos/" + r.Owner + "/" + r.Name + "/git/trees/" + sha,
		"tree": entries, "truncated": r.Truncated,
	})
}

func (s *Server) writeRuns(w http.ResponseWriter, req *http.Request, r Repo) {
	if r.NoActions {
		writeError(w, http.StatusNotFound, "Not Found", "https://docs.github.com/rest/actions/workflow-runs")
		return
	}
	q := req.URL.Query()
	var runs []map[string]any
	if b := q.Get("branch"); b == "" || b == r.DefaultBranch {
		for i, run := range r.Runs {
			event, status := run.Event, run.Status
			if event == "" {
				event = "push"
			}
			if status == "" {
				status = "completed"
			}
			var conclusion any
			if status == "completed" {
				conclusion = run.Conclusion
			}
			id := 30433642 + len(r.Runs) - i
			runs = append(runs, map[string]any{
				"id": id, "name": run.Name, "head_branch": r.DefaultBranch, "head_sha": fmt.Sprintf("%040x", id), "path": ".github/workflows/ci.yml",
				"run_number": len(r.Runs) - i, "event": event, "status": status, "conclusion": conclusion, "workflow_id": 159038,
				"html_url":   s.web() + "/" + r.Owner + "/" + r.Name + "/actions/runs/" + strconv.Itoa(id),
				"created_at": run.At.UTC().Format(time.RFC3339), "updated_at": run.At.UTC().Format(time.RFC3339), "run_started_at": run.At.UTC().Format(time.RFC3339),
			})
		}
	}
	total := len(runs)
	if n, err := strconv.Atoi(q.Get("per_page")); err == nil && n > 0 && n < len(runs) {
		runs = runs[:n]
	}
	if runs == nil {
		runs = []map[string]any{}
	}
	_ = json.NewEncoder(w).Encode(map[string]any{"total_count": total, "workflow_runs": runs})
}
