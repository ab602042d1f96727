// Validation of a decoded configuration and the values it checks
// (quiet hours, time zones, command names).

package config

import (
	"fmt"
	"net"
	"net/url"
	"regexp"
	"strings"
	"time"

	"github.com/coursebot/coursebot"
	"github.com/coursebot/coursebot/scheduler"
)

// validate checks cfg after decoding; lines maps dotted keys to lines so
// each problem points into the file. It also normalises the API URLs.
func validate(cfg *Config, lines map[string]int) []Problem {
	v := &validation{lines: lines}
	v.servers(cfg)
	v.admins(cfg.Admins)
	v.platforms(cfg)
	v.nudges(cfg.Scheduler.Nudges)
	v.cohorts(cfg.Cohorts)
	v.ps = append(v.ps, validateCapstone(&cfg.Capstone, lines)...)
	return append(v.ps, validateTutor(&cfg.Tutor, lines)...)
}

// validation collects the problems validate finds, each at its key's line.
type validation struct {
	lines map[string]int
	ps    []Problem
}

func (v *validation) bad(key, format string, args ...any) {
	v.ps = append(v.ps, Problem{Line: v.lines[key], Key: key, Msg: key + ": " + fmt.Sprintf(format, args...)})
}

// servers checks the store's path and the two listen addresses and the
// admin server's host names.
func (v *validation) servers(cfg *Config) {
	if cfg.Store.Path == "" {
		v.bad("store.path", "must not be empty")
	}
	if _, _, err := net.SplitHostPort(cfg.HTTP.Listen); err != nil {
		v.bad("http.listen", "%q is not host:port (for example \":8080\" or \"127.0.0.1:8080\")", cfg.HTTP.Listen)
	}
	if _, _, err := net.SplitHostPort(cfg.Admin.Listen); err != nil {
		v.bad("admin.listen", "%q is not host:port (for example \"127.0.0.1:9090\")", cfg.Admin.Listen)
	}
	for i, h := range cfg.Admin.Hosts {
		if h == "" || strings.ContainsAny(h, ":/[] ") || net.ParseIP(h) != nil {
			v.bad(fmt.Sprintf("admin.hosts[%d]", i), "%q is not a host name (a name without a port, such as coursebot.internal; IP addresses and localhost are always answered)", h)
		}
	}
}

// admins checks that each admin is a learner key of a known platform.
func (v *validation) admins(admins []string) {
	for i, a := range admins {
		key := fmt.Sprintf("admins[%d]", i)
		l, ok := coursebot.ParseLearnerKey(a)
		if !ok {
			v.bad(key, "%q is not platform:user-id (for example slack:U123, discord:456, console:alice)", a)
			continue
		}
		if !knownPlatform(l.Platform) {
			v.bad(key, "%q: unknown platform %q (known: console, slack, discord)", a, l.Platform)
		}
	}
}

// platforms checks Slack's and Discord's API URLs (ending each with a
// slash), Discord's ids and Slack's per-lesson placements.
func (v *validation) platforms(cfg *Config) {
	for _, u := range []struct {
		key string
		val *string
	}{{"slack.api_url", &cfg.Slack.APIURL}, {"discord.api_url", &cfg.Discord.APIURL}} {
		p, err := url.Parse(*u.val)
		if err != nil || (p.Scheme != "https" && p.Scheme != "http") || p.Host == "" {
			v.bad(u.key, "%q is not an absolute http(s) URL", *u.val)
			continue
		}
		if !strings.HasSuffix(*u.val, "/") {
			*u.val += "/" // the API clients join method names onto it
		}
	}
	if id := cfg.Discord.ApplicationID; id != "" && !isDigits(id) {
		v.bad("discord.application_id", "%q is not a Discord id (digits only)", id)
	}
	for i, g := range cfg.Discord.GuildIDs {
		if !isDigits(g) {
			v.bad(fmt.Sprintf("discord.guild_ids[%d]", i), "%q is not a Discord guild id (digits only)", g)
		}
	}
	for lesson := range cfg.Slack.Courses {
		if strings.TrimSpace(lesson) == "" {
			v.bad("slack.courses", "empty lesson id")
		}
	}
}

