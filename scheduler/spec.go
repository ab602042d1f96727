package scheduler

import (
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/robfig/cron/v3"
)

// Spec is a parsed schedule: when it fires and in which time zone.
type Spec struct {
	// Cron is the canonical form stored with the schedule: a five-field
	// cron spec, prefixed "W<n>/<yyyy-mm-dd> " for every-n-weeks schedules.
	Cron     string
	Location *time.Location
	sched    interface{ Next(time.Time) time.Time }
}

// Next returns the first fire time strictly after t, or the zero time.
func (s Spec) Next(t time.Time) time.Time {
	if s.sched == nil {
		return time.Time{}
	}
	return s.sched.Next(t.In(s.Location))
}

// NextN returns the next n fire times after t.
func (s Spec) NextN(t time.Time, n int) []time.Time {
	var out []time.Time
	for len(out) < n {
		t = s.Next(t)
		if t.IsZero() {
			break
		}
		out = append(out, t)
	}
	return out
}

// Compile turns a stored canonical spec and zone name into a Spec. Every
// spelling of a schedule ("30 2 * * 0", "30 2 * * SUN", "30 2 * * 0-6",
// "@weekly", the word parser's output) compiles to one calendar, so all of
// them take the same path through daylight-saving changes.
func Compile(spec, zone string) (Spec, error) {
	loc, err := loadZone(zone)
	if err != nil {
		return Spec{}, err
	}
	c, err := compileCalendar(spec)
	if err != nil {
		return Spec{}, err
	}
	return Spec{Cron: spec, Location: loc, sched: c}, nil
}

// CheckSpec reads the nudge check schedule as New and Start use it: a cron
// spec, optionally prefixed "CRON_TZ=Zone " or "TZ=Zone " (robfig/cron's two
// spellings), in zone when it names none (UTC when zone is empty). It
// returns the spec and zone the schedule is stored with. Config validation
// calls it, so a configuration that validates also starts.
func CheckSpec(check, zone string) (spec, zoneName string, err error) {
	spec, zoneName = strings.TrimSpace(check), zone
	for _, prefix := range []string{"CRON_TZ=", "TZ="} {
		rest, ok := strings.CutPrefix(spec, prefix)
		if !ok {
			continue
		}
		z, r, found := strings.Cut(rest, " ")
		if !found || strings.TrimSpace(r) == "" {
			return "", "", fmt.Errorf("%s needs a schedule after the zone (%sEurope/Berlin 0 9 * * MON-FRI)", prefix, prefix)
		}
		zoneName, spec = z, strings.TrimSpace(r)
		break
	}
	if zoneName == "" {
		zoneName = "UTC"
	}
	if _, err := Compile(spec, zoneName); err != nil {
		return "", "", err
	}
	return spec, zoneName, nil
}

func loadZone(zone string) (*time.Location, error) {
	if zone == "" {
		return nil, errors.New("no time zone")
	}
	loc, err := time.LoadLocation(zone)
	if err != nil || strings.EqualFold(zone, "local") {
		return nil, fmt.Errorf("%q is not a time zone (for example UTC, Europe/Berlin, America/New_York, Asia/Kolkata)", zone)
	}
	return loc, nil
}

