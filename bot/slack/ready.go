package slack

import "errors"

// Ready reports whether the adapter takes work, for the operator's
// readiness probe: not shutting down, and in socket mode connected to
// Slack (in http mode Slack reaches us, so there is no connection to
// watch).
func (a *Adapter) Ready() error {
	switch {
	case a.q.Closed():
		return errors.New("slack: shutting down")
	case a.opts.Mode == ModeSocket && !a.socketUp.Load():
		return errors.New("slack: socket mode not connected")
	}
	return nil
}
