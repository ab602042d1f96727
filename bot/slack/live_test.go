package slack

import (
	"strings"
)

func sectionTexts(m fakeMsg) string {
	var sb strings.Builder
	for _, b := range m.Blocks {
		if txt, _ := b["text"].(map[string]any); txt != nil {
			s, _ := txt["text"].(string)
			sb.WriteString(s)
		}
	}
	return sb.String()
}