// safeCron parses a five-field cron spec or descriptor with robfig/cron,
// which panics on some malformed input: never let user text reach it
// unguarded. Zone prefixes are refused (the zone is given apart).
func safeCron(spec string) (s *cron.SpecSchedule, err error) {
	spec = strings.TrimSpace(spec)
	if spec == "" {
		return nil, errors.New("empty schedule")
	}
	up := strings.ToUpper(spec)
	if strings.HasPrefix(up, "CRON_TZ=") || strings.HasPrefix(up, "TZ=") {
		return nil, errors.New("give the time zone after the schedule (\"... Europe/Berlin\"), not as a CRON_TZ= prefix")
	}
	if strings.HasPrefix(spec, "@every") {
		return nil, errors.New("@every intervals are not supported; use a calendar schedule such as \"0 9 * * MON\"")
	}
	if !strings.HasPrefix(spec, "@") && len(strings.Fields(spec)) != 5 {
		return nil, fmt.Errorf("a cron spec has five fields (minute hour day-of-month month day-of-week), this has %d", len(strings.Fields(spec)))
	}
	defer func() {
		if r := recover(); r != nil {
			s, err = nil, errors.New("the cron parser cannot read it")
		}
	}()
	parsed, err := cron.ParseStandard(spec)
	if err != nil {
		return nil, fmt.Errorf("not a cron spec: %w", err)
	}
	ss, ok := parsed.(*cron.SpecSchedule)
	if !ok {
		return nil, errors.New("not a calendar schedule")
	}
	return ss, nil
}

// calendar fires at the wall-clock times a cron spec names in the
// schedule's zone (robfig/cron reads the fields; the times are computed
// here), optionally only every n weeks counted from the week of anchor.
// A time in the spring gap fires at the end of the gap (02:30 becomes 03:00
// in Europe/Berlin), once; a time in the autumn overlap fires once, at its
// first occurrence.
type calendar struct {
	minute, hour, dom, month, dow uint64 // bit sets as robfig/cron parses them
	every                         int
	anchor                        time.Time // a date (UTC midnight); the Monday of its week is week 0
}

// starBit marks a day field written as "*" (robfig/cron's convention):
// then a day must match both day fields, otherwise either.
const starBit = 1 << 63

var everyWeeksRE = regexp.MustCompile(`^W(\d+)/(\d{4}-\d\d-\d\d) (.*)$`)

// compileCalendar reads a canonical spec: a cron spec, optionally prefixed
// "W<n>/<yyyy-mm-dd> " for every-n-weeks schedules.
func compileCalendar(spec string) (calendar, error) {
	c := calendar{every: 1}
	spec = strings.TrimSpace(spec)
	if m := everyWeeksRE.FindStringSubmatch(spec); m != nil {
		n, err := strconv.Atoi(m[1])
		a, err2 := time.Parse("2006-01-02", m[2])
		if err != nil || err2 != nil || n < 1 || n > 52 {
			return calendar{}, fmt.Errorf("%q: every n weeks needs n from 1 to 52 and a date", spec)
		}
		c.every, c.anchor, spec = n, a, m[3]
	}
	ss, err := safeCron(spec)
	if err != nil {
		return calendar{}, err
	}
	c.minute, c.hour, c.dom, c.month, c.dow = ss.Minute, ss.Hour, ss.Dom, ss.Month, ss.Dow
	return c, nil
}

// searchDays bounds the search for the next fire time: a spec that names
// no real date (31 February) never fires.
const searchDays = 5*366 + 7*52

func (c calendar) Next(t time.Time) time.Time {
	loc := t.Location()
	y, mo, d := t.Date()
	for i := range searchDays {
		day := time.Date(y, mo, d+i, 12, 0, 0, 0, time.UTC) // noon UTC: a calendar date only
		if !c.onDay(day) || !c.inWeek(day) {
			continue
		}
		for h := range 24 {
			if c.hour&(1<<h) == 0 {
				continue
			}
			// Wall times near a change move by at most the change (under
			// 3 h): skip hours that are certainly past.
			if i == 0 && time.Date(day.Year(), day.Month(), day.Day(), h, 59, 0, 0, loc).Add(3*time.Hour).Before(t) {
				continue
			}
			for m := range 60 {
				if c.minute&(1<<m) == 0 {
					continue
				}
				if fire := wallTime(day.Year(), day.Month(), day.Day(), h, m, loc); fire.After(t) {
					return fire
				}
			}
		}
	}
	return time.Time{}
}

