package discord_test

import (
	"path/filepath"
	"testing"

	"github.com/coursebot/coursebot/bot/discord"
	"github.com/coursebot/coursebot/store"
)

func TestReady(t *testing.T) {
	t.Parallel()
	for _, mode := range []string{discord.ModeGateway, discord.ModeHTTP} {
		t.Run(mode, func(t *testing.T) {
			e := newEnv(t, mode, nil, "", true)
			waitFor(t, "ready", func() bool { return e.a.Ready() == nil })
			if mode == discord.ModeGateway {
				if conns, identifies, _ := e.f.gatewayStats(); conns == 0 || identifies == 0 {
					t.Errorf("ready with %d gateway connections and %d identifies", conns, identifies)
				}
			}
			e.stop()
			if err := e.a.Ready(); err == nil {
				t.Error("Ready after shutdown: want an error")
			}
		})
	}
}

func TestNotReadyBeforeGatewayConnects(t *testing.T) {
	t.Parallel()
	db, err := store.Open(filepath.Join(t.TempDir(), "bot.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		if err := db.Close(); err != nil {
			t.Error(err)
		}
	}()
	h, cmds := engineHandler(t, db)
	a, err := discord.New(discord.Options{Token: testToken, ApplicationID: testApp, Mode: discord.ModeGateway,
		Handler: h, Store: db, Commands: cmds})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	if err := a.Ready(); err == nil {
		t.Error("a gateway adapter that never connected says it is ready")
	}
}