// nudges checks scheduler.nudges: its lesson, its check as the scheduler
// reads it, its quiet hours and its time zone.
func (v *validation) nudges(n NudgeConfig) {
	if strings.TrimSpace(n.Lesson) == "" {
		v.bad("scheduler.nudges.lesson", "must name a lesson (for example \"4-4\")")
	}
	// The scheduler's own reading of the check, so that what validates
	// also starts; a bad zone is reported under nudges.timezone alone.
	checkZone := n.Timezone
	if !isZone(checkZone) {
		checkZone = "UTC"
	}
	if _, _, err := scheduler.CheckSpec(n.Check, checkZone); err != nil {
		v.bad("scheduler.nudges.check", "%q: %v", n.Check, err)
	}
	if _, err := ParseQuietHours(n.QuietHours); err != nil {
		v.bad("scheduler.nudges.quiet_hours", "%v", err)
	}
	if !isZone(n.Timezone) {
		v.bad("scheduler.nudges.timezone", "%q is not a time zone (for example UTC, Europe/Berlin)", n.Timezone)
	}
}

// cohorts checks the cohort commands' names (valid and distinct) and the
// default time zone.
func (v *validation) cohorts(co CohortsConfig) {
	names := map[string]string{}
	for _, c := range []struct{ key, val string }{
		{"cohorts.command", co.Command}, {"cohorts.nudges_command", co.NudgesCommand}, {"cohorts.lead_notes_command", co.LeadNotesCommand},
	} {
		if !commandNameRE.MatchString(c.val) {
			v.bad(c.key, "%q is not a command name (1-32 lowercase letters, digits, - or _, without the slash)", c.val)
			continue
		}
		if other, dup := names[c.val]; dup {
			v.bad(c.key, "%q is also %s; each command needs its own name", c.val, other)
		}
		names[c.val] = c.key
	}
	if _, err := time.LoadLocation(co.DefaultTimezone); err != nil || co.DefaultTimezone == "" || strings.EqualFold(co.DefaultTimezone, "local") {
		v.bad("cohorts.default_timezone", "%q is not a time zone (for example UTC, Europe/Berlin)", co.DefaultTimezone)
	}
}

// commandNameRE is what Slack and Discord both accept as a command name.
var commandNameRE = regexp.MustCompile(`^[-_a-z0-9]{1,32}$`)

func knownPlatform(p string) bool { return p == "console" || p == "slack" || p == "discord" }

func isDigits(s string) bool {
	if s == "" {
		return false
	}
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

// isZone reports whether name is a time zone the scheduler accepts (not
// empty, not the machine's "Local").
func isZone(name string) bool {
	_, err := time.LoadLocation(name)
	return err == nil && name != "" && !strings.EqualFold(name, "local")
}

// QuietHours is a daily window, in minutes after midnight, during which no
// nudges are sent. Start > End wraps past midnight ("21:00-08:00").
// The zero value (from "") is no quiet hours at all.
type QuietHours struct {
	Start, End int
}

// ParseQuietHours parses "HH:MM-HH:MM"; "" means none.
func ParseQuietHours(s string) (QuietHours, error) {
	if s == "" {
		return QuietHours{}, nil
	}
	a, b, ok := strings.Cut(s, "-")
	start, err1 := parseClock(a)
	end, err2 := parseClock(b)
	if !ok || err1 != nil || err2 != nil {
		return QuietHours{}, fmt.Errorf("%q is not HH:MM-HH:MM (for example 21:00-08:00, or \"\" for none)", s)
	}
	if start == end {
		return QuietHours{}, fmt.Errorf("%q starts and ends at the same time; use \"\" for no quiet hours", s)
	}
	return QuietHours{Start: start, End: end}, nil
}

func parseClock(s string) (int, error) {
	t, err := time.Parse("15:04", strings.TrimSpace(s))
	if err != nil {
		return 0, err
	}
	return t.Hour()*60 + t.Minute(), nil
}

// Contains reports whether t's wall clock (in t's location) falls in the
// window; the start is inside, the end is not.
func (q QuietHours) Contains(t time.Time) bool {
	if q.Start == q.End {
		return false
	}
	m := t.Hour()*60 + t.Minute()
	if q.Start < q.End {
		return m >= q.Start && m < q.End
	}
	return m >= q.Start || m < q.End
}
