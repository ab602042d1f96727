package config

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/coursebot/coursebot"
)

// envMap is an injected environment.
func envMap(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}

var noEnv = envMap(nil)

func TestLoadConfigDefaults(t *testing.T) {
	for _, path := range []string{"", "testdata/config/empty.yaml", "testdata/config/comments_only.yaml"} {
		t.Run(filepath.Base(path), func(t *testing.T) {
			got, err := Load(path, noEnv)
			if err != nil {
				t.Fatalf("Load(%q): %v", path, err)
			}
			if want := Default(); !reflect.DeepEqual(got, want) {
				t.Errorf("Load(%q) =\n%+v\nwant defaults\n%+v", path, got, want)
			}
		})
	}
}

// The example documents every key with its default: it must load to
// exactly Default(), so the two can never drift apart.
func TestExampleConfigIsDefaults(t *testing.T) {
	got, err := Load("../config.example.yaml", noEnv)
	if err != nil {
		t.Fatalf("config.example.yaml: %v", err)
	}
	if want := Default(); !reflect.DeepEqual(got, want) {
		t.Errorf("config.example.yaml loads to\n%+v\nbut Default() is\n%+v", got, want)
	}
}

// leafKeys lists every dotted key of a config struct type from its tags.
func leafKeys(t reflect.Type, prefix string) []string {
	var keys []string
	for i := range t.NumField() {
		f := t.Field(i)
		name := yamlName(f)
		if name == "" {
			continue
		}
		full := join(prefix, name)
		if f.Type.Kind() == reflect.Struct && f.Type != durationType {
			keys = append(keys, leafKeys(f.Type, full)...)
			continue
		}
		keys = append(keys, full)
	}
	return keys
}

// fileKeys lists the dotted keys written in a YAML mapping (not descending
// into the values of map-typed keys such as slack.channels).
func fileKeys(n *yaml.Node, prefix string, out map[string]bool) {
	if n.Kind == yaml.DocumentNode {
		fileKeys(n.Content[0], prefix, out)
		return
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		full := join(prefix, n.Content[i].Value)
		out[full] = true
		if v := n.Content[i+1]; v.Kind == yaml.MappingNode && v.Style != yaml.FlowStyle {
			fileKeys(v, full, out)
		}
	}
}

func TestExampleAndDocsListEveryKey(t *testing.T) {
	src, err := os.ReadFile("../config.example.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(src, &doc); err != nil {
		t.Fatal(err)
	}
	inExample := map[string]bool{}
	fileKeys(&doc, "", inExample)
	docs, err := os.ReadFile("../docs/configuration.md")
	if err != nil {
		t.Fatal(err)
	}
	keys := leafKeys(reflect.TypeFor[Config](), "")
	if len(keys) < 30 {
		t.Fatalf("found only %d keys: %v", len(keys), keys)
	}
	for _, k := range keys {
		if !inExample[k] {
			t.Errorf("config.example.yaml does not set %s", k)
		}
		if !bytes.Contains(docs, []byte("`"+k+"`")) {
			t.Errorf("docs/configuration.md does not describe `%s`", k)
		}
	}
	for _, env := range []string{"SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET", "SLACK_APP_TOKEN", "DISCORD_TOKEN", "DISCORD_PUBLIC_KEY"} {
		if !bytes.Contains(docs, []byte(env)) || !bytes.Contains(src, []byte(env)) {
			t.Errorf("%s is not documented in both config.example.yaml and docs/configuration.md", env)
		}
	}
}

