package discord_test

import (
	"bytes"
	"context"
	"testing"

	"github.com/coursebot/coursebot/bot"
	"github.com/coursebot/coursebot/bot/discord"
)

// BenchmarkSendFileCSV: a reply with a 1 MiB CSV to a channel (one text
// message, then the multipart files[0] message) against the fake REST API
// over loopback. Reported as ns/op and MB/s.
//
//	go test ./bot/discord -run '^$' -bench SendFileCSV -benchtime=200x
func BenchmarkSendFileCSV(b *testing.B) {
	e := newEnv(b, discord.ModeHTTP, nil, "", false)
	e.f.mu.Lock()
	e.f.channels["777"] = &fakeChannel{ID: "777"}
	e.f.mu.Unlock()
	f := &bot.File{Name: "progress-big.csv", Data: bytes.Repeat([]byte("discord:80351110224678912,Some Name,2026-11-23T10:00:00Z,step 3/12\n"), 1<<20/68)}
	r := []bot.Reply{{Blocks: []bot.Block{{Kind: bot.BlockMarkdown, Text: "export"}}, File: f}}
	ctx := context.Background()
	b.SetBytes(int64(len(f.Data)))
	b.ResetTimer()
	for b.Loop() {
		if err := e.a.SendChannel(ctx, "777", r); err != nil {
			b.Fatal(err)
		}
		e.f.mu.Lock()
		e.f.messages["777"], e.f.calls = nil, nil // keep the fake's memory flat
		e.f.mu.Unlock()
	}
}
