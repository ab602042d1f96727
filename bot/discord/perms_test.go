package discord_test

import (
	"os"
	"regexp"
	"strconv"
	"testing"

	"github.com/bwmarrin/discordgo"
)

// TestInvitePermissions: the permissions integer in docs/discord.md (the
// invite URL) is exactly the permissions the adapter uses.
func TestInvitePermissions(t *testing.T) {
	t.Parallel()
	want := int64(discordgo.PermissionViewChannel | discordgo.PermissionSendMessages | discordgo.PermissionSendMessagesInThreads |
		discordgo.PermissionCreatePublicThreads | discordgo.PermissionCreatePrivateThreads | discordgo.PermissionManageThreads |
		discordgo.PermissionReadMessageHistory | discordgo.PermissionAddReactions | discordgo.PermissionAttachFiles)
	doc, err := os.ReadFile("../../docs/discord.md")
	if err != nil {
		t.Fatal(err)
	}
	ms := regexp.MustCompile(`permissions=(\d+)|\(integer (\d+)\)`).FindAllSubmatch(doc, -1)
	if len(ms) < 2 {
		t.Fatalf("found %d permission integers in docs/discord.md, want the list and the invite URL", len(ms))
	}
	for _, m := range ms {
		s := string(m[1]) + string(m[2])
		got, err := strconv.ParseInt(s, 10, 64)
		if err != nil || got != want {
			t.Errorf("docs/discord.md says permissions %s, want %d", s, want)
		}
	}
}
