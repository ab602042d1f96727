package slack

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/url"

	"github.com/slack-go/slack"
	"github.com/slack-go/slack/slackevents"
)

// maxBody bounds a request body; Slack's payloads are far smaller.
const maxBody = 1 << 20

// Routes registers the HTTP endpoints Slack calls:
//
//	POST /slack/commands      slash commands
//	POST /slack/interactions  block_actions, view_submission
//	POST /slack/events        Events API (message events in lesson threads)
//
// Every request's signature is checked over the raw body before anything is
// parsed; a forged, stale or tampered request gets 401 and changes nothing.
// Request URLs must not carry a query string: Slack sends none, and a query
// is not covered by the signature, so one is refused (401) rather than
// risk reading a smuggled "payload".
func (a *Adapter) Routes(mux *http.ServeMux) {
	mux.HandleFunc("POST /slack/commands", a.serveCommand)
	mux.HandleFunc("POST /slack/interactions", a.serveInteraction)
	mux.HandleFunc("POST /slack/events", a.serveEvent)
}

// readSigned reads and verifies the body; on failure it has answered.
func (a *Adapter) readSigned(w http.ResponseWriter, r *http.Request) ([]byte, bool) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBody))
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			http.Error(w, "request body too large", http.StatusRequestEntityTooLarge)
		} else {
			http.Error(w, "cannot read request body", http.StatusBadRequest)
		}
		return nil, false
	}
	if r.URL.RawQuery != "" {
		a.log.Warn("rejected request with a query string", "path", r.URL.Path, "remote", r.RemoteAddr)
		http.Error(w, "unsigned query string", http.StatusUnauthorized)
		return nil, false
	}
	if err := a.ver.verify(r.Header, body); err != nil {
		a.log.Warn("rejected request", "path", r.URL.Path, "remote", r.RemoteAddr, "reason", err.Error())
		http.Error(w, "invalid signature", http.StatusUnauthorized)
		return nil, false
	}
	return body, true
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(v)
}

func (a *Adapter) serveCommand(w http.ResponseWriter, r *http.Request) {
	body, ok := a.readSigned(w, r)
	if !ok {
		return
	}
	form, err := url.ParseQuery(string(body))
	if err != nil {
		http.Error(w, "malformed form body", http.StatusBadRequest)
		return
	}
	if form.Get("ssl_check") == "1" {
		w.WriteHeader(http.StatusOK)
		return
	}
	cmd := slack.SlashCommand{
		TeamID: form.Get("team_id"), ChannelID: form.Get("channel_id"), ChannelName: form.Get("channel_name"),
		UserID: form.Get("user_id"), UserName: form.Get("user_name"), Command: form.Get("command"),
		Text: form.Get("text"), ResponseURL: form.Get("response_url"), TriggerID: form.Get("trigger_id"),
		APIAppID: form.Get("api_app_id"),
	}
	resp := a.onCommand(r.Context(), cmd)
	if resp == nil {
		w.WriteHeader(http.StatusOK)
		return
	}
	writeJSON(w, resp)
}

func (a *Adapter) serveInteraction(w http.ResponseWriter, r *http.Request) {
	body, ok := a.readSigned(w, r)
	if !ok {
		return
	}
	form, err := url.ParseQuery(string(body))
	if err != nil || form.Get("payload") == "" {
		http.Error(w, "missing payload", http.StatusBadRequest)
		return
	}
	var cb slack.InteractionCallback
	if err := json.Unmarshal([]byte(form.Get("payload")), &cb); err != nil {
		http.Error(w, "malformed payload", http.StatusBadRequest)
		return
	}
	resp, err := a.onInteraction(r.Context(), cb, []byte(form.Get("payload")))
	if err != nil {
		http.Error(w, "busy, try again in a minute", http.StatusServiceUnavailable)
		return
	}
	if resp == nil {
		w.WriteHeader(http.StatusOK)
		return
	}
	writeJSON(w, resp)
}

func (a *Adapter) serveEvent(w http.ResponseWriter, r *http.Request) {
	body, ok := a.readSigned(w, r)
	if !ok {
		return
	}
	ev, err := slackevents.ParseEvent(body, slackevents.OptionNoVerifyToken())
	if err != nil {
		http.Error(w, "malformed event", http.StatusBadRequest)
		return
	}
	if ev.Type == slackevents.URLVerification {
		var ch slackevents.ChallengeResponse
		if err := json.Unmarshal(body, &ch); err != nil {
			http.Error(w, "malformed challenge", http.StatusBadRequest)
			return
		}
		w.Header().Set("Content-Type", "text/plain")
		_, _ = io.WriteString(w, ch.Challenge)
		return
	}
	if err := a.onEvent(r.Context(), ev, body); err != nil {
		// Slack retries the event later.
		http.Error(w, "busy, try again later", http.StatusServiceUnavailable)
		return
	}
	w.WriteHeader(http.StatusOK)
}
