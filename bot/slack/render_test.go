package slack

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/coursebot/coursebot/bot"
	"github.com/coursebot/coursebot/bot/bottest"
)

var update = flag.Bool("update", false, "rewrite golden files under testdata/")

// checkLimits checks one message as Slack receives it (JSON) against Block
// Kit's limits and returns the problems.
func checkLimits(t *testing.T, blocks any) {
	t.Helper()
	raw, err := json.Marshal(blocks)
	if err != nil {
		t.Fatalf("marshal: %v", err)
	}
	var bs []map[string]any
	if err := json.Unmarshal(raw, &bs); err != nil {
		t.Fatalf("unmarshal: %v", err)
	}
	if len(bs) > maxBlocks {
		t.Errorf("%d blocks > %d", len(bs), maxBlocks)
	}
	runes := func(v any) int { s, _ := v.(string); return utf8.RuneCountInString(s) }
	text := func(v any) string { m, _ := v.(map[string]any); s, _ := m["text"].(string); return s }
	ids := map[string]bool{}
	checkID := func(kind string, v any) {
		s, _ := v.(string)
		if s == "" {
			return
		}
		if utf8.RuneCountInString(s) > maxIDLen {
			t.Errorf("%s %q longer than %d", kind, s, maxIDLen)
		}
		if ids[kind+s] {
			t.Errorf("duplicate %s %q in one message", kind, s)
		}
		ids[kind+s] = true
	}
	element := func(el map[string]any) {
		checkID("action_id", el["action_id"])
		switch el["type"] {
		case "button":
			if n := runes(text(el["text"])); n > maxButtonText || n == 0 {
				t.Errorf("button text of %d chars", n)
			}
			if n := runes(el["value"]); n > 2000 {
				t.Errorf("button value of %d chars", n)
			}
		case "checkboxes":
			opts, _ := el["options"].([]any)
			if len(opts) > maxOptions || len(opts) == 0 {
				t.Errorf("checkboxes with %d options", len(opts))
			}
			for _, o := range opts {
				om, _ := o.(map[string]any)
				if n := runes(text(om["text"])); n > maxButtonText {
					t.Errorf("option text of %d chars", n)
				}
				if n := runes(om["value"]); n > 150 {
					t.Errorf("option value of %d chars", n)
				}
			}
		}
	}
	for _, b := range bs {
		checkID("block_id", b["block_id"])
		switch b["type"] {
		case "header":
			if n := runes(text(b["text"])); n > maxHeaderText {
				t.Errorf("header of %d chars", n)
			}
		case "section":
			if n := runes(text(b["text"])); n > maxSectionText || n == 0 {
				t.Errorf("section text of %d chars", n)
			}
			if acc, ok := b["accessory"].(map[string]any); ok {
				element(acc)
			}
		case "actions":
			els, _ := b["elements"].([]any)
			if len(els) > maxElements || len(els) == 0 {
				t.Errorf("actions block with %d elements", len(els))
			}
			for _, e := range els {
				em, _ := e.(map[string]any)
				element(em)
			}
		case "context":
			els, _ := b["elements"].([]any)
			for _, e := range els {
				if n := runes(text(e)); n > 3000 {
					t.Errorf("context of %d chars", n)
				}
			}
		default:
			t.Errorf("unexpected block type %v", b["type"])
		}
	}
}

func checkRendered(t *testing.T, out rendered) {
	t.Helper()
	for _, m := range out.Content {
		checkLimits(t, m.Blocks)
		if n := utf8.RuneCountInString(m.Text); n == 0 || n > maxFallbackText {
			t.Errorf("fallback text of %d chars", n)
		}
	}
	checkLimits(t, out.Controls)
	for _, m := range out.all() {
		checkLimits(t, m.Blocks)
	}
}

