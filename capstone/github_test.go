package capstone_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/coursebot/coursebot/capstone"
)

// A tree answer over 16 MiB is not read to its end: with its length
// announced it is refused before its body, without one the read stops at
// the limit. Either way the check says so in one sentence (too_large).
// GitHub's own trees stop at 100,000 entries and 7 MB (truncated, tested
// with the fake API); this bounds a server that does not.
func TestTreeOverTheLimitIsNotRead(t *testing.T) {
	t.Parallel()
	const limit = 16 << 20
	for _, announced := range []bool{true, false} {
		t.Run("content-length="+strconv.FormatBool(announced), func(t *testing.T) {
			t.Parallel()
			var sent atomic.Int64
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "application/json")
				switch {
				case r.URL.Path == "/api/v3/repos/alice/big":
					_, _ = io.WriteString(w, `{"name":"big","full_name":"alice/big","private":false,"default_branch":"main"}`)
				case strings.HasPrefix(r.URL.Path, "/api/v3/repos/alice/big/git/trees/"):
					size := int64(limit + 1<<20)
					if announced {
						w.Header().Set("Content-Length", strconv.FormatInt(size, 10))
					}
					n, _ := io.CopyN(w, io.MultiReader(strings.NewReader(`{"sha":"x","tree":[`), neverEnding(' ')), size)
					sent.Store(n)
				default:
					http.NotFound(w, r)
				}
			}))
			gh, err := capstone.NewGitHub(capstone.GitHubOptions{APIURL: srv.URL + "/api/v3/", HTTPClient: srv.Client()})
			if err != nil {
				srv.Close()
				t.Fatal(err)
			}
			_, err = gh.Read(context.Background(), capstone.Repo{Host: gh.Host(), Owner: "alice", Name: "big"})
			srv.Close() // waits for the handler
			var p *capstone.Problem
			if !errors.As(err, &p) || p.Kind != "too_large" || !strings.Contains(p.Msg, "is too large for me to read (GitHub's answer was over 16 MB). Nothing was changed") {
				t.Fatalf("Read = %v, want a too_large problem", err)
			}
			if announced && sent.Load() >= limit {
				t.Errorf("the server wrote %d bytes of an answer announced as too large", sent.Load())
			}
		})
	}
}

// neverEnding is an endless run of one byte.
type neverEnding byte

func (b neverEnding) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = byte(b)
	}
	return len(p), nil
}
