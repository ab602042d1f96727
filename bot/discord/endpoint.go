package discord

import (
	"crypto/ed25519"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strconv"
	"time"

	"github.com/bwmarrin/discordgo"
)

// MaxBodyBytes bounds an interaction request body; it is enforced before
// the signature is checked.
const MaxBodyBytes = 256 << 10

// MaxClockSkew is how far X-Signature-Timestamp may be from our clock.
const MaxClockSkew = 5 * time.Minute

var (
	errNoSignature  = errors.New("missing signature headers")
	errBadSignature = errors.New("bad signature")
	errBadTimestamp = errors.New("bad timestamp")
	errStale        = errors.New("stale timestamp")
)

// verifySignature checks Discord's Ed25519 signature over
// X-Signature-Timestamp + raw body, and the timestamp's age against now.
func verifySignature(pub ed25519.PublicKey, h http.Header, body []byte, now time.Time) error {
	sigHex, ts := h.Get("X-Signature-Ed25519"), h.Get("X-Signature-Timestamp")
	if sigHex == "" || ts == "" {
		return errNoSignature
	}
	sig, err := hex.DecodeString(sigHex)
	if err != nil || len(sig) != ed25519.SignatureSize {
		return errBadSignature
	}
	sec, err := strconv.ParseInt(ts, 10, 64)
	if err != nil {
		return errBadTimestamp
	}
	if d := now.Sub(time.Unix(sec, 0)); d > MaxClockSkew || d < -MaxClockSkew {
		return errStale
	}
	msg := make([]byte, 0, len(ts)+len(body))
	msg = append(msg, ts...)
	msg = append(msg, body...)
	if !ed25519.Verify(pub, msg, sig) {
		return errBadSignature
	}
	return nil
}

// Routes mounts POST /discord/interactions (http mode).
func (a *Adapter) Routes(mux *http.ServeMux) {
	mux.HandleFunc("POST /discord/interactions", a.serveInteraction)
}

func (a *Adapter) serveInteraction(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxBodyBytes))
	if err != nil {
		a.log.Warn("interaction refused", "reason", "body unreadable or too large")
		http.Error(w, "invalid request", http.StatusUnauthorized)
		return
	}
	if a.publicKey == nil {
		http.Error(w, "invalid request signature", http.StatusUnauthorized)
		return
	}
	if err := verifySignature(a.publicKey, r.Header, body, a.now()); err != nil {
		a.log.Debug("interaction refused", "reason", err)
		http.Error(w, "invalid request signature", http.StatusUnauthorized)
		return
	}
	body = labelsToRows(body) // a form's Label components, for discordgo
	var i discordgo.Interaction
	if err := json.Unmarshal(body, &i); err != nil {
		a.log.Warn("interaction: bad json", "err", err)
		http.Error(w, "bad interaction payload", http.StatusBadRequest)
		return
	}
	resp, ev := a.accept(r.Context(), &i, body)
	out, err := json.Marshal(responseBody(resp))
	if err != nil {
		a.log.Error("interaction: encode response", "err", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		if ev != nil {
			ev.ackFailed(err)
		}
		return
	}
	w.Header().Set("Content-Type", "application/json")
	_, werr := w.Write(out)
	if ev != nil {
		// Follow-ups may start once the response is on its way.
		if f, ok := w.(http.Flusher); ok {
			f.Flush()
		}
		if werr != nil {
			ev.ackFailed(werr)
		} else {
			ev.ackDone()
		}
	}
}
