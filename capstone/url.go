package capstone

import (
	"fmt"
	"net/url"
	"regexp"
	"strings"
)

// Repo names a repository on a GitHub host.
type Repo struct {
	Host, Owner, Name string
}

// URL is the repository's page: "https://github.com/alice/spam".
func (r Repo) URL() string { return "https://" + r.Host + "/" + r.Owner + "/" + r.Name }

// String is "alice/spam" (with the host when it is not github.com).
func (r Repo) String() string {
	if r.Host == "github.com" {
		return r.Owner + "/" + r.Name
	}
	return r.Host + "/" + r.Owner + "/" + r.Name
}

var (
	ownerName = regexp.MustCompile(`^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})$`)
	repoPart  = regexp.MustCompile(`^[A-Za-z0-9._-]{1,100}$`)
	sshURL    = regexp.MustCompile(`^(?:ssh://)?git@([^:/]+)[:/](.+)$`)
)

// ParseRepo reads a repository URL as a learner gives it, on host (the
// one GitHub host the bot reads): https://github.com/alice/spam, with or
// without the scheme, ".git", a trailing path (/tree/main/src) or query;
// git@github.com:alice/spam.git; and the <URL> or <URL|label> wrapping
// Slack and Discord put around links. The error is a sentence for the
// learner.
func ParseRepo(raw, host string) (Repo, error) {
	s := strings.TrimSpace(raw)
	s = strings.TrimSuffix(strings.TrimPrefix(s, "<"), ">")
	if i := strings.IndexByte(s, '|'); i >= 0 {
		s = s[:i] // Slack's <url|label>
	}
	if s == "" {
		return Repo{}, badURL("give your repository's URL, like https://%s/you/project", host)
	}
	var h, p string
	if m := sshURL.FindStringSubmatch(s); m != nil {
		h, p = m[1], m[2]
	} else {
		if !strings.Contains(s, "://") {
			s = "https://" + s
		}
		u, err := url.Parse(s)
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			return Repo{}, badURL("%q is not a repository URL: give it like https://%s/you/project", clip(raw), host)
		}
		if u.User != nil {
			return Repo{}, badURL("leave any name or token out of the URL: give it like https://%s/you/project", host)
		}
		h, p = u.Hostname(), u.Path
	}
	h = strings.TrimPrefix(strings.ToLower(h), "www.")
	if h != host {
		return Repo{}, badURL("I can check repositories on %s only, and %q is on %s", host, clip(raw), clip(h))
	}
	parts := strings.Split(strings.Trim(p, "/"), "/")
	if len(parts) < 2 {
		return Repo{}, badURL("%q names no repository: give it like https://%s/you/project", clip(raw), host)
	}
	owner, name := parts[0], strings.TrimSuffix(parts[1], ".git")
	if !ownerName.MatchString(owner) || !repoPart.MatchString(name) || name == "." || name == ".." {
		return Repo{}, badURL("%q is not a repository URL: give it like https://%s/you/project", clip(raw), host)
	}
	return Repo{Host: host, Owner: owner, Name: name}, nil
}

// BadURL is why a learner's URL names no repository the bot can read: a
// sentence for the learner.
type BadURL struct{ Msg string }

func (e *BadURL) Error() string { return e.Msg }

func badURL(format string, args ...any) error { return &BadURL{Msg: fmt.Sprintf(format, args...)} }

// clip keeps what a learner typed short when it is echoed back.
func clip(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if r := []rune(s); len(r) > 80 {
		return string(r[:79]) + "…"
	}
	return s
}