// TestRenderLesson44Golden renders every card of Lesson 4.4 as a fresh
// learner sees it and compares the Block Kit JSON with testdata/render.
func TestRenderLesson44Golden(t *testing.T) {
	t.Parallel()
	replies := bottest.Lesson44(t)
	dir := filepath.Join("testdata", "render")
	if *update {
		_ = os.RemoveAll(dir)
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	kinds := map[string]bool{}
	for i, r := range replies {
		name := fmt.Sprintf("%02d-%s.json", i, strings.NewReplacer("/", "_", " ", "_").Replace(r.Card))
		t.Run(name, func(t *testing.T) {
			out := render(r)
			checkRendered(t, out)
			for _, m := range out.Content {
				for _, b := range m.Blocks {
					raw, _ := json.Marshal(b)
					var bm map[string]any
					_ = json.Unmarshal(raw, &bm)
					kinds[fmt.Sprint(bm["type"])] = true
					if acc, ok := bm["accessory"].(map[string]any); ok {
						kinds[fmt.Sprint(acc["type"])] = true
					}
					for _, e := range anySlice(bm["elements"]) {
						em, _ := e.(map[string]any)
						kinds[fmt.Sprint(em["type"])] = true
					}
				}
			}
			got, err := json.MarshalIndent(map[string]any{"content": out.Content, "controls": out.Controls}, "", "  ")
			if err != nil {
				t.Fatal(err)
			}
			bottest.Golden(t, filepath.Join(dir, name), got, *update)
		})
	}
	// The lesson exercises every control the renderer has.
	for _, k := range []string{"header", "section", "actions", "checkboxes", "button"} {
		if !kinds[k] {
			t.Errorf("no %s in any card of Lesson 4.4", k)
		}
	}
}

func anySlice(v any) []any { s, _ := v.([]any); return s }

// TestRenderOversized feeds the renderer more than any limit allows and
// checks it splits without losing a line.
func TestRenderOversized(t *testing.T) {
	t.Parallel()
	var md, code strings.Builder
	for i := range 400 {
		fmt.Fprintf(&md, "Paragraph %d with **bold** and a [link](https://example.com/%d).\n\n", i, i)
		fmt.Fprintf(&code, "line %04d |  +--> box <%d>\n", i, i)
	}
	var items []bot.Item
	for i := range 37 {
		items = append(items, bot.Item{ID: fmt.Sprintf("i%d", i), Group: fmt.Sprintf("Group %d", i/12), Text: strings.Repeat("word ", 1+i*3), Checked: i%3 == 0})
	}
	var ratings []bot.Item
	for i := range 30 {
		ratings = append(ratings, bot.Item{ID: fmt.Sprintf("r%d", i), Text: fmt.Sprintf("Pillar %d", i), Value: i % 6})
	}
	var buttons []bot.Button
	for i := range 30 {
		buttons = append(buttons, bot.Button{Label: strings.Repeat("Long label ", 10), Action: fmt.Sprintf("next|4-4|c%d", i)})
	}
	r := bot.Reply{
		Lesson: "4-4", Card: "big", Title: strings.Repeat("A very long title ", 20), Context: strings.Repeat("context ", 400),
		Blocks: []bot.Block{
			{Kind: bot.BlockMarkdown, Text: md.String()},
			{Kind: bot.BlockCode, Text: code.String()},
			{Kind: bot.BlockChecklist, Items: items},
			{Kind: bot.BlockRating, Items: ratings},
			{Kind: bot.BlockQuestion, Text: strings.Repeat("Why? ", 900), Question: &bot.Question{ID: "q", Prompt: strings.Repeat("Why? ", 900), Answered: true, Answer: "Because <reasons> & more"}},
		},
		Buttons: buttons,
	}
	out := render(r)
	checkRendered(t, out)
	if len(out.Content) < 2 {
		t.Fatalf("%d messages: expected a split over several", len(out.Content))
	}
	all, _ := json.Marshal(out.Content)
	var s string
	var msgs []map[string]any
	_ = json.Unmarshal(all, &msgs)
	s = string(all)
	for i := range 400 {
		if !strings.Contains(s, fmt.Sprintf("Paragraph %d with *bold*", i)) {
			t.Fatalf("paragraph %d lost", i)
		}
		if !strings.Contains(s, fmt.Sprintf("line %04d |  +--\\u0026gt; box \\u0026lt;%d\\u0026gt;", i, i)) {
			t.Fatalf("code line %d lost or altered", i)
		}
	}
	for _, it := range items {
		if !strings.Contains(s, bot.CheckAction("4-4", it.ID, true)) {
			t.Errorf("checklist item %s lost", it.ID)
		}
	}
	for _, it := range ratings {
		if !strings.Contains(s, bot.RateAction("4-4", it.ID, 5)) {
			t.Errorf("rating item %s lost", it.ID)
		}
	}
	if !strings.Contains(s, "Because \\u0026lt;reasons\\u0026gt; \\u0026amp; more") {
		t.Error("answer not shown escaped")
	}
	if len(out.Controls) != 2 {
		t.Errorf("%d actions blocks for 30 buttons, want 2", len(out.Controls))
	}
}