// onDay applies cron's day rule: with either day field "*", a day must
// match both; with both restricted, either.
func (c calendar) onDay(day time.Time) bool {
	if c.month&(1<<uint(day.Month())) == 0 {
		return false
	}
	domOK := c.dom&(1<<uint(day.Day())) != 0
	dowOK := c.dow&(1<<uint(day.Weekday())) != 0
	if c.dom&starBit != 0 || c.dow&starBit != 0 {
		return domOK && dowOK
	}
	return domOK || dowOK
}

func (c calendar) inWeek(day time.Time) bool {
	if c.every <= 1 {
		return true
	}
	monday := func(t time.Time) time.Time {
		off := (int(t.Weekday()) + 6) % 7
		return time.Date(t.Year(), t.Month(), t.Day()-off, 0, 0, 0, 0, time.UTC)
	}
	weeks := int(monday(day).Sub(monday(c.anchor)).Hours()+12) / (24 * 7)
	return weeks >= 0 && weeks%c.every == 0
}

// weekly is the simple form Describe puts in words: a fixed minute and
// hour on some weekdays, every n weeks.
type weekly struct {
	minute, hour int
	days         [7]bool
	every        int
}

var weeklyRE = regexp.MustCompile(`^(?:W(\d+)/(\d{4}-\d\d-\d\d) )?(\d{1,2}) (\d{1,2}) \* \* (\*|[0-6](?:,[0-6])*)$`)

func parseWeekly(spec string) (weekly, bool) {
	m := weeklyRE.FindStringSubmatch(strings.TrimSpace(spec))
	if m == nil {
		return weekly{}, false
	}
	w := weekly{every: 1}
	if m[1] != "" {
		n, err := strconv.Atoi(m[1])
		if err != nil || n < 1 || n > 52 {
			return weekly{}, false
		}
		w.every = n
	}
	w.minute, _ = strconv.Atoi(m[3])
	w.hour, _ = strconv.Atoi(m[4])
	if w.minute > 59 || w.hour > 23 {
		return weekly{}, false
	}
	if m[5] == "*" {
		for i := range w.days {
			w.days[i] = true
		}
	} else {
		for _, d := range strings.Split(m[5], ",") {
			w.days[d[0]-'0'] = true
		}
	}
	return w, true
}

// wallTime is the instant the clocks in loc first show h:m on the date, or,
// when that wall time does not exist (the spring gap), the first instant
// after the gap.
func wallTime(y int, mo time.Month, d, h, m int, loc *time.Location) time.Time {
	t := time.Date(y, mo, d, h, m, 0, 0, loc)
	want := fmt.Sprintf("%04d-%02d-%02d %02d:%02d", y, mo, d, h, m)
	if t.Format("2006-01-02 15:04") == want {
		// Go may pick the second of two occurrences: take the earliest.
		earliest := t
		for back := 15 * time.Minute; back <= 2*time.Hour; back += 15 * time.Minute {
			if u := t.Add(-back); u.Format("2006-01-02 15:04") == want {
				earliest = u
			}
		}
		return earliest
	}
	// In a gap: the first minute from two hours before whose wall clock is
	// past the wanted one.
	for u := t.Add(-2 * time.Hour).Truncate(time.Minute); u.Before(t.Add(3 * time.Hour)); u = u.Add(time.Minute) {
		if u.Format("2006-01-02 15:04") > want {
			return u
		}
	}
	return t
}

// ---- the human parser ------------------------------------------------------

var dayNames = map[string]int{
	"sunday": 0, "sun": 0, "monday": 1, "mon": 1, "tuesday": 2, "tue": 2, "tues": 2,
	"wednesday": 3, "wed": 3, "thursday": 4, "thu": 4, "thur": 4, "thurs": 4,
	"friday": 5, "fri": 5, "saturday": 6, "sat": 6,
}

var clockRE = regexp.MustCompile(`^(\d{1,2})(?::(\d\d))?\s*(am|pm)?$`)

