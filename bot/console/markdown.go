package console

import (
	"fmt"
	"strings"
	"sync"

	"github.com/charmbracelet/glamour"
	"github.com/charmbracelet/glamour/styles"
)

// Styled returns a renderer of Markdown blocks for a terminal: bold,
// headings and lists styled by glamour (dark style, wrapped at width
// columns). Code blocks and diagrams never pass through it: the console
// prints them byte for byte. Set it as Console.Markdown; nil prints
// Markdown as written (the --plain console, and output to a pipe).
func Styled(width int) (func(string) string, error) {
	r, err := glamour.NewTermRenderer(glamour.WithStandardStyle(styles.DarkStyle), glamour.WithWordWrap(width))
	if err != nil {
		return nil, fmt.Errorf("console: markdown renderer: %w", err)
	}
	var mu sync.Mutex // a TermRenderer is not safe for concurrent use
	return func(md string) string {
		mu.Lock()
		defer mu.Unlock()
		out, err := r.Render(md)
		if err != nil {
			return md
		}
		return strings.Trim(out, "\n")
	}, nil
}