func TestLoadConfigPartial(t *testing.T) {
	got, err := Load("testdata/config/partial.yaml", noEnv)
	if err != nil {
		t.Fatal(err)
	}
	want := Default()
	want.Course.Dir = "/srv/course"
	want.Course.AnswerLimit = 1000
	want.Store.LockTimeout = 250 * time.Millisecond
	want.HTTP.ReadTimeout = 30 * time.Second
	want.HTTP.WriteTimeout = 30 * time.Second
	want.Log.Format = "json"
	want.Log.Level = "debug"
	want.Admins = []string{"slack:U0123ABCD", "discord:80351110224678912", "console:alice"}
	want.Slack.Enabled = true
	want.Slack.Mode = "socket"
	want.Slack.APIURL = "http://127.0.0.1:9999/api/" // trailing slash added
	want.Slack.Channels = map[string]string{"C0123ABCD": "dm"}
	want.Slack.Courses = map[string]string{"4-4": "channel"}
	want.Discord.Enabled = true
	want.Discord.Mode = "http"
	want.Discord.ApplicationID = "1234567890"
	want.Discord.GuildIDs = []string{"111", "222"}
	want.Discord.PrivateThreads = false
	want.Scheduler.Nudges.After = 48 * time.Hour
	want.Scheduler.Nudges.Check = "CRON_TZ=Europe/Berlin 30 9 * * MON-FRI"
	want.Scheduler.Nudges.QuietHours = ""
	want.Scheduler.Nudges.Timezone = "Europe/Berlin"
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got\n%+v\nwant\n%+v", got, want)
	}
	if loc := got.Scheduler.Nudges.Location(); loc.String() != "Europe/Berlin" {
		t.Errorf("Location() = %v", loc)
	}
	if !got.IsAdmin(coursebot.Learner{Platform: "discord", UserID: "80351110224678912"}) || got.IsAdmin(coursebot.Learner{Platform: "slack", UserID: "alice"}) {
		t.Error("IsAdmin does not follow admins")
	}
}

