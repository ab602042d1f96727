package capstone_test

import (
	"strings"
	"testing"

	"github.com/coursebot/coursebot/capstone"
)

func TestParseRepo(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in, host, want, err string
	}{
		{"https://github.com/alice/spam", "github.com", "https://github.com/alice/spam", ""},
		{"https://github.com/alice/spam.git", "github.com", "https://github.com/alice/spam", ""},
		{"http://www.GitHub.com/alice/spam/tree/main/src?tab=readme#top", "github.com", "https://github.com/alice/spam", ""},
		{"github.com/alice/spam/", "github.com", "https://github.com/alice/spam", ""},
		{"git@github.com:alice/spam.git", "github.com", "https://github.com/alice/spam", ""},
		{"<https://github.com/alice/spam|github.com/alice/spam>", "github.com", "https://github.com/alice/spam", ""}, // Slack
		{"<https://github.com/alice/spam>", "github.com", "https://github.com/alice/spam", ""},                       // Discord, no embed
		{"https://ghe.example.com/team/svc", "ghe.example.com", "https://ghe.example.com/team/svc", ""},
		{"https://github.com/alice/spam", "ghe.example.com", "", "I can check repositories on ghe.example.com only"},
		{"https://gitlab.com/alice/spam", "github.com", "", `"https://gitlab.com/alice/spam" is on gitlab.com`},
		{"https://github.com/alice", "github.com", "", "names no repository"},
		{"https://token@github.com/alice/spam", "github.com", "", "leave any name or token out of the URL"},
		{"https://github.com/-alice/spam", "github.com", "", "is not a repository URL"},
		{"https://github.com/alice/..", "github.com", "", "is not a repository URL"},
		{"ftp://github.com/alice/spam", "github.com", "", "is not a repository URL"},
		{"  ", "github.com", "", "give your repository's URL"},
	}
	for _, tt := range tests {
		got, err := capstone.ParseRepo(tt.in, tt.host)
		switch {
		case tt.err == "" && err != nil:
			t.Errorf("ParseRepo(%q) = %v", tt.in, err)
		case tt.err == "" && got.URL() != tt.want:
			t.Errorf("ParseRepo(%q) = %s, want %s", tt.in, got.URL(), tt.want)
		case tt.err != "" && (err == nil || !strings.Contains(err.Error(), tt.err)):
			t.Errorf("ParseRepo(%q) = %v, %v; want an error with %q", tt.in, got, err, tt.err)
		}
	}
}
