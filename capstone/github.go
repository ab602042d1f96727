package capstone

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/google/go-github/v93/github"

	"github.com/coursebot/coursebot"
)

// The GitHub REST API through go-github: three calls a check (the
// repository, its default branch's tree, its latest workflow run), each
// failure turned into one sentence for the learner (a *Problem).

// GitHubOptions configure the reader.
type GitHubOptions struct {
	// APIURL is the REST API's base: "" for github.com
	// (https://api.github.com/), "https://HOST/api/v3/" for GitHub
	// Enterprise Server. Learners' URLs must name its host.
	APIURL string
	// Token is sent as a bearer token when set ("" reads public
	// repositories without one, at GitHub's lower rate limit).
	Token string
	// HTTPClient makes the calls (its Transport is kept); nil is a new
	// client.
	HTTPClient *http.Client
	// Now is the clock the rate limit's reset is measured against.
	Now func() time.Time
}

// GitHub reads repositories through the GitHub REST API.
type GitHub struct {
	c    *github.Client
	host string // the web host learners' URLs name: "github.com"
	now  func() time.Time
}

// maxBody bounds one response's body: GitHub answers a recursive tree of
// at most 100,000 entries and 7 MB, so anything bigger is not a tree the
// check reads.
const maxBody = 16 << 20

// NewGitHub returns a reader for the API at o.APIURL.
func NewGitHub(o GitHubOptions) (*GitHub, error) {
	if o.Now == nil {
		o.Now = time.Now
	}
	hc := &http.Client{}
	if o.HTTPClient != nil {
		c := *o.HTTPClient
		hc = &c
	}
	next := hc.Transport
	if next == nil {
		next = http.DefaultTransport
	}
	hc.Transport = limitBody{next}
	opts := []github.ClientOptionsFunc{github.WithHTTPClient(hc), github.WithUserAgent("coursebot")}
	if o.Token != "" {
		opts = append(opts, github.WithAuthToken(o.Token))
	}
	host := "github.com"
	if o.APIURL != "" {
		u, err := url.Parse(o.APIURL)
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			return nil, fmt.Errorf("github api url %q: want https://HOST/api/v3/", o.APIURL)
		}
		if !strings.HasSuffix(u.Path, "/") {
			u.Path += "/"
		}
		opts = append(opts, github.WithEnterpriseURLs(u.String(), u.String()))
		host = strings.ToLower(u.Hostname())
		if host == "api.github.com" {
			host = "github.com"
		}
	}
	c, err := github.NewClient(opts...)
	if err != nil {
		return nil, fmt.Errorf("github client: %w", err)
	}
	return &GitHub{c: c, host: host, now: o.Now}, nil
}

// Host is the web host whose repositories the reader can read.
func (g *GitHub) Host() string { return g.host }

// Snapshot is what a check reads of a repository.
type Snapshot struct {
	Branch string
	// Paths are the default branch's entries by path, "tree" for a
	// directory, "blob" for a file ("commit" for a submodule).
	Paths map[string]string
	// CI is the latest workflow run on Branch, nil when there is none.
	CI *coursebot.CIRun
	// Remaining is the API's X-RateLimit-Remaining after the last call.
	Remaining int
}

