package discord

import (
	"encoding/json"
	"flag"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/bwmarrin/discordgo"

	"github.com/coursebot/coursebot/bot"
	"github.com/coursebot/coursebot/bot/bottest"
)

var update = flag.Bool("update", false, "rewrite golden files")

func checkMsgLimits(t *testing.T, where string, ms []outMsg) {
	t.Helper()
	for k, m := range ms {
		if n := utf8.RuneCountInString(m.Content); n > maxContent {
			t.Errorf("%s msg %d: %d characters", where, k, n)
		}
		if m.Content == "" && len(m.Components) == 0 {
			t.Errorf("%s msg %d: empty", where, k)
		}
		if len(m.Components) > maxRows {
			t.Errorf("%s msg %d: %d rows", where, k, len(m.Components))
		}
		seen := map[string]bool{}
		for _, r := range m.Components {
			row := r.(discordgo.ActionsRow)
			if len(row.Components) > maxRowButtons {
				t.Errorf("%s msg %d: %d buttons in a row", where, k, len(row.Components))
			}
			for _, c := range row.Components {
				b := c.(discordgo.Button)
				if b.CustomID == "" || len(b.CustomID) > maxCustomID || seen[b.CustomID] {
					t.Errorf("%s msg %d: custom_id %q", where, k, b.CustomID)
				}
				seen[b.CustomID] = true
				if n := utf8.RuneCountInString(b.Label); n == 0 || n > maxLabel {
					t.Errorf("%s msg %d: label %q", where, k, b.Label)
				}
			}
		}
		// Code fences balanced in every message: no cut inside a block.
		if strings.Count(m.Content, "```")%2 != 0 {
			t.Errorf("%s msg %d: unbalanced code fence", where, k)
		}
	}
}

// TestRenderGolden renders every card of Lesson 4.4 and the quiz cards
// (options as buttons, choose-all ticks with Check answer, a short-answer
// question, a quiz at the limits) as a fresh learner sees them: each
// message stays within Discord's limits (2000 characters, 5x5
// components) and the whole matches its golden file.
func TestRenderGolden(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		golden string
		cards  func(testing.TB) []bot.Reply
	}{
		{"lesson-4-4.golden.json", bottest.Lesson44},
		{"quiz.golden.json", func(t testing.TB) []bot.Reply { return bottest.QuizCards(t, "../..") }},
	} {
		t.Run(tc.golden, func(t *testing.T) {
			t.Parallel()
			var all [][]outMsg
			for _, r := range tc.cards(t) {
				ms := render(r)
				checkMsgLimits(t, r.Card, ms)
				all = append(all, ms)
			}
			got, err := json.MarshalIndent(all, "", "  ")
			if err != nil {
				t.Fatal(err)
			}
			bottest.Golden(t, filepath.Join("testdata", tc.golden), got, *update)
		})
	}
}

func TestRenderLimitsOnOversizedReply(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("A paragraph of text that goes on. ", 40)
	code := strings.Repeat("+------+------+  ascii diagram line  |\n", 120)
	var items []bot.Item
	for i := range 47 {
		items = append(items, bot.Item{ID: "i" + strings.Repeat("x", i%3), Group: []string{"Design", "Build"}[i/30], Text: strings.Repeat("item ", 30)})
		items[i].ID = "it" + string(rune('a'+i%26)) + string(rune('a'+i/26))
	}
	r := bot.Reply{Lesson: "4-4", Card: "big", Title: strings.Repeat("T", 400), Context: "Step 1",
		Blocks: []bot.Block{
			{Kind: bot.BlockMarkdown, Text: strings.Repeat(long+"\n\n", 12)},
			{Kind: bot.BlockCode, Text: code},
			{Kind: bot.BlockChecklist, Items: items},
			{Kind: bot.BlockRating, Items: items[:13]},
			{Kind: bot.BlockQuestion, Question: &bot.Question{ID: "q1", Prompt: "Why?"}},
		},
		Buttons: []bot.Button{{Label: "Back", Action: "back|4-4|big"}, {Label: "Next", Action: "next|4-4|big", Style: bot.StylePrimary}, {Label: "Dup", Action: "next|4-4|big"}},
	}
	ms := render(r)
	checkMsgLimits(t, "big", ms)
	// Every code line survives intact in some message.
	joined := ""
	for _, m := range ms {
		joined += m.Content + "\n"
	}
	for _, line := range strings.Split(strings.TrimSpace(code), "\n") {
		if !strings.Contains(joined, line) {
			t.Fatalf("code line lost or cut: %q", line)
		}
	}
	// All 47 toggles and 13×5 ratings present, nav last.
	var ids []string
	for _, m := range ms {
		ids = append(ids, customIDs(m.Components)...)
	}
	checks, rates := 0, 0
	for _, id := range ids {
		switch {
		case strings.HasPrefix(id, "check|"):
			checks++
		case strings.HasPrefix(id, "rate|"):
			rates++
		}
	}
	if checks != 47 || rates != 65 {
		t.Errorf("checks %d rates %d", checks, rates)
	}
	if last := ids[len(ids)-1]; last != "next|4-4|big" {
		t.Errorf("last control %q, want Next", last)
	}
}

// TestHeadingsStayWithTheirItems: when a checklist or rating card is split
// across messages, no message starts with items of a group without the
// group's heading, and no message ends on a new group's heading with a
// single item. A split diagram continues in one fenced block per message.
func TestHeadingsStayWithTheirItems(t *testing.T) {
	t.Parallel()
	replies := bottest.Lesson44(t)
	item := regexp.MustCompile("^(☐|☑) `\\d+\\.` |^`\\d+\\.` ")
	for _, r := range replies {
		grouped := false
		for _, b := range r.Blocks {
			for _, it := range b.Items {
				grouped = grouped || it.Group != ""
			}
		}
		ms := render(r)
		for i, m := range ms {
			if n := strings.Count(m.Content, "```"); n%2 != 0 || n > 2 {
				t.Errorf("%s message %d: %d fences", r.Card, i, n)
			}
			lines := strings.Split(m.Content, "\n")
			if grouped && i > 0 && item.MatchString(lines[0]) {
				t.Errorf("%s message %d starts with an item and no heading: %q", r.Card, i, lines[0])
			}
			if k := len(lines); i < len(ms)-1 && k >= 2 && strings.HasPrefix(lines[k-2], "**") && item.MatchString(lines[k-1]) {
				t.Errorf("%s message %d ends on a heading and one item: %q", r.Card, i, lines[k-2:])
			}
		}
	}
}