// Parse reads a schedule as people write it or as a cron spec, with an
// optional time zone as the last word:
//
//	every monday 09:00            weekdays 17:30        every day 8am
//	every 2 weeks friday 12:00    mon,wed,fri 9:15      daily at 18:00
//	every monday 09:00 Asia/Kolkata
//	0 9 * * MON                   @weekly America/New_York
//
// zone is used when the text names none; today anchors "every n weeks"
// (the first firing is in today's week). Every mistake gets an error
// that says what is wrong in words.
func Parse(text, zone string, today time.Time) (Spec, error) {
	words := strings.Fields(text)
	if len(words) == 0 {
		return Spec{}, errors.New("no schedule given: write one such as \"every monday 09:00\" or a cron spec such as \"0 9 * * MON\"")
	}
	if last := words[len(words)-1]; strings.Contains(last, "/") || strings.EqualFold(last, "UTC") || strings.EqualFold(last, "GMT") {
		zone = last
		if strings.EqualFold(last, "utc") || strings.EqualFold(last, "gmt") {
			zone = "UTC"
		}
		words = words[:len(words)-1]
	}
	loc, err := loadZone(zone)
	if err != nil {
		return Spec{}, err
	}
	if len(words) == 0 {
		return Spec{}, errors.New("a time zone but no schedule: write one such as \"every monday 09:00 Europe/Berlin\"")
	}
	joined := strings.Join(words, " ")
	if isCronLike(words) {
		spec, err := Compile(joined, loc.String())
		if err != nil {
			return Spec{}, fmt.Errorf("%q: %w", joined, err)
		}
		return spec, nil
	}
	canon, err := parseHuman(words, today.In(loc))
	if err != nil {
		return Spec{}, fmt.Errorf("%q: %w", joined, err)
	}
	return Compile(canon, loc.String())
}

func isCronLike(words []string) bool {
	if strings.HasPrefix(words[0], "@") || strings.Contains(strings.ToUpper(words[0]), "TZ=") {
		return true
	}
	if strings.Contains(strings.Join(words, " "), "*") {
		return true
	}
	if len(words) != 5 {
		return false
	}
	for _, w := range words[:2] {
		if strings.Trim(w, "0123456789*/,-") != "" {
			return false
		}
	}
	return true
}

func parseHuman(words []string, today time.Time) (string, error) {
	h := humanSpec{every: 1}
	for i := 0; i < len(words); i++ {
		var err error
		if i, err = h.word(words, i); err != nil {
			return "", err
		}
	}
	return h.cron(today)
}

// humanSpec is what the words of a schedule written in English have said
// so far.
type humanSpec struct {
	days   [7]bool // by time.Weekday
	anyDay bool
	every  int    // weeks between runs
	clock  string // the time of day as written, "9:00", "5:30pm"
}

// word reads words[i] (and the word after it where the two go together:
// "2 weeks", "5:30 pm") and returns the index of the last word it read.
func (h *humanSpec) word(words []string, i int) (int, error) {
	w := strings.ToLower(strings.Trim(words[i], ","))
	switch {
	case w == "every" || w == "at" || w == "on" || w == "and" || w == "":
	case w == "day" || w == "daily" || w == "days" || w == "everyday":
		h.setDays(0, 1, 2, 3, 4, 5, 6)
	case w == "weekdays" || w == "weekday":
		h.setDays(1, 2, 3, 4, 5)
	case w == "weekends" || w == "weekend":
		h.setDays(0, 6)
	case w == "week" || w == "weeks" || w == "weekly":
	case isNumber(w) && i+1 < len(words) && strings.HasPrefix(strings.ToLower(words[i+1]), "week"):
		n, _ := strconv.Atoi(w)
		if n < 1 || n > 52 {
			return i, fmt.Errorf("every %d weeks: the number of weeks must be 1 to 52", n)
		}
		h.every = n
	case strings.Contains(w, ",") || dayOf(w) >= 0 || dayOf(strings.TrimSuffix(w, "s")) >= 0:
		return i, h.dayList(w)
	case clockRE.MatchString(w):
		if h.clock != "" {
			return i, errors.New("give one time of day (make two reminders for two times)")
		}
		if i+1 < len(words) {
			if next := strings.ToLower(words[i+1]); next == "am" || next == "pm" {
				w += next
				i++
			}
		}
		h.clock = w
	default:
		return i, fmt.Errorf("%q is not a day, a time or an interval; write for example \"every monday 09:00\", \"weekdays 17:30\", \"every 2 weeks friday 12:00\" or a cron spec \"0 9 * * MON\"", words[i])
	}
	return i, nil
}

