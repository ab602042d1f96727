package slack

import (
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
)

// FuzzSignedRequests sends arbitrary bodies, correctly signed, to each of
// the three Slack routes: every one gets 200, 400 or 413, never a panic or
// a 5xx. `make test` runs the seeds; `make fuzz-short` (or go test -fuzz
// FuzzSignedRequests ./bot/slack) explores.
func FuzzSignedRequests(f *testing.F) {
	h := newHarness(f, nil, nil)
	routes := []string{"/slack/commands", "/slack/interactions", "/slack/events"}
	form := func(v url.Values) string { return v.Encode() }
	f.Add(uint8(0), form(url.Values{"command": {"/start-4-4"}, "user_id": {"U1"}, "channel_id": {"D1"}}))
	f.Add(uint8(0), form(url.Values{"command": {"/status"}, "user_id": {"U1"}, "response_url": {"http://127.0.0.1:1/x"}}))
	f.Add(uint8(0), "ssl_check=1")
	f.Add(uint8(0), "%zz")
	f.Add(uint8(1), form(url.Values{"payload": {`{"type":"block_actions","user":{"id":"U1"},"container":{"channel_id":"D1","message_ts":"1.1"},"actions":[{"action_id":"nav-0","value":"next|4-4|intro","type":"button","text":{"type":"plain_text","text":"Next"}}]}`}}))
	f.Add(uint8(1), form(url.Values{"payload": {`{"type":"block_actions","user":{"id":"U1"},"actions":[{"action_id":"check-1-0","type":"checkboxes","block_id":"b","selected_options":[{"value":"check|4-4||c1|1"}]}],"message":{"blocks":[{"type":"actions","block_id":"b","elements":[{"type":"checkboxes","action_id":"check-1-0","options":[]}]}]}}`}}))
	f.Add(uint8(1), form(url.Values{"payload": {`{"type":"view_submission","user":{"id":"U1"},"view":{"id":"V1","hash":"h","private_metadata":"{\"l\":\"4-4\",\"q\":\"q1\"}","state":{"values":{"answer":{"text":{"type":"plain_text_input","value":"hi"}}}}}}`}}))
	f.Add(uint8(1), form(url.Values{"payload": {`{"type":"view_submission","user":{"id":"U1"},"view":{"private_metadata":"{"}}`}}))
	f.Add(uint8(1), "payload=null")
	f.Add(uint8(2), `{"type":"url_verification","challenge":"abc"}`)
	f.Add(uint8(2), `{"type":"event_callback","event_id":"Ev1","event":{"type":"message","user":"U1","channel":"D1","text":"hi","ts":"2.0","thread_ts":"1.0"}}`)
	f.Add(uint8(2), `{"type":"event_callback","event":null}`)
	f.Add(uint8(2), `{`)
	client := &http.Client{}
	f.Fuzz(func(t *testing.T, route uint8, body string) {
		path := routes[int(route)%len(routes)]
		req, err := http.NewRequest(http.MethodPost, h.srv.URL+path, strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		ts := strconv.FormatInt(h.now.Unix(), 10)
		ct := formType
		if path == "/slack/events" {
			ct = "application/json"
		}
		req.Header.Set("Content-Type", ct)
		req.Header.Set("X-Slack-Request-Timestamp", ts)
		req.Header.Set("X-Slack-Signature", verifier{secret: []byte(testSecret)}.sign(ts, []byte(body)))
		resp, err := client.Do(req)
		if err != nil {
			t.Fatalf("POST %s: %v", path, err)
		}
		defer func() { _ = resp.Body.Close() }()
		b, _ := io.ReadAll(resp.Body)
		switch resp.StatusCode {
		case 200, 400, 413:
		default:
			t.Errorf("HTTP %d for a signed body to %s %q: %s", resp.StatusCode, path, body, b)
		}
	})
}
