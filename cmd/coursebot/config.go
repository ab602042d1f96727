package main

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/url"
	"os"
	"reflect"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"
	_ "time/tzdata" // embed the zone database: the static image has no /usr/share/zoneinfo

	"gopkg.in/yaml.v3"

	"github.com/coursebot/coursebot/bot"
	"github.com/coursebot/coursebot/scheduler"
)

// Config is coursebot's configuration: a YAML file (see config.example.yaml
// and docs/configuration.md) plus secrets read from the environment.
//
// Struct tags drive the loader: `yaml` names the key, `oneof` lists the
// allowed values of a string (or of a map's values), `range` bounds an int.
// Every time.Duration must be positive.
type Config struct {
	Course    CourseConfig    `yaml:"course"`
	Store     StoreConfig     `yaml:"store"`
	HTTP      HTTPConfig      `yaml:"http"`
	Admin     AdminConfig     `yaml:"admin"`
	Delivery  DeliveryConfig  `yaml:"delivery"`
	Log       LogConfig       `yaml:"log"`
	Admins    []string        `yaml:"admins"`
	Slack     SlackConfig     `yaml:"slack"`
	Discord   DiscordConfig   `yaml:"discord"`
	Scheduler SchedulerConfig `yaml:"scheduler"`
	Cohorts   CohortsConfig   `yaml:"cohorts"`
	Tutor     TutorConfig     `yaml:"tutor"`

	// Secrets never come from YAML: LoadConfig fills them from the
	// environment (NAME or NAME_FILE).
	Secrets Secrets `yaml:"-"`
}

// CourseConfig selects the course and how answers are kept.
type CourseConfig struct {
	Dir                   string `yaml:"dir"`
	AnswerLimit           int    `yaml:"answer_limit" range:"1,20000"`
	ShareAnswersWithLeads bool   `yaml:"share_answers_with_leads"`
}

// StoreConfig is the bbolt database.
type StoreConfig struct {
	Path        string        `yaml:"path"`
	LockTimeout time.Duration `yaml:"lock_timeout"`
	// NewDB is --new-db, never a config key: an existing empty (0-byte)
	// file at Path may be started over as a new database.
	NewDB bool `yaml:"-"`
}

// AdminConfig is the operator's HTTP server: /metrics, the probes and
// POST /admin/backup, on an address apart from the public webhooks.
type AdminConfig struct {
	Listen string `yaml:"listen"`
}

// HTTPConfig is the bot's HTTP server.
type HTTPConfig struct {
	Listen       string        `yaml:"listen"`
	ReadTimeout  time.Duration `yaml:"read_timeout"`
	WriteTimeout time.Duration `yaml:"write_timeout"`
	MaxBodyBytes int           `yaml:"max_body_bytes" range:"1024,104857600"`
}

// DeliveryConfig is the delivery pipeline (docs/delivery.md): the inbox of
// acknowledged requests and the workers that do their work.
type DeliveryConfig struct {
	Workers       int           `yaml:"workers" range:"1,4096"`
	InboxLimit    int           `yaml:"inbox_limit" range:"10,1000000"`
	ShutdownGrace time.Duration `yaml:"shutdown_grace"`
}

// LogConfig is the operator's log.
type LogConfig struct {
	Format     string `yaml:"format" oneof:"text,json"`
	Level      string `yaml:"level" oneof:"debug,info,warn,error"`
	LearnerIDs string `yaml:"learner_ids" oneof:"hashed,plain"`
}

// SlackConfig configures the Slack adapter.
type SlackConfig struct {
	Enabled   bool              `yaml:"enabled"`
	Mode      string            `yaml:"mode" oneof:"http,socket"`
	APIURL    string            `yaml:"api_url"`
	Placement string            `yaml:"placement" oneof:"dm,channel"`
	Channels  map[string]string `yaml:"channels" oneof:"dm,channel"`
	Courses   map[string]string `yaml:"courses" oneof:"dm,channel"`
}

// DiscordConfig configures the Discord adapter.
type DiscordConfig struct {
	Enabled        bool     `yaml:"enabled"`
	Mode           string   `yaml:"mode" oneof:"gateway,http"`
	ApplicationID  string   `yaml:"application_id"`
	APIURL         string   `yaml:"api_url"`
	GuildIDs       []string `yaml:"guild_ids"`
	PrivateThreads bool     `yaml:"private_threads"`
}