// Read reads r: its default branch's tree and latest workflow run. A
// private repository, one GitHub does not show, an empty or truncated
// tree, a rate limit or GitHub failing gives a *Problem.
func (g *GitHub) Read(ctx context.Context, r Repo) (Snapshot, error) {
	repo, _, err := g.c.Repositories.Get(ctx, r.Owner, r.Name)
	if err != nil {
		return Snapshot{}, g.problem(ctx, r, "read the repository", err)
	}
	if repo.GetPrivate() {
		return Snapshot{}, &Problem{Kind: "private", Msg: fmt.Sprintf("%s is a private repository: I check public repositories only (your cohort's leads must be able to open it too). Make it public, or tick the items yourself.", r)}
	}
	s := Snapshot{Branch: repo.GetDefaultBranch(), Paths: map[string]string{}}
	if s.Branch == "" {
		return Snapshot{}, &Problem{Kind: "empty", Msg: fmt.Sprintf("%s has no default branch yet: push your project, then check again.", r)}
	}
	tree, _, err := g.c.Git.GetTree(ctx, r.Owner, r.Name, url.PathEscape(s.Branch), true)
	if err != nil {
		return Snapshot{}, g.problem(ctx, r, "read the file tree", err)
	}
	if tree.GetTruncated() {
		return Snapshot{}, &Problem{Kind: "too_large", Msg: fmt.Sprintf("%s has more files than GitHub lists in one answer (its tree was cut short), so I cannot tell what is missing. Keep data and models out of git (DVC is for them) and check again, or tick the items yourself.", r)}
	}
	for _, e := range tree.Entries {
		s.Paths[e.GetPath()] = e.GetType()
	}
	runs, resp, err := g.c.Actions.ListRepositoryWorkflowRuns(ctx, r.Owner, r.Name, &github.ListWorkflowRunsOptions{Branch: s.Branch, ListOptions: github.ListOptions{PerPage: 1}})
	switch {
	case err != nil && resp != nil && resp.StatusCode == http.StatusNotFound:
		// Actions are off for the repository: no run to show.
	case err != nil:
		return Snapshot{}, g.problem(ctx, r, "read its CI runs", err)
	case len(runs.WorkflowRuns) > 0:
		run := runs.WorkflowRuns[0]
		at := run.GetUpdatedAt().Time
		if at.IsZero() {
			at = run.GetCreatedAt().Time
		}
		s.CI = &coursebot.CIRun{Name: run.GetName(), Event: run.GetEvent(), Status: run.GetStatus(), Conclusion: run.GetConclusion(), At: at, URL: run.GetHTMLURL()}
	}
	if resp != nil {
		s.Remaining = resp.Rate.Remaining
	}
	return s, nil
}

// Problem is why a check could not be made: Msg is the sentence for the
// learner, Kind a short word for logs and metrics ("not_found",
// "private", "rate_limited", ...), Err the cause when there is one.
type Problem struct {
	Kind   string
	Msg    string
	Err    error
	Status int // the HTTP status GitHub answered, 0 when none
}

func (p *Problem) Error() string {
	if p.Err != nil {
		return p.Kind + ": " + p.Err.Error()
	}
	return p.Kind + ": " + p.Msg
}

func (p *Problem) Unwrap() error { return p.Err }

// problem turns a failed call into the sentence the learner reads.
func (g *GitHub) problem(ctx context.Context, r Repo, doing string, err error) *Problem {
	var rle *github.RateLimitError
	var abuse *github.AbuseRateLimitError
	var er *github.ErrorResponse
	switch {
	case errors.As(err, &rle):
		return &Problem{Kind: "rate_limited", Err: err, Msg: fmt.Sprintf("GitHub's limit of requests for this bot is used up; it resets %s. Nothing was changed: check again then.", g.in(rle.Rate.Reset.Time))}
	case errors.As(err, &abuse):
		wait := "in a few minutes"
		if abuse.RetryAfter != nil && *abuse.RetryAfter > 0 {
			wait = "in " + duration(*abuse.RetryAfter)
		}
		return &Problem{Kind: "rate_limited", Err: err, Msg: fmt.Sprintf("GitHub asked the bot to slow down. Nothing was changed: check again %s.", wait)}
	case ctx.Err() != nil || errors.Is(err, context.DeadlineExceeded):
		return &Problem{Kind: "timeout", Err: err, Msg: fmt.Sprintf("GitHub did not answer in time when I tried to %s of %s. Nothing was changed: check again in a minute.", doing, r)}
	case errors.Is(err, errTooLarge):
		return &Problem{Kind: "too_large", Err: err, Msg: fmt.Sprintf("%s is too large for me to read (GitHub's answer was over %d MB). Nothing was changed; tick the items yourself.", r, maxBody>>20)}
	case errors.As(err, &er) && er.Response != nil:
		return g.statusProblem(r, doing, er.Response, err)
	}
	return &Problem{Kind: "unavailable", Err: err, Msg: fmt.Sprintf("I could not reach GitHub to %s of %s. Nothing was changed: check again in a few minutes.", doing, r)}
}

