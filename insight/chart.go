package insight

import (
	"bytes"
	"fmt"
	"image/color"
	"math"
	"strconv"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
	"gonum.org/v1/plot/vg/vgsvg"

	"github.com/coursebot/coursebot/bot/markup"
)

// Charts, drawn with gonum/plot (gonum.org/v1/plot): pure Go, kept by the
// Gonum project with regular releases, and one plot renders both as a PNG
// (vgimg, for chat) and as SVG (vgsvg, inline in the author's report),
// with its fonts built in, so nothing is fetched when it is drawn or
// viewed. Every chart is a horizontal bar chart: long labels (step and
// question titles) read on the left, as they do in a list.
//
// A bar for a count under MinCount is not drawn (its length would tell the
// number) and is labelled Few.

var (
	blue   = color.RGBA{R: 0x2b, G: 0x6c, B: 0xb0, A: 0xff}
	orange = color.RGBA{R: 0xd9, G: 0x5f, B: 0x0e, A: 0xff}
	green  = color.RGBA{R: 0x2e, G: 0x8b, B: 0x57, A: 0xff}
	grey   = color.RGBA{R: 0x55, G: 0x55, B: 0x55, A: 0xff}
)

// sans is the charts' typeface (Liberation Sans, built into gonum/plot).
var sans = font.Font{Typeface: "Liberation", Variant: "Sans"}

// bar is one bar of a chart.
type bar struct {
	label string  // on the left
	value float64 // its length; NaN: not drawn
	text  string  // at its end
}

// chart is a horizontal bar chart.
type chart struct {
	title  string
	xLabel string
	bars   []bar // top to bottom
	max    float64
	color  color.Color
}

// plot builds c: bars from the top down, each labelled at its end.
func (c chart) plot() (*plot.Plot, error) {
	p := plot.New()
	p.Title.Text = c.title
	p.Title.TextStyle.Font = sans
	p.Title.TextStyle.Font.Size = vg.Points(13)
	p.Title.Padding = vg.Points(6)
	p.X.Label.Text = c.xLabel
	for _, st := range []*font.Font{&p.X.Label.TextStyle.Font, &p.X.Tick.Label.Font, &p.Y.Tick.Label.Font} {
		size := st.Size
		*st = sans
		st.Size = size
	}
	p.Y.Tick.Label.Font.Size = vg.Points(10)
	p.X.Min = 0
	p.X.Max = math.Max(c.max, 1) * 1.35 // room for the labels at the bars' ends
	p.X.Tick.Marker = wholeTicks{top: math.Max(c.max, 1)}
	n := len(c.bars)
	values := make(plotter.Values, n)
	names := make([]string, n)
	var xys plotter.XYs
	var texts []string
	for i, b := range c.bars {
		j := n - 1 - i // the first bar on top
		names[j] = b.label
		v := b.value
		if math.IsNaN(v) {
			v = 0
		}
		values[j] = v
		xys = append(xys, plotter.XY{X: v, Y: float64(j)})
		texts = append(texts, b.text)
	}
	if n > 0 {
		bc, err := plotter.NewBarChart(values, vg.Points(14))
		if err != nil {
			return nil, fmt.Errorf("chart %q: %w", c.title, err)
		}
		bc.Horizontal = true
		bc.Color = c.color
		bc.LineStyle.Width = 0
		p.Add(bc)
		labels, err := plotter.NewLabels(plotter.XYLabels{XYs: xys, Labels: texts})
		if err != nil {
			return nil, fmt.Errorf("chart %q: %w", c.title, err)
		}
		labels.Offset = vg.Point{X: vg.Points(4)}
		for i := range labels.TextStyle {
			labels.TextStyle[i].Font = sans
			labels.TextStyle[i].Font.Size = vg.Points(10)
			labels.TextStyle[i].YAlign = draw.YCenter
			labels.TextStyle[i].Color = grey
		}
		p.Add(labels)
		p.NominalY(names...)
	}
	p.Y.Padding = vg.Points(8)
	return p, nil
}

// wholeTicks marks the value axis at round whole numbers from 0 to top.
type wholeTicks struct{ top float64 }

// Ticks implements plot.Ticker.
func (w wholeTicks) Ticks(_, _ float64) []plot.Tick {
	step := 1.0
	for _, s := range []float64{1, 2, 5, 10, 20, 25, 50, 100, 200, 250, 500, 1000} {
		step = s
		if w.top/s <= 6 {
			break
		}
	}
	var out []plot.Tick
	for v := 0.0; v <= w.top+step/2; v += step {
		out = append(out, plot.Tick{Value: v, Label: strconv.Itoa(int(v))})
	}
	return out
}

// height is the chart's height in points.
func (c chart) height() vg.Length {
	lines := 0
	for _, b := range c.bars {
		lines += max(1, strings.Count(b.label, "\n")+1)
	}
	return vg.Points(float64(90 + 22*len(c.bars) + 6*lines))
}

// chartWidth is the width of every chart, in points.
const chartWidth = 620