// SchedulerConfig configures scheduled jobs.
type SchedulerConfig struct {
	Enabled bool        `yaml:"enabled"`
	CatchUp bool        `yaml:"catch_up"`
	Nudges  NudgeConfig `yaml:"nudges"`
}

// CohortsConfig configures cohorts: their command names (on every
// platform) and reminder defaults.
type CohortsConfig struct {
	Command          string `yaml:"command"`
	NudgesCommand    string `yaml:"nudges_command"`
	LeadNotesCommand string `yaml:"lead_notes_command"`
	DefaultTimezone  string `yaml:"default_timezone"`
	Digest           bool   `yaml:"digest"`
}

// NudgeConfig configures reminders to learners who stalled in a lesson.
type NudgeConfig struct {
	Enabled    bool          `yaml:"enabled"`
	Lesson     string        `yaml:"lesson"`
	After      time.Duration `yaml:"after"`
	Max        int           `yaml:"max" range:"1,100"`
	Check      string        `yaml:"check"`
	QuietHours string        `yaml:"quiet_hours"`
	Timezone   string        `yaml:"timezone"`
	Reviews    bool          `yaml:"reviews"`
}

// DefaultConfig is the configuration used when no file is given. It must
// equal what config.example.yaml loads to (a test checks it).
func DefaultConfig() Config {
	return Config{
		Course: CourseConfig{AnswerLimit: 4000},
		Store:  StoreConfig{Path: "coursebot.db", LockTimeout: time.Second},
		HTTP: HTTPConfig{
			Listen:       ":8080",
			ReadTimeout:  10 * time.Second,
			WriteTimeout: 10 * time.Second,
			MaxBodyBytes: 1 << 20,
		},
		Admin:    AdminConfig{Listen: "127.0.0.1:9090"},
		Delivery: DeliveryConfig{Workers: 64, InboxLimit: 10000, ShutdownGrace: 10 * time.Second},
		Log:      LogConfig{Format: "text", Level: "info", LearnerIDs: "hashed"},
		Admins:   []string{},
		Slack: SlackConfig{
			Mode:      "http",
			APIURL:    "https://slack.com/api/",
			Placement: "dm",
			Channels:  map[string]string{},
			Courses:   map[string]string{},
		},
		Discord: DiscordConfig{
			Mode:           "gateway",
			APIURL:         "https://discord.com/api/v10/",
			GuildIDs:       []string{},
			PrivateThreads: true,
		},
		Scheduler: SchedulerConfig{
			Enabled: true,
			CatchUp: true,
			Nudges: NudgeConfig{
				Enabled:    true,
				Lesson:     "4-4",
				After:      72 * time.Hour,
				Max:        3,
				Check:      "0 * * * *",
				QuietHours: "21:00-08:00",
				Timezone:   "UTC",
				Reviews:    true,
			},
		},
		Cohorts: CohortsConfig{
			Command:          "cohort",
			NudgesCommand:    "nudges",
			LeadNotesCommand: "lead-notes",
			DefaultTimezone:  "UTC",
			Digest:           true,
		},
		Tutor: defaultTutorConfig(),
	}
}

// LoadConfig reads the YAML file at path over DefaultConfig() and the
// secrets from env (os.Getenv when nil). An empty path or an empty file
// gives the defaults. Every problem found is reported, each as
// "file:line: dotted.key: what is wrong", in one *ConfigError.
func LoadConfig(path string, env func(string) string) (Config, error) {
	if env == nil {
		env = os.Getenv
	}
	cfg := DefaultConfig()
	var problems []Problem
	if path != "" {
		src, err := os.ReadFile(path)
		if err != nil {
			return Config{}, fmt.Errorf("load config: %w", err)
		}
		lines, ps := decodeYAML(src, &cfg)
		problems = append(ps, validate(&cfg, lines)...)
		sort.SliceStable(problems, func(i, j int) bool { return problems[i].Line < problems[j].Line })
	}
	secrets, ps := loadSecrets(env)
	problems = append(problems, ps...)
	if len(problems) > 0 {
		return Config{}, &ConfigError{File: path, Problems: problems}
	}
	cfg.Secrets = secrets
	return cfg, nil
}

// Problem is one thing wrong with a configuration.
type Problem struct {
	Line int    // 1-based line in the file, 0 when not from the file
	Key  string // full dotted key ("slack.mode"), or the env variable
	Env  string // the environment variable, for problems with secrets
	Msg  string // what is wrong, already naming Key or Env
}

