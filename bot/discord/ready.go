package discord

import "errors"

// Ready reports whether the adapter takes work, for the operator's
// readiness probe: in gateway mode, once the gateway session has
// identified and is heartbeating (discordgo's DataReady), and not after
// Close; in http mode, until Close.
func (a *Adapter) Ready() error {
	if a.q.Closed() {
		return errors.New("discord: shutting down")
	}
	if a.opts.Mode != ModeGateway {
		return nil
	}
	a.session.RLock()
	up := a.session.DataReady
	a.session.RUnlock()
	if !up {
		return errors.New("discord: gateway not connected")
	}
	return nil
}
