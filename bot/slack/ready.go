package slack

import "errors"

// Ready reports whether the adapter takes work, for the operator's
// readiness probe. In http mode Slack reaches us, so the adapter is ready
// from New until Run starts draining at shutdown. In socket mode the same
// holds; the Socket Mode connection's own state is not tracked yet (see
// docs/operations.md).
func (a *Adapter) Ready() error {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.closed {
		return errors.New("slack: shutting down")
	}
	return nil
}