// ConfigError lists every problem found in one configuration.
type ConfigError struct {
	File     string
	Problems []Problem
}

func (e *ConfigError) Error() string {
	var b strings.Builder
	for i, p := range e.Problems {
		if i > 0 {
			b.WriteByte('\n')
		}
		switch {
		case p.Line > 0:
			fmt.Fprintf(&b, "%s:%d: %s", e.File, p.Line, p.Msg)
		case e.File != "" && p.Env == "":
			fmt.Fprintf(&b, "%s: %s", e.File, p.Msg)
		default:
			b.WriteString(p.Msg)
		}
	}
	return b.String()
}

// ---- YAML decoding ------------------------------------------------------

var durationType = reflect.TypeFor[time.Duration]()

// decoder walks a yaml.Node tree against a Go value using its yaml tags, so
// unknown keys and bad values are found at any depth without key lists.
type decoder struct {
	problems []Problem
	lines    map[string]int // dotted key -> line of its value
}

func decodeYAML(src []byte, cfg *Config) (map[string]int, []Problem) {
	d := &decoder{lines: map[string]int{}}
	dec := yaml.NewDecoder(strings.NewReader(string(src)))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return d.lines, nil // empty file: defaults
		}
		return d.lines, []Problem{syntaxProblem(err)}
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); err == nil {
		return d.lines, []Problem{{Line: extra.Line, Msg: "more than one YAML document; put everything in one"}}
	} else if !errors.Is(err, io.EOF) {
		return d.lines, []Problem{syntaxProblem(err)}
	}
	root := &doc
	if root.Kind == yaml.DocumentNode {
		if len(root.Content) == 0 {
			return d.lines, nil
		}
		root = root.Content[0]
	}
	d.value(root, reflect.ValueOf(cfg).Elem(), "", "")
	return d.lines, d.problems
}

// syntaxProblem turns "yaml: line 3: mapping values are not allowed..." into
// a Problem with the line split out.
func syntaxProblem(err error) Problem {
	msg := strings.TrimPrefix(err.Error(), "yaml: ")
	if rest, ok := strings.CutPrefix(msg, "line "); ok {
		if n, tail, ok := strings.Cut(rest, ": "); ok {
			if line, err := strconv.Atoi(n); err == nil {
				return Problem{Line: line, Msg: "invalid YAML: " + tail}
			}
		}
	}
	return Problem{Msg: "invalid YAML: " + msg}
}

func (d *decoder) fail(n *yaml.Node, key, format string, args ...any) {
	d.problems = append(d.problems, Problem{Line: n.Line, Key: key, Msg: fmt.Sprintf(format, args...)})
}

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

