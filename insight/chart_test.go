package insight

import (
	"bytes"
	"image/png"
	"math"
	"strings"
	"testing"
)

// TestChartsHideSmallCounts: a bar for a count under MinCount is not
// drawn (its length would tell the number) and reads "fewer than 3".
func TestChartsHideSmallCounts(t *testing.T) {
	lf := LessonFigures{ID: "2-1", Funnel: []Stage{{"Started", 5}, {"1. One", 2}, {"Completed", 0}}}
	c := funnelChart(lf)
	if len(c.bars) != 3 {
		t.Fatalf("bars %+v", c.bars)
	}
	if c.bars[0].value != 5 || c.bars[0].text != "5" {
		t.Errorf("bar of 5: %+v", c.bars[0])
	}
	for _, b := range c.bars[1:] {
		if !math.IsNaN(b.value) || b.text != Few {
			t.Errorf("bar under 3 drawn: %+v", b)
		}
	}
	items := []Item{{Lesson: "2-1", Prompt: "Which?", Took: 10, Right: 2, Wrong: []Choice{{Answer: "A", Label: "A) this", N: 8}}},
		{Lesson: "2-1", Prompt: "What?", Took: 10, Right: 7, Wrong: []Choice{{Answer: "B", Label: "B) that", N: 2}}}}
	h := hardestChart(items)
	if !math.IsNaN(h.bars[0].value) || h.bars[0].text != "fewer than 3 of 10" || !strings.Contains(h.bars[0].label, "most chosen wrong: A) this") {
		t.Errorf("2 of 10 right: %+v", h.bars[0])
	}
	if h.bars[1].value != 70 || strings.Contains(h.bars[1].label, "B) that") {
		t.Errorf("a wrong answer chosen by 2 is named, or 7 of 10 not drawn: %+v", h.bars[1])
	}
}

// TestPictureIsOnePNG: the funnel and the hardest questions are one PNG,
// each chart as tall as its bars need.
func TestPictureIsOnePNG(t *testing.T) {
	f := Figures{Lessons: []LessonFigures{{ID: "2-1", Started: 9, Completed: 4, Funnel: []Stage{{"Started", 9}, {"1. One", 6}, {"Completed", 4}},
		Quizzes: []Item{{Lesson: "2-1", Prompt: "Which?", Took: 9, Right: 3}}}}}
	data, alt, err := Picture(f)
	if err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	want := (chart{bars: make([]bar, 3)}.height() + chart{bars: make([]bar, 1)}.height()).Points() * 2 // 144 dpi
	if b := img.Bounds(); b.Dx() != chartWidth*2 || math.Abs(float64(b.Dy())-want) > 2 {
		t.Errorf("picture %v, want %dx%.0f", b, chartWidth*2, want)
	}
	for _, w := range []string{"Lesson 2.1: 9 started; step 1 6; 4 finished.", "Hardest quiz questions, right at the first attempt: 2.1 Which? 33% (3 of 9)."} {
		if !strings.Contains(alt, w) {
			t.Errorf("alt text lacks %q: %s", w, alt)
		}
	}
}
