package config

import (
	"fmt"
	"os"
	"sort"
	"strings"
	"time"
	_ "time/tzdata" // embed the zone database: the static image has no /usr/share/zoneinfo

	"github.com/coursebot/coursebot"
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
	Capstone  CapstoneConfig  `yaml:"capstone"`

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
	// Hosts are the host names (besides IP addresses and localhost) the
	// admin server answers to: the name a scraper uses for it.
	Hosts []string `yaml:"hosts"`
	// BackupStall is how long POST /admin/backup waits for its client to
	// take more of the copy before cutting it off.
	BackupStall time.Duration `yaml:"backup_stall_timeout"`
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
	Limits    SlackLimitsConfig `yaml:"limits"`
}

// DiscordConfig configures the Discord adapter.
type DiscordConfig struct {
	Enabled        bool                `yaml:"enabled"`
	Mode           string              `yaml:"mode" oneof:"gateway,http"`
	ApplicationID  string              `yaml:"application_id"`
	APIURL         string              `yaml:"api_url"`
	GuildIDs       []string            `yaml:"guild_ids"`
	PrivateThreads bool                `yaml:"private_threads"`
	Limits         DiscordLimitsConfig `yaml:"limits"`
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
func Default() Config {
	return Config{
		Course: CourseConfig{AnswerLimit: 4000},
		Store:  StoreConfig{Path: "coursebot.db", LockTimeout: time.Second},
		HTTP: HTTPConfig{
			Listen:       ":8080",
			ReadTimeout:  10 * time.Second,
			WriteTimeout: 10 * time.Second,
			MaxBodyBytes: 1 << 20,
		},
		Admin:    AdminConfig{Listen: "127.0.0.1:9090", Hosts: []string{}, BackupStall: 30 * time.Second},
		Delivery: DeliveryConfig{Workers: 64, InboxLimit: 10000, ShutdownGrace: 10 * time.Second},
		Log:      LogConfig{Format: "text", Level: "info", LearnerIDs: "hashed"},
		Admins:   []string{},
		Slack: SlackConfig{
			Mode:      "http",
			APIURL:    "https://slack.com/api/",
			Placement: "dm",
			Channels:  map[string]string{},
			Courses:   map[string]string{},
			Limits:    defaultSlackLimits(),
		},
		Discord: DiscordConfig{
			Mode:           "gateway",
			APIURL:         "https://discord.com/api/v10/",
			GuildIDs:       []string{},
			PrivateThreads: true,
			Limits:         defaultDiscordLimits(),
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
		Tutor:    defaultTutorConfig(),
		Capstone: defaultCapstoneConfig(),
	}
}

// LoadConfig reads the YAML file at path over Default() and the
// secrets from env (os.Getenv when nil). An empty path or an empty file
// gives the defaults. Every problem found is reported, each as
// "file:line: dotted.key: what is wrong", in one *Error.
func Load(path string, env func(string) string) (Config, error) {
	if env == nil {
		env = os.Getenv
	}
	cfg := Default()
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
		return Config{}, &Error{File: path, Problems: problems}
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

// Error lists every problem found in one configuration.
type Error struct {
	File     string
	Problems []Problem
}

func (e *Error) Error() string {
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

// Location is the nudges' time zone; LoadConfig has validated it.
func (n NudgeConfig) Location() *time.Location {
	loc, err := time.LoadLocation(n.Timezone)
	if err != nil {
		return time.UTC
	}
	return loc
}

// NudgeOptions are the scheduler's nudge settings from scheduler.nudges
// (Load has validated them).
func (c Config) NudgeOptions() scheduler.NudgeOptions {
	n := c.Scheduler.Nudges
	q, _ := ParseQuietHours(n.QuietHours)
	return scheduler.NudgeOptions{
		Enabled: n.Enabled, Lesson: n.Lesson, After: n.After, Max: n.Max, Check: n.Check, Zone: n.Timezone,
		QuietStart: q.Start, QuietEnd: q.End, Reviews: n.Reviews,
	}
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
func (c Config) IsAdmin(l coursebot.Learner) bool {
	for _, a := range c.Admins {
		if a == l.Key() {
			return true
		}
	}
	return false
}