// value decodes n into v. path is v's dotted key; oneof is the allowed
// values from the field's tag (also applied to map values), rng its range.
func (d *decoder) value(n *yaml.Node, v reflect.Value, path string, tag reflect.StructTag) {
	if n.Kind == yaml.AliasNode && n.Alias != nil {
		line := n.Line
		resolved := *n.Alias
		resolved.Line = line // report problems where the alias is used
		n = &resolved
	}
	if n.Kind == yaml.ScalarNode && n.ShortTag() == "!!null" {
		return // "key:" with no value keeps the default
	}
	if path != "" {
		d.lines[path] = n.Line
	}
	switch {
	case v.Type() == durationType:
		s, ok := d.scalar(n, path)
		if !ok {
			return
		}
		dur, err := time.ParseDuration(s)
		if err != nil {
			d.fail(n, path, "%s: %q is not a duration (for example 500ms, 10s, 72h)", path, s)
			return
		}
		if dur <= 0 {
			d.fail(n, path, "%s: %q must be more than zero", path, s)
			return
		}
		v.SetInt(int64(dur))
	case v.Kind() == reflect.Struct:
		d.structValue(n, v, path)
	case v.Kind() == reflect.String:
		s, ok := d.scalar(n, path)
		if !ok {
			return
		}
		if n.ShortTag() == "!!bool" {
			d.fail(n, path, "%s: %s is a boolean, not text; quote it if you mean the text", path, s)
			return
		}
		if !d.oneOf(n, path, s, tag) {
			return
		}
		v.SetString(s)
	case v.Kind() == reflect.Bool:
		s, ok := d.scalar(n, path)
		if !ok {
			return
		}
		b, err := strconv.ParseBool(s)
		if err != nil || n.ShortTag() != "!!bool" {
			d.fail(n, path, "%s: %q is not true or false", path, s)
			return
		}
		v.SetBool(b)
	case v.Kind() == reflect.Int:
		s, ok := d.scalar(n, path)
		if !ok {
			return
		}
		var i int
		if n.ShortTag() != "!!int" || n.Decode(&i) != nil {
			d.fail(n, path, "%s: %q is not a whole number", path, s)
			return
		}
		if lo, hi, ok := rangeTag(tag); ok && (i < lo || i > hi) {
			d.fail(n, path, "%s: %d is out of range %d..%d", path, i, lo, hi)
			return
		}
		v.SetInt(int64(i))
	case v.Kind() == reflect.Slice && v.Type().Elem().Kind() == reflect.String:
		if n.Kind != yaml.SequenceNode {
			d.fail(n, path, "%s: must be a list (for example [a, b] or one \"- item\" a line)", path)
			return
		}
		out := make([]string, 0, len(n.Content))
		for i, item := range n.Content {
			var s string
			d.value(item, reflect.ValueOf(&s).Elem(), fmt.Sprintf("%s[%d]", path, i), tag)
			out = append(out, s)
		}
		v.Set(reflect.ValueOf(out))
	case v.Kind() == reflect.Map && v.Type().Key().Kind() == reflect.String && v.Type().Elem().Kind() == reflect.String:
		if n.Kind != yaml.MappingNode {
			d.fail(n, path, "%s: must be a mapping of key: value lines", path)
			return
		}
		out := reflect.MakeMap(v.Type())
		seen := map[string]bool{}
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, val := n.Content[i], n.Content[i+1]
			key, ok := d.scalar(k, path)
			if !ok {
				continue
			}
			if seen[key] {
				d.fail(k, join(path, key), "duplicate key %q", join(path, key))
				continue
			}
			seen[key] = true
			var s string
			d.value(val, reflect.ValueOf(&s).Elem(), join(path, key), tag)
			out.SetMapIndex(reflect.ValueOf(key), reflect.ValueOf(s))
		}
		v.Set(out)
	default:
		// A programming error: a Config field of a kind the loader lacks.
		panic(fmt.Sprintf("config: no YAML decoding for %s (%s)", v.Type(), path))
	}
}

func (d *decoder) scalar(n *yaml.Node, path string) (string, bool) {
	if n.Kind != yaml.ScalarNode {
		what := map[yaml.Kind]string{yaml.MappingNode: "a mapping", yaml.SequenceNode: "a list"}[n.Kind]
		if what == "" {
			what = "not a single value"
		}
		if path == "" {
			d.fail(n, path, "expected a single value, found %s", what)
		} else {
			d.fail(n, path, "%s: expected a single value, found %s", path, what)
		}
		return "", false
	}
	return n.Value, true
}

func (d *decoder) oneOf(n *yaml.Node, path, s string, tag reflect.StructTag) bool {
	allowed, ok := tag.Lookup("oneof")
	if !ok {
		return true
	}
	for _, a := range strings.Split(allowed, ",") {
		if s == a {
			return true
		}
	}
	d.fail(n, path, "%s: %q is not one of %s", path, s, strings.ReplaceAll(allowed, ",", ", "))
	return false
}

func rangeTag(tag reflect.StructTag) (lo, hi int, ok bool) {
	r, ok := tag.Lookup("range")
	if !ok {
		return 0, 0, false
	}
	a, b, _ := strings.Cut(r, ",")
	lo, err1 := strconv.Atoi(a)
	hi, err2 := strconv.Atoi(b)
	return lo, hi, err1 == nil && err2 == nil
}

func (d *decoder) structValue(n *yaml.Node, v reflect.Value, path string) {
	if n.Kind != yaml.MappingNode {
		if path == "" {
			d.fail(n, path, "the file must be a mapping of keys (course:, store:, slack:, ...)")
		} else {
			d.fail(n, path, "%s: must be a mapping of keys (known keys under %s: %s)", path, path, strings.Join(knownKeys(v.Type()), ", "))
		}
		return
	}
	seen := map[string]bool{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, val := n.Content[i], n.Content[i+1]
		key, ok := d.scalar(k, path)
		if !ok {
			continue
		}
		full := join(path, key)
		if seen[key] {
			d.fail(k, full, "duplicate key %q", full)
			continue
		}
		seen[key] = true
		f, ok := fieldByTag(v.Type(), key)
		if !ok {
			d.fail(k, full, "unknown key %q (%s)%s", full, knownKeysText(v.Type(), path), secretHint(key))
			continue
		}
		d.value(val, v.FieldByIndex(f.Index), full, f.Tag)
	}
}