func TestLoadConfigErrors(t *testing.T) {
	tests := []struct {
		file string
		want []string // the error's lines, after "testdata/config/<file>:"
	}{
		{"unknown_nested.yaml", []string{
			`7: unknown key "slack.mdoe" (known keys under slack: enabled, mode, api_url, placement, channels, courses, limits)`,
		}},
		{"unknown_deep.yaml", []string{
			`3: unknown key "scheduler.nudges.aftr" (known keys under scheduler.nudges: enabled, lesson, after, max, check, quiet_hours, timezone, reviews)`,
			`4: unknown key "colour" (known keys: course, store, http, admin, delivery, log, admins, slack, discord, scheduler, cohorts, tutor, capstone)`,
		}},
		{"secret_in_file.yaml", []string{
			`3: unknown key "slack.bot_token" (known keys under slack: enabled, mode, api_url, placement, channels, courses, limits); secrets are never read from the file: set them in the environment (see docs/configuration.md)`,
		}},
		{"bad_values.yaml", []string{
			`2: course.answer_limit: 30000 is out of range 1..20000`,
			`4: store.lock_timeout: "1 s" is not a duration (for example 500ms, 10s, 72h)`,
			`6: http.listen: "8080" is not host:port (for example ":8080" or "127.0.0.1:8080")`,
			`7: http.max_body_bytes: "lots" is not a whole number`,
			`9: slack.mode: "htp" is not one of http, socket`,
			`10: slack.enabled: "yes" is not true or false`,
			`11: slack.placement: "thread" is not one of dm, channel`,
			`13: slack.channels.C1: "both" is not one of dm, channel`,
			`15: log.level: "verbose" is not one of debug, info, warn, error`,
			`16: log.format: "3" is not one of text, json`,
			`17: log.learner_ids: true is a boolean, not text; quote it if you mean the text`,
		}},
		{"bad_durations.yaml", []string{
			`2: store.lock_timeout: "5" is not a duration (for example 500ms, 10s, 72h)`,
			`4: http.read_timeout: "-1s" must be more than zero`,
			`5: http.write_timeout: expected a single value, found a list`,
			`8: scheduler.nudges.after: "0s" must be more than zero`,
		}},
		{"bad_admins.yaml", []string{
			`3: admins[1]: "alice" is not platform:user-id (for example slack:U123, discord:456, console:alice)`,
			`4: admins[2]: "teams:U2": unknown platform "teams" (known: console, slack, discord)`,
			`5: admins[3]: "slack:" is not platform:user-id (for example slack:U123, discord:456, console:alice)`,
		}},
		{"bad_admin_hosts.yaml", []string{
			`5: admin.hosts[1]: "evil.example:9090" is not a host name (a name without a port, such as coursebot.internal; IP addresses and localhost are always answered)`,
			`6: admin.hosts[2]: "10.0.0.1" is not a host name (a name without a port, such as coursebot.internal; IP addresses and localhost are always answered)`,
		}},
		{"bad_schedule.yaml", []string{
			`3: scheduler.nudges.lesson: must name a lesson (for example "4-4")`,
			`4: scheduler.nudges.check: "CRON_TZ=UTC": CRON_TZ= needs a schedule after the zone (CRON_TZ=Europe/Berlin 0 9 * * MON-FRI)`,
			`5: scheduler.nudges.quiet_hours: "25:00-08:00" is not HH:MM-HH:MM (for example 21:00-08:00, or "" for none)`,
			`6: scheduler.nudges.timezone: "Mars/Olympus_Mons" is not a time zone (for example UTC, Europe/Berlin)`,
		}},
		{"bad_schedule2.yaml", []string{
			`3: scheduler.nudges.check: "61 * * * *": not a cron spec: end of range (61) above maximum (59): 61`,
			`4: scheduler.nudges.quiet_hours: "21:00-21:00" starts and ends at the same time; use "" for no quiet hours`,
			`5: scheduler.nudges.max: 0 is out of range 1..100`,
		}},
		{"bad_ids.yaml", []string{
			`2: slack.api_url: "slack.com/api" is not an absolute http(s) URL`,
			`4: discord.api_url: "ftp://discord.com/api" is not an absolute http(s) URL`,
			`5: discord.application_id: "my-app" is not a Discord id (digits only)`,
			`6: discord.guild_ids[1]: "guild-two" is not a Discord guild id (digits only)`,
		}},
		{"bad_shape.yaml", []string{
			`1: course: must be a mapping of keys (known keys under course: dir, answer_limit, share_answers_with_leads)`,
			`2: admins: must be a list (for example [a, b] or one "- item" a line)`,
			`4: slack.channels: must be a mapping of key: value lines`,
			`6: discord.guild_ids: must be a list (for example [a, b] or one "- item" a line)`,
			`7: scheduler: must be a mapping of keys (known keys under scheduler: enabled, catch_up, nudges)`,
		}},
		{"bad_tutor.yaml", []string{
			`2: tutor.token_param: "max_output_tokens" is not one of auto, max_completion_tokens, max_tokens`,
			`3: tutor.max_tokens: 5 is out of range 16..32000`,
			`6: tutor.headers.Bad Header: "Bad Header" is not a header name`,
			`7: tutor.headers.Authorization: the key goes in COURSEBOT_TUTOR_API_KEY (or _FILE), not in the config file`,
		}},
		{"not_mapping.yaml", []string{
			`1: the file must be a mapping of keys (course:, store:, slack:, ...)`,
		}},
		{"duplicate.yaml", []string{
			`3: duplicate key "slack.mode"`,
			`6: duplicate key "slack.courses.4-4"`,
			`7: duplicate key "slack"`,
		}},
		{"syntax.yaml", []string{
			`3: invalid YAML: mapping values are not allowed in this context`,
		}},
		{"two_docs.yaml", []string{
			`3: more than one YAML document; put everything in one`,
		}},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			path := "testdata/config/" + tt.file
			cfg, err := Load(path, noEnv)
			if err == nil {
				t.Fatalf("Load(%s) succeeded: %+v", tt.file, cfg)
			}
			var ce *Error
			if !errors.As(err, &ce) {
				t.Fatalf("error is %T, not *Error: %v", err, err)
			}
			want := make([]string, len(tt.want))
			for i, w := range tt.want {
				want[i] = path + ":" + w
			}
			if got := strings.Split(err.Error(), "\n"); !reflect.DeepEqual(got, want) {
				t.Errorf("error:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
			}
			if !reflect.DeepEqual(cfg, Config{}) {
				t.Errorf("a failed load returned a config: %+v", cfg)
			}
		})
	}
}

func TestLoadConfigMissingFile(t *testing.T) {
	_, err := Load(filepath.Join(t.TempDir(), "nope.yaml"), noEnv)
	if !errors.Is(err, os.ErrNotExist) || !strings.Contains(err.Error(), "nope.yaml") {
		t.Errorf("err = %v, want a not-exist error naming the file", err)
	}
}