// pngOf draws the charts one above the other as one PNG.
func pngOf(charts []chart) ([]byte, error) {
	var plots [][]*plot.Plot
	var total vg.Length
	heights := make([]vg.Length, len(charts))
	for i, c := range charts {
		p, err := c.plot()
		if err != nil {
			return nil, err
		}
		plots = append(plots, []*plot.Plot{p})
		heights[i] = c.height()
		total += heights[i]
	}
	img := vgimg.NewWith(vgimg.UseWH(vg.Points(chartWidth), total), vgimg.UseDPI(144), vgimg.UseBackgroundColor(color.White))
	dc := draw.New(img)
	top := total
	for i, p := range plots {
		c := draw.Crop(dc, 0, 0, top-heights[i], -(total - top))
		c = draw.Crop(c, vg.Points(8), -vg.Points(12), vg.Points(6), -vg.Points(6))
		p[0].Draw(c)
		top -= heights[i]
	}
	var b bytes.Buffer
	if _, err := (vgimg.PngCanvas{Canvas: img}).WriteTo(&b); err != nil {
		return nil, fmt.Errorf("chart: png: %w", err)
	}
	return b.Bytes(), nil
}

// svgOf draws one chart as an SVG element (no XML prolog: it goes inline
// into HTML).
func svgOf(c chart) (string, error) {
	p, err := c.plot()
	if err != nil {
		return "", err
	}
	cv := vgsvg.New(vg.Points(chartWidth), c.height())
	p.Draw(draw.New(cv))
	var b bytes.Buffer
	if _, err := cv.WriteTo(&b); err != nil {
		return "", fmt.Errorf("chart %q: svg: %w", c.title, err)
	}
	s := b.String()
	if i := strings.Index(s, "<svg"); i >= 0 {
		s = s[i:]
	}
	return s, nil
}

// funnelChart is a lesson's funnel: how many reached each stage.
func funnelChart(lf LessonFigures) chart {
	c := chart{title: fmt.Sprintf("Lesson %s: how many reached each step", dotted(lf.ID)), xLabel: "learners", color: blue}
	for _, s := range lf.Funnel {
		b := bar{label: cutLabel(s.Label, 40), value: float64(s.Reached), text: N(s.Reached)}
		if !shown(s.Reached) {
			b.value = math.NaN()
		}
		c.bars = append(c.bars, b)
		c.max = math.Max(c.max, float64(s.Reached))
	}
	return c
}

// hardest are the quiz questions with the lowest first-attempt success,
// up to n, among those enough learners answered.
func hardest(f Figures, n int) []Item {
	var items []Item
	for _, lf := range f.Lessons {
		for _, it := range lf.Quizzes {
			if shown(it.Took) {
				items = append(items, it)
			}
		}
	}
	sortItems(items)
	if len(items) > n {
		items = items[:n]
	}
	return items
}

// hardestChart is the hardest questions by first-attempt success.
func hardestChart(items []Item) chart {
	c := chart{title: "Hardest quiz questions: right at the first attempt", xLabel: "% right first time", color: orange, max: 100}
	for _, it := range items {
		label := wrap(dotted(it.Lesson)+" "+it.Prompt, 46, 2)
		if w := topWrong(it); w != "" {
			label += "\nmost chosen wrong: " + cutLabel(w, 40)
		}
		b := bar{label: label, value: 100 * it.Difficulty(), text: rightText(it)}
		if !shown(it.Right) {
			b.value = math.NaN()
		}
		c.bars = append(c.bars, b)
	}
	return c
}

// rightText is "32% (8 of 25)", or Few's version.
func rightText(it Item) string {
	if !shown(it.Right) {
		return fmt.Sprintf("%s of %d", Few, it.Took)
	}
	return fmt.Sprintf("%d%% (%d of %d)", percent(it.Right, it.Took), it.Right, it.Took)
}

// topWrong is the most chosen wrong answer, when enough learners chose it.
func topWrong(it Item) string {
	if len(it.Wrong) == 0 || !shown(it.Wrong[0].N) {
		return ""
	}
	return it.Wrong[0].Label
}

// cutLabel shortens a label to n runes on one line.
func cutLabel(s string, n int) string {
	return markup.Truncate(strings.Join(strings.Fields(s), " "), n)
}

// wrap breaks s into lines of at most width runes, at most lines of them
// (the last cut short with "…").
func wrap(s string, width, lines int) string {
	var out []string
	cur := ""
	for _, w := range strings.Fields(s) {
		switch {
		case cur == "":
			cur = w
		case len([]rune(cur))+1+len([]rune(w)) <= width:
			cur += " " + w
		default:
			out = append(out, cur)
			cur = w
		}
	}
	if cur != "" {
		out = append(out, cur)
	}
	if len(out) > lines {
		out = append(out[:lines-1], strings.Join(out[lines-1:], " "))
	}
	for i := range out {
		out[i] = markup.Truncate(out[i], width)
	}
	return strings.Join(out, "\n")
}

func dotted(id string) string { return strings.Replace(id, "-", ".", 1) }