func yamlName(f reflect.StructField) string {
	name, _, _ := strings.Cut(f.Tag.Get("yaml"), ",")
	if name == "-" || !f.IsExported() {
		return ""
	}
	if name == "" {
		return strings.ToLower(f.Name)
	}
	return name
}

func fieldByTag(t reflect.Type, key string) (reflect.StructField, bool) {
	for i := range t.NumField() {
		if f := t.Field(i); yamlName(f) == key {
			return f, true
		}
	}
	return reflect.StructField{}, false
}

func knownKeys(t reflect.Type) []string {
	var keys []string
	for i := range t.NumField() {
		if name := yamlName(t.Field(i)); name != "" {
			keys = append(keys, name)
		}
	}
	return keys
}

func knownKeysText(t reflect.Type, path string) string {
	if path == "" {
		return "known keys: " + strings.Join(knownKeys(t), ", ")
	}
	return "known keys under " + path + ": " + strings.Join(knownKeys(t), ", ")
}

func secretHint(key string) string {
	k := strings.ToLower(key)
	if strings.Contains(k, "token") || strings.Contains(k, "secret") || strings.Contains(k, "key") || strings.Contains(k, "password") {
		return "; secrets are never read from the file: set them in the environment (see docs/configuration.md)"
	}
	return ""
}

// ---- validation of values that need more than a tag ---------------------

