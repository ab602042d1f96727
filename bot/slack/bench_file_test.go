package slack

import (
	"bytes"
	"context"
	"testing"

	"github.com/coursebot/coursebot/bot"
)

// BenchmarkUploadCSV: one 1 MiB CSV through the three-step external
// upload (getUploadURLExternal, multipart POST, completeUploadExternal)
// against the fake over loopback. Reported as ns/op and MB/s.
//
//	go test ./bot/slack -run '^$' -bench UploadCSV -benchtime=200x
func BenchmarkUploadCSV(b *testing.B) {
	h := newHarness(b, stub(make(chan bot.Message, 1)), nil)
	f := &bot.File{Name: "progress-big.csv", Data: bytes.Repeat([]byte("slack:U0123ABCD,Some Name,2026-11-23T10:00:00Z,step 3/12\n"), 1<<20/58)}
	ctx := context.Background()
	b.SetBytes(int64(len(f.Data)))
	b.ResetTimer()
	for b.Loop() {
		if err := h.a.upload(ctx, "C0BENCH", "", f); err != nil {
			b.Fatal(err)
		}
	}
}