func (h *humanSpec) setDays(ds ...int) {
	for _, d := range ds {
		h.days[d] = true
	}
	h.anyDay = true
}

// dayList reads "monday", "mondays" or "mon,wed,fri".
func (h *humanSpec) dayList(w string) error {
	for _, part := range strings.Split(w, ",") {
		if part == "" {
			continue
		}
		d := dayOf(part)
		if d < 0 {
			d = dayOf(strings.TrimSuffix(part, "s"))
		}
		if d < 0 {
			return fmt.Errorf("%q is not a day of the week", part)
		}
		h.setDays(d)
	}
	return nil
}

// cron is the spec the words make: a cron spec, with "W<n>/<today>" before
// it when the runs are n weeks apart.
func (h *humanSpec) cron(today time.Time) (string, error) {
	if h.clock == "" {
		return "", errors.New("no time of day: add one such as 09:00 or 5:30pm")
	}
	hour, m, err := parseClock(h.clock)
	if err != nil {
		return "", err
	}
	if !h.anyDay {
		return "", errors.New("no day: add one such as monday, weekdays or every day")
	}
	var ds []string
	for d, on := range h.days {
		if on {
			ds = append(ds, strconv.Itoa(d))
		}
	}
	dow := strings.Join(ds, ",")
	if len(ds) == 7 {
		dow = "*"
	}
	spec := fmt.Sprintf("%d %d * * %s", m, hour, dow)
	if h.every > 1 {
		spec = fmt.Sprintf("W%d/%s %s", h.every, today.Format("2006-01-02"), spec)
	}
	return spec, nil
}

func dayOf(w string) int {
	if d, ok := dayNames[w]; ok {
		return d
	}
	return -1
}

func isNumber(s string) bool {
	_, err := strconv.Atoi(s)
	return err == nil
}

func parseClock(s string) (h, m int, err error) {
	mm := clockRE.FindStringSubmatch(s)
	if mm == nil {
		return 0, 0, fmt.Errorf("%q is not a time of day", s)
	}
	h, _ = strconv.Atoi(mm[1])
	if mm[2] != "" {
		m, _ = strconv.Atoi(mm[2])
	}
	switch mm[3] {
	case "am", "pm":
		if h < 1 || h > 12 {
			return 0, 0, fmt.Errorf("%q: with am/pm the hour is 1 to 12", s)
		}
		if h == 12 {
			h = 0
		}
		if mm[3] == "pm" {
			h += 12
		}
	default:
		if mm[2] == "" {
			return 0, 0, fmt.Errorf("%q: write the time as HH:MM (09:00) or with am/pm (9am)", s)
		}
	}
	if h > 23 || m > 59 {
		return 0, 0, fmt.Errorf("%q is not a time of day (00:00 to 23:59)", s)
	}
	return h, m, nil
}

// Describe renders a spec's canonical form in words where it can.
func Describe(spec string) string {
	w, ok := parseWeekly(spec)
	if !ok {
		return "cron " + spec
	}
	var names []string
	short := []string{"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"}
	all := true
	for d, on := range w.days {
		if on {
			names = append(names, short[d])
		} else {
			all = false
		}
	}
	days := strings.Join(names, ", ")
	if all {
		days = "every day"
	}
	s := fmt.Sprintf("%s at %02d:%02d", days, w.hour, w.minute)
	if w.every > 1 {
		s = fmt.Sprintf("every %d weeks, %s", w.every, s)
	}
	return s
}