// validate checks cfg after decoding; lines maps dotted keys to lines so
// each problem points into the file. It also normalises the API URLs.
func validate(cfg *Config, lines map[string]int) []Problem {
	var ps []Problem
	bad := func(key, format string, args ...any) {
		ps = append(ps, Problem{Line: lines[key], Key: key, Msg: key + ": " + fmt.Sprintf(format, args...)})
	}

	if cfg.Store.Path == "" {
		bad("store.path", "must not be empty")
	}
	if _, _, err := net.SplitHostPort(cfg.HTTP.Listen); err != nil {
		bad("http.listen", "%q is not host:port (for example \":8080\" or \"127.0.0.1:8080\")", cfg.HTTP.Listen)
	}
	if _, _, err := net.SplitHostPort(cfg.Admin.Listen); err != nil {
		bad("admin.listen", "%q is not host:port (for example \"127.0.0.1:9090\")", cfg.Admin.Listen)
	}
	for i, a := range cfg.Admins {
		key := fmt.Sprintf("admins[%d]", i)
		l, ok := bot.ParseLearnerKey(a)
		if !ok {
			bad(key, "%q is not platform:user-id (for example slack:U123, discord:456, console:alice)", a)
			continue
		}
		if !knownPlatform(l.Platform) {
			bad(key, "%q: unknown platform %q (known: console, slack, discord)", a, l.Platform)
		}
	}
	for _, u := range []struct {
		key string
		val *string
	}{{"slack.api_url", &cfg.Slack.APIURL}, {"discord.api_url", &cfg.Discord.APIURL}} {
		p, err := url.Parse(*u.val)
		if err != nil || (p.Scheme != "https" && p.Scheme != "http") || p.Host == "" {
			bad(u.key, "%q is not an absolute http(s) URL", *u.val)
			continue
		}
		if !strings.HasSuffix(*u.val, "/") {
			*u.val += "/" // the API clients join method names onto it
		}
	}
	if id := cfg.Discord.ApplicationID; id != "" && !isDigits(id) {
		bad("discord.application_id", "%q is not a Discord id (digits only)", id)
	}
	for i, g := range cfg.Discord.GuildIDs {
		if !isDigits(g) {
			bad(fmt.Sprintf("discord.guild_ids[%d]", i), "%q is not a Discord guild id (digits only)", g)
		}
	}
	for lesson := range cfg.Slack.Courses {
		if strings.TrimSpace(lesson) == "" {
			bad("slack.courses", "empty lesson id")
		}
	}
	n := cfg.Scheduler.Nudges
	if strings.TrimSpace(n.Lesson) == "" {
		bad("scheduler.nudges.lesson", "must name a lesson (for example \"4-4\")")
	}
	// The scheduler's own reading of the check, so that what validates
	// also starts; a bad zone is reported under nudges.timezone alone.
	checkZone := n.Timezone
	if !isZone(checkZone) {
		checkZone = "UTC"
	}
	if _, _, err := scheduler.CheckSpec(n.Check, checkZone); err != nil {
		bad("scheduler.nudges.check", "%q: %v", n.Check, err)
	}
	if _, err := ParseQuietHours(n.QuietHours); err != nil {
		bad("scheduler.nudges.quiet_hours", "%v", err)
	}
	if !isZone(n.Timezone) {
		bad("scheduler.nudges.timezone", "%q is not a time zone (for example UTC, Europe/Berlin)", n.Timezone)
	}
	co := cfg.Cohorts
	names := map[string]string{}
	for _, c := range []struct{ key, val string }{
		{"cohorts.command", co.Command}, {"cohorts.nudges_command", co.NudgesCommand}, {"cohorts.lead_notes_command", co.LeadNotesCommand},
	} {
		if !commandNameRE.MatchString(c.val) {
			bad(c.key, "%q is not a command name (1-32 lowercase letters, digits, - or _, without the slash)", c.val)
			continue
		}
		if other, dup := names[c.val]; dup {
			bad(c.key, "%q is also %s; each command needs its own name", c.val, other)
		}
		names[c.val] = c.key
	}
	if _, err := time.LoadLocation(co.DefaultTimezone); err != nil || co.DefaultTimezone == "" || strings.EqualFold(co.DefaultTimezone, "local") {
		bad("cohorts.default_timezone", "%q is not a time zone (for example UTC, Europe/Berlin)", co.DefaultTimezone)
	}
	return append(ps, validateTutor(&cfg.Tutor, lines)...)
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

// Location is the nudges' time zone; LoadConfig has validated it.
func (n NudgeConfig) Location() *time.Location {
	loc, err := time.LoadLocation(n.Timezone)
	if err != nil {
		return time.UTC
	}
	return loc
}

// PlacementFor says where a lesson thread opens ("dm" or "channel"): a
// per-channel override wins, then a per-lesson override, then the default.
func (s SlackConfig) PlacementFor(lesson, channel string) string {
	if p, ok := s.Channels[channel]; ok && channel != "" {
		return p
	}
	if p, ok := s.Courses[lesson]; ok {
		return p
	}
	return s.Placement
}

// IsAdmin reports whether the learner is listed in admins.
func (c Config) IsAdmin(l bot.Learner) bool {
	for _, a := range c.Admins {
		if a == l.Key() {
			return true
		}
	}
	return false
}

// SlogLevel is log.level as a slog.Level.
func (l LogConfig) SlogLevel() slog.Level {
	var lv slog.Level
	if err := lv.UnmarshalText([]byte(l.Level)); err != nil {
		return slog.LevelInfo
	}
	return lv
}

// NewLogger returns the operator's logger writing to w in log.format at
// log.level.
//
// With learner_ids: hashed, every attribute named "learner" or "recipient"
// that holds a learner key ("slack:U1") is logged as its digest, whichever
// package logged it (adapters, scheduler, cohorts), so no plain user id
// reaches the log.
func (l LogConfig) NewLogger(w io.Writer) *slog.Logger {
	opts := &slog.HandlerOptions{Level: l.SlogLevel()}
	if l.LearnerIDs == "hashed" {
		opts.ReplaceAttr = hashLearnerKeys(learnerLogger{hashed: true}) // redact.go
	}
	if l.Format == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}

// ---- secrets ------------------------------------------------------------

// Secret is a credential. Every way of printing or encoding it gives
// "<secret>"; Reveal returns the value for the one place that needs it.
type Secret string

const redacted = "<secret>"

// Reveal returns the secret's value. Call it only where the value is sent
// to its service.
func (s Secret) Reveal() string { return string(s) }

// IsSet reports whether the secret has a value.
func (s Secret) IsSet() bool { return s != "" }

func (s Secret) String() string                { return redacted }
func (s Secret) GoString() string              { return redacted }
func (s Secret) MarshalText() ([]byte, error)  { return []byte(redacted), nil }
func (s Secret) LogValue() slog.Value          { return slog.StringValue(redacted) }
func (s Secret) Format(f fmt.State, verb rune) { _, _ = io.WriteString(f, redacted) }

// Secrets are the credentials, from environment variables.
type Secrets struct {
	SlackBotToken      Secret // SLACK_BOT_TOKEN
	SlackSigningSecret Secret // SLACK_SIGNING_SECRET
	SlackAppToken      Secret // SLACK_APP_TOKEN
	DiscordToken       Secret // DISCORD_TOKEN
	DiscordPublicKey   Secret // DISCORD_PUBLIC_KEY
	TutorAPIKey        Secret // COURSEBOT_TUTOR_API_KEY
}

type secretVar struct {
	name string
	dst  *Secret
}

func (s *Secrets) vars() []secretVar {
	return []secretVar{
		{"SLACK_BOT_TOKEN", &s.SlackBotToken},
		{"SLACK_SIGNING_SECRET", &s.SlackSigningSecret},
		{"SLACK_APP_TOKEN", &s.SlackAppToken},
		{"DISCORD_TOKEN", &s.DiscordToken},
		{"DISCORD_PUBLIC_KEY", &s.DiscordPublicKey},
		{"COURSEBOT_TUTOR_API_KEY", &s.TutorAPIKey},
	}
}

// maxSecretFile bounds a NAME_FILE read: a credential is short.
const maxSecretFile = 64 << 10

// loadSecrets reads each secret from NAME, or from the file named by
// NAME_FILE (a trailing newline trimmed). Setting both is an error.
func loadSecrets(env func(string) string) (Secrets, []Problem) {
	var s Secrets
	var ps []Problem
	for _, v := range s.vars() {
		val, file := env(v.name), env(v.name+"_FILE")
		switch {
		case val != "" && file != "":
			ps = append(ps, Problem{Env: v.name, Msg: fmt.Sprintf("both %s and %s_FILE are set; set only one", v.name, v.name)})
		case file != "":
			b, err := readSecretFile(file)
			if err != nil {
				ps = append(ps, Problem{Env: v.name, Msg: fmt.Sprintf("%s_FILE: %v", v.name, err)})
				continue
			}
			*v.dst = Secret(strings.TrimRight(string(b), "\r\n"))
		default:
			*v.dst = Secret(val)
		}
	}
	return s, ps
}

func readSecretFile(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer func() { _ = f.Close() }() // read only: nothing to lose
	b, err := io.ReadAll(io.LimitReader(f, maxSecretFile+1))
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	if len(b) > maxSecretFile {
		return nil, fmt.Errorf("%s is larger than %d bytes; is it the right file?", path, maxSecretFile)
	}
	return b, nil
}

// RequireSecrets reports, for each enabled platform and mode, every
// missing environment variable (and discord.application_id). It never
// shows a secret's value.
func (c Config) RequireSecrets() error {
	var errs []error
	need := func(platform, mode, name string, s Secret) {
		if !s.IsSet() {
			errs = append(errs, fmt.Errorf("%s is enabled in %s mode but %s is not set (set %s or %s_FILE)", platform, mode, name, name, name))
		}
	}
	if c.Slack.Enabled {
		need("slack", c.Slack.Mode, "SLACK_BOT_TOKEN", c.Secrets.SlackBotToken)
		switch c.Slack.Mode {
		case "http":
			need("slack", c.Slack.Mode, "SLACK_SIGNING_SECRET", c.Secrets.SlackSigningSecret)
		case "socket":
			need("slack", c.Slack.Mode, "SLACK_APP_TOKEN", c.Secrets.SlackAppToken)
		}
	}
	if c.Discord.Enabled {
		need("discord", c.Discord.Mode, "DISCORD_TOKEN", c.Secrets.DiscordToken)
		if c.Discord.Mode == "http" {
			need("discord", c.Discord.Mode, "DISCORD_PUBLIC_KEY", c.Secrets.DiscordPublicKey)
			if k := c.Secrets.DiscordPublicKey.Reveal(); k != "" && !isHexKey(k) {
				errs = append(errs, errors.New("DISCORD_PUBLIC_KEY is not 64 hex digits (the application's public key from the developer portal)"))
			}
		}
		if c.Discord.ApplicationID == "" {
			errs = append(errs, errors.New("discord is enabled but discord.application_id is empty (the application id from the developer portal)"))
		}
	}
	return errors.Join(errs...)
}

func isHexKey(s string) bool {
	if len(s) != 64 {
		return false
	}
	for _, r := range s {
		if !strings.ContainsRune("0123456789abcdefABCDEF", r) {
			return false
		}
	}
	return true
}
