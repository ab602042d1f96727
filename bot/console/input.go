package console

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"github.com/coursebot/coursebot/bot"
)

// What a typed line means. One rule for everything numbered: a number is
// what the console showed in front of it ([4] a button, 4. an item), and
// several numbers on one line are several presses, shown once. A quiz
// option's letter is typed text the engine reads as that option (on a
// choose-all quiz it ticks it, as the option's number does).

// parse turns a line into messages, or a notice when it cannot.
func (c *Console) parse(line string) ([]bot.Message, string) {
	if strings.HasPrefix(line, "/") {
		name, args, _ := strings.Cut(line[1:], " ")
		return []bot.Message{{Kind: bot.KindCommand, Command: bot.CommandName(name), Args: strings.TrimSpace(args)}}, ""
	}
	if groups, ok := numberGroups(line); ok && len(c.choices) > 0 {
		return c.pick(groups)
	}
	for _, ch := range c.choices {
		if ch.action != "" && (strings.EqualFold(line, ch.label) || strings.EqualFold(line, strings.Fields(ch.label)[0]) && !c.ambiguous(line)) {
			return []bot.Message{{Kind: bot.KindAction, Action: ch.action, Lesson: ch.lesson}}, ""
		}
	}
	// Anything else is an answer; a button's name typed where no such
	// button is ("next" on a question card) is never saved as one: the
	// engine says what to press instead.
	return []bot.Message{{Kind: bot.KindText, Text: line, Lesson: c.lesson}}, ""
}

// numberGroups reads a line of numbers: groups separated by commas or
// semicolons, numbers in a group by spaces ("3 4 5", "3,4", "1 4, 2 3").
func numberGroups(line string) ([][]int, bool) {
	var out [][]int
	for _, g := range strings.FieldsFunc(line, func(r rune) bool { return r == ',' || r == ';' }) {
		var nums []int
		for _, f := range strings.Fields(g) {
			n, err := strconv.Atoi(f)
			if err != nil {
				return nil, false
			}
			nums = append(nums, n)
		}
		if len(nums) > 0 {
			out = append(out, nums)
		}
	}
	return out, len(out) > 0
}

// optionLabel reads a quiz option button's label: "B) dvc add", "☐ A) x".
var optionLabel = regexp.MustCompile(`^(?:[☐☑] )?([A-J])\) `)

// pick handles numbers: one number presses a button or ticks an item; "N
// V" rates rating item N with V, and several such pairs rate several items
// ("1 4, 2 3" or "1 4 2 3"); several numbers tick several checklist items
// or quiz options at once.
func (c *Console) pick(groups [][]int) ([]bot.Message, string) {
	var all []int
	for _, g := range groups {
		all = append(all, g...)
	}
	first, ok := c.choice(all[0])
	if !ok {
		return nil, c.noChoice(all[0])
	}
	if first.kind == bot.BlockRating {
		return c.rate(groups, all)
	}
	for _, n := range all {
		if _, ok := c.choice(n); !ok {
			return nil, c.noChoice(n)
		}
	}
	if len(all) == 1 && first.action != "" {
		return []bot.Message{{Kind: bot.KindAction, Action: first.action, Lesson: first.lesson}}, ""
	}
	var msgs []bot.Message
	seen := map[int]bool{}
	for _, n := range all {
		ch, _ := c.choice(n)
		switch {
		case seen[n]:
			continue
		case ch.kind == bot.BlockChecklist:
			msgs = append(msgs, bot.Message{Kind: bot.KindAction, Action: bot.CheckAction(ch.lesson, ch.item.ID, !ch.item.Checked), Lesson: ch.lesson})
		case ch.tick:
			msgs = append(msgs, bot.Message{Kind: bot.KindAction, Action: ch.action, Lesson: ch.lesson})
		default:
			return nil, fmt.Sprintf("Several numbers tick several checklist items or quiz options; %d is not one. Press buttons one at a time.", n)
		}
		seen[n] = true
	}
	return msgs, ""
}

// rate reads ratings: pairs of item number and rating.
func (c *Console) rate(groups [][]int, all []int) ([]bot.Message, string) {
	var pairs [][2]int
	switch {
	case len(groups) > 1:
		for _, g := range groups {
			if len(g) != 2 {
				ch, _ := c.choice(g[0])
				return nil, c.rateHint(g[0], ch)
			}
			pairs = append(pairs, [2]int{g[0], g[1]})
		}
	case len(all)%2 == 0:
		for i := 0; i < len(all); i += 2 {
			pairs = append(pairs, [2]int{all[i], all[i+1]})
		}
	default:
		ch, _ := c.choice(all[0])
		return nil, c.rateHint(all[0], ch)
	}
	var msgs []bot.Message
	for _, p := range pairs {
		ch, ok := c.choice(p[0])
		if !ok {
			return nil, c.noChoice(p[0])
		}
		if ch.kind != bot.BlockRating {
			return nil, fmt.Sprintf("%d is not an item to rate: type an item's number and its rating, e.g. \"%d 4\".", p[0], all[0])
		}
		if v := p[1]; v < bot.RatingMin || v > bot.RatingMax {
			return nil, fmt.Sprintf("A rating is a number from %d to %d.", bot.RatingMin, bot.RatingMax)
		}
		msgs = append(msgs, bot.Message{Kind: bot.KindAction, Action: bot.RateAction(ch.lesson, ch.item.ID, p[1]), Lesson: ch.lesson})
	}
	return msgs, ""
}

func (c *Console) rateHint(n int, ch choice) string {
	return fmt.Sprintf("Rate %q by typing %d followed by %d-%d, e.g. \"%d 4\"; rate several at once as \"%d 4, %d 3\".",
		ch.item.Text, n, bot.RatingMin, bot.RatingMax, n, n, n+1)
}

// choice returns what number n means now.
func (c *Console) choice(n int) (choice, bool) {
	for _, ch := range c.choices {
		if ch.num == n {
			return ch, true
		}
	}
	return choice{}, false
}

func (c *Console) noChoice(n int) string {
	var nums []string
	for _, ch := range c.choices {
		nums = append(nums, strconv.Itoa(ch.num))
	}
	if len(nums) == 0 {
		return fmt.Sprintf("There is no choice %d here.", n)
	}
	return fmt.Sprintf("There is no choice %d here: pick %s.", n, numberList(nums))
}

// numberList is "1 to 5" for consecutive numbers, else "1, 2, 5 or 6".
func numberList(nums []string) string {
	if len(nums) == 1 {
		return nums[0]
	}
	first, _ := strconv.Atoi(nums[0])
	last, _ := strconv.Atoi(nums[len(nums)-1])
	if last-first == len(nums)-1 {
		return fmt.Sprintf("%d to %d", first, last)
	}
	return strings.Join(nums[:len(nums)-1], ", ") + " or " + nums[len(nums)-1]
}

// ambiguous reports whether a one-word label prefix names two buttons.
func (c *Console) ambiguous(word string) bool {
	n := 0
	for _, ch := range c.choices {
		if ch.action != "" && strings.EqualFold(strings.Fields(ch.label)[0], word) {
			n++
		}
	}
	return n > 1
}