func TestQuietHours(t *testing.T) {
	at := func(hm string) time.Time {
		tm, err := time.Parse("15:04", hm)
		if err != nil {
			t.Fatal(err)
		}
		return tm
	}
	tests := []struct {
		spec  string
		quiet []string
		loud  []string
	}{
		{"21:00-08:00", []string{"21:00", "23:59", "00:00", "07:59"}, []string{"08:00", "12:00", "20:59"}},
		{"12:30-13:15", []string{"12:30", "13:00", "13:14"}, []string{"12:29", "13:15", "00:00"}},
		{"", nil, []string{"00:00", "12:00", "23:59"}},
	}
	for _, tt := range tests {
		q, err := ParseQuietHours(tt.spec)
		if err != nil {
			t.Fatalf("ParseQuietHours(%q): %v", tt.spec, err)
		}
		for _, hm := range tt.quiet {
			if !q.Contains(at(hm)) {
				t.Errorf("%q: %s should be quiet", tt.spec, hm)
			}
		}
		for _, hm := range tt.loud {
			if q.Contains(at(hm)) {
				t.Errorf("%q: %s should not be quiet", tt.spec, hm)
			}
		}
	}
	for _, bad := range []string{"21:00", "21-08", "21:00-24:00", "9pm-8am", "21:00-21:00", "-"} {
		if _, err := ParseQuietHours(bad); err == nil {
			t.Errorf("ParseQuietHours(%q) accepted it", bad)
		}
	}
}

func TestPlacementFor(t *testing.T) {
	s := Default().Slack
	s.Channels = map[string]string{"C1": "channel", "C2": "dm"}
	s.Courses = map[string]string{"4-4": "channel"}
	tests := []struct{ lesson, channel, want string }{
		{"1-1", "", "dm"},
		{"4-4", "", "channel"},
		{"1-1", "C1", "channel"},
		{"4-4", "C2", "dm"}, // the channel override wins
		{"4-4", "C9", "channel"},
	}
	for _, tt := range tests {
		if got := s.PlacementFor(tt.lesson, tt.channel); got != tt.want {
			t.Errorf("PlacementFor(%q, %q) = %q, want %q", tt.lesson, tt.channel, got, tt.want)
		}
	}
}

func TestLogLevel(t *testing.T) {
	for level, want := range map[string]slog.Level{"debug": slog.LevelDebug, "info": slog.LevelInfo, "warn": slog.LevelWarn, "error": slog.LevelError} {
		if got := (LogConfig{Level: level}).SlogLevel(); got != want {
			t.Errorf("SlogLevel(%s) = %v", level, got)
		}
	}
	var buf bytes.Buffer
	log := LogConfig{Format: "json", Level: "warn"}.NewLogger(&buf)
	log.Info("hidden")
	log.Warn("shown")
	var rec map[string]any
	if err := json.NewDecoder(&buf).Decode(&rec); err != nil || rec["msg"] != "shown" {
		t.Errorf("json log = %v (%v)", rec, err)
	}
	if _, err := io.ReadAll(&buf); err != nil || buf.Len() != 0 {
		t.Errorf("more than one line logged")
	}
}

// yamlLines counts lines as YAML does: \n, \r\n, \r, NEL, LS and PS
// each end one.
func yamlLines(src []byte) int {
	s := strings.ReplaceAll(string(src), "\r\n", "\n")
	n := 1
	for _, r := range s {
		switch r {
		case '\n', '\r', '\u0085', '\u2028', '\u2029':
			n++
		}
	}
	return n
}

// FuzzLoadConfig feeds arbitrary YAML through the loader: it must never
// panic (the cron parser does on some input), and every problem must point
// at a line inside the input.
func FuzzLoadConfig(f *testing.F) {
	for _, name := range []string{"partial.yaml", "bad_values.yaml", "bad_schedule.yaml", "bad_shape.yaml", "duplicate.yaml"} {
		src, err := os.ReadFile("testdata/config/" + name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(src)
	}
	example, err := os.ReadFile("../config.example.yaml")
	if err != nil {
		f.Fatal(err)
	}
	f.Add(example)
	f.Add([]byte("scheduler: {nudges: {check: \"TZ=\"}}"))
	f.Fuzz(func(t *testing.T, src []byte) {
		cfg := Default()
		lines, ps := decodeYAML(src, &cfg)
		if len(ps) == 0 {
			ps = validate(&cfg, lines)
		}
		n := yamlLines(src)
		for _, p := range ps {
			if p.Msg == "" || p.Line < 0 || p.Line > n+1 {
				t.Errorf("bad problem %+v for %d-line input", p, n)
			}
		}
	})
}