func (g *GitHub) statusProblem(r Repo, doing string, resp *http.Response, err error) *Problem {
	p := g.statusSentence(r, doing, resp, err)
	p.Status = resp.StatusCode
	return p
}

func (g *GitHub) statusSentence(r Repo, doing string, resp *http.Response, err error) *Problem {
	switch code := resp.StatusCode; {
	case code == http.StatusNotFound:
		return &Problem{Kind: "not_found", Err: err, Msg: fmt.Sprintf("GitHub shows no repository at %s: check the URL (a private repository looks the same from here; I check public ones only).", r.URL())}
	case code == http.StatusConflict:
		return &Problem{Kind: "empty", Err: err, Msg: fmt.Sprintf("%s is empty: push your project, then check again.", r)}
	case code == http.StatusTooManyRequests || code == http.StatusForbidden && resp.Header.Get("Retry-After") != "":
		wait := "in a few minutes"
		if s, e := strconv.Atoi(resp.Header.Get("Retry-After")); e == nil && s > 0 {
			wait = "in " + duration(time.Duration(s)*time.Second)
		}
		return &Problem{Kind: "rate_limited", Err: err, Msg: fmt.Sprintf("GitHub asked the bot to slow down. Nothing was changed: check again %s.", wait)}
	case code == http.StatusUnauthorized:
		return &Problem{Kind: "refused", Err: err, Msg: "GitHub refused the bot's token, so I cannot check repositories just now. Nothing was changed; please tell your cohort's lead."}
	case code == http.StatusForbidden || code == http.StatusUnavailableForLegalReasons:
		return &Problem{Kind: "refused", Err: err, Msg: fmt.Sprintf("GitHub refused to let me %s of %s. Nothing was changed; tick the items yourself.", doing, r)}
	}
	return &Problem{Kind: "unavailable", Err: err, Msg: fmt.Sprintf("GitHub answered with an error (%d) when I tried to %s of %s. Nothing was changed: check again in a few minutes.", resp.StatusCode, doing, r)}
}

// in says when t comes, from now: "in 12 min", "in 2 h".
func (g *GitHub) in(t time.Time) string {
	d := t.Sub(g.now())
	if d <= 0 {
		return "now"
	}
	return "in " + duration(d)
}

// duration rounds d up for a person: "40 s", "12 min", "2 h 5 min".
func duration(d time.Duration) string {
	switch {
	case d < time.Minute:
		return fmt.Sprintf("%d s", int((d+time.Second-1)/time.Second))
	case d < time.Hour:
		return fmt.Sprintf("%d min", int((d+time.Minute-1)/time.Minute))
	}
	m := int((d + time.Minute - 1) / time.Minute)
	if m%60 == 0 {
		return fmt.Sprintf("%d h", m/60)
	}
	return fmt.Sprintf("%d h %d min", m/60, m%60)
}

var errTooLarge = errors.New("response body over the limit")

// limitBody fails a response whose body is over maxBody, instead of
// reading it all.
type limitBody struct{ next http.RoundTripper }

func (l limitBody) RoundTrip(r *http.Request) (*http.Response, error) {
	resp, err := l.next.RoundTrip(r)
	if err != nil {
		return nil, err
	}
	if resp.ContentLength > maxBody {
		_ = resp.Body.Close()
		return nil, errTooLarge
	}
	resp.Body = &capped{rc: resp.Body, left: maxBody}
	return resp, nil
}

type capped struct {
	rc   io.ReadCloser
	left int64
}

func (c *capped) Read(p []byte) (int, error) {
	if c.left <= 0 {
		// At the limit: only the end of the body may follow.
		var one [1]byte
		if n, err := c.rc.Read(one[:]); n > 0 || err == nil {
			return 0, errTooLarge
		} else {
			return 0, err
		}
	}
	if int64(len(p)) > c.left {
		p = p[:c.left]
	}
	n, err := c.rc.Read(p)
	c.left -= int64(n)
	return n, err
}

func (c *capped) Close() error { return c.rc.Close() }
