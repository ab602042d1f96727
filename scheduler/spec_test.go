package scheduler

import (
	"strings"
	"testing"
	"time"
)

func TestParse(t *testing.T) {
	t.Parallel()
	today := mustTime(t, "2026-11-23T10:00:00Z") // a Monday
	tests := []struct {
		in, zone string
		want     string // canonical spec
		wantZone string
		next     []string // next fire times after today, RFC3339 in UTC
	}{
		{"every monday 09:00", "UTC", "0 9 * * 1", "UTC", []string{"2026-11-30T09:00:00Z", "2026-12-07T09:00:00Z", "2026-12-14T09:00:00Z"}},
		{"weekdays 17:30", "Europe/Berlin", "30 17 * * 1,2,3,4,5", "Europe/Berlin", []string{"2026-11-23T16:30:00Z", "2026-11-24T16:30:00Z", "2026-11-25T16:30:00Z"}},
		{"every 2 weeks friday 12:00", "UTC", "W2/2026-11-23 0 12 * * 5", "UTC", []string{"2026-11-27T12:00:00Z", "2026-12-11T12:00:00Z", "2026-12-25T12:00:00Z"}},
		{"every monday 09:00 Asia/Kolkata", "UTC", "0 9 * * 1", "Asia/Kolkata", []string{"2026-11-30T03:30:00Z", "2026-12-07T03:30:00Z", "2026-12-14T03:30:00Z"}},
		{"mon,wed at 5:30 pm", "UTC", "30 17 * * 1,3", "UTC", []string{"2026-11-23T17:30:00Z", "2026-11-25T17:30:00Z", "2026-11-30T17:30:00Z"}},
		{"daily 8am America/New_York", "UTC", "0 8 * * *", "America/New_York", []string{"2026-11-23T13:00:00Z", "2026-11-24T13:00:00Z", "2026-11-25T13:00:00Z"}},
		{"0 9 * * MON", "UTC", "0 9 * * MON", "UTC", []string{"2026-11-30T09:00:00Z", "2026-12-07T09:00:00Z", "2026-12-14T09:00:00Z"}},
		{"*/30 9-10 * * 1 UTC", "Europe/Berlin", "*/30 9-10 * * 1", "UTC", []string{"2026-11-23T10:30:00Z", "2026-11-30T09:00:00Z", "2026-11-30T09:30:00Z"}},
		{"@weekly", "UTC", "@weekly", "UTC", []string{"2026-11-29T00:00:00Z", "2026-12-06T00:00:00Z", "2026-12-13T00:00:00Z"}},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			s, err := Parse(tt.in, tt.zone, today)
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			if s.Cron != tt.want || s.Location.String() != tt.wantZone {
				t.Errorf("got %q in %s, want %q in %s", s.Cron, s.Location, tt.want, tt.wantZone)
			}
			var got []string
			for _, n := range s.NextN(today, 3) {
				got = append(got, n.UTC().Format(time.RFC3339))
			}
			if strings.Join(got, " ") != strings.Join(tt.next, " ") {
				t.Errorf("next = %v, want %v", got, tt.next)
			}
		})
	}
}

func TestParseRejects(t *testing.T) {
	t.Parallel()
	today := mustTime(t, "2026-11-23T10:00:00Z")
	tests := []struct{ in, wantErr string }{
		{"", "no schedule"},
		{"CRON_TZ=UTC", "time zone after the schedule"},
		{"CRON_TZ=Europe/Berlin 0 9 * * 1", "time zone after the schedule"},
		{"TZ=UTC", "time zone after the schedule"},
		{"every monday", "no time of day"},
		{"09:00", "no day"},
		{"every funday 09:00", `"funday" is not a day, a time or an interval`},
		{"every monday 25:00", "not a time of day"},
		{"every monday 9", "HH:MM"},
		{"every 60 weeks monday 09:00", "1 to 52"},
		{"every monday 09:00 Mars/Olympus", "not a time zone"},
		{"0 9 * *", "five fields"},
		{"61 9 * * 1", "not a cron spec"},
		{"@every 1m", "not supported"},
		{"@nonsense", "not a cron spec"},
		{"Europe/Berlin", "no schedule"},
		{"every monday 09:00 and 10:00", "one time of day"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			_, err := Parse(tt.in, "UTC", today)
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("Parse(%q) error = %v, want one containing %q", tt.in, err, tt.wantErr)
			}
		})
	}
}

// FuzzParse: no input makes the parser (or robfig/cron under it) panic.
func FuzzParse(f *testing.F) {
	for _, s := range []string{"every monday 09:00", "CRON_TZ=UTC", "0 9 * * MON", "@weekly", "TZ=", "* * * * * *", "0 0 31 2 *"} {
		f.Add(s)
	}
	today := time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, s string) {
		spec, err := Parse(s, "UTC", today)
		if err == nil {
			spec.NextN(today, 2)
		}
	})
}

// TestDSTRules pins the behaviour docs/scheduling.md describes around
// daylight-saving changes and half-hour offsets.
func TestDSTRules(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, spec, zone, from string
		want                   []string // local wall times
	}{
		{"spring gap fires at the end of the gap", "30 2 * * *", "Europe/Berlin", "2026-03-28T00:00:00Z",
			[]string{"2026-03-28 02:30 CET", "2026-03-29 03:00 CEST", "2026-03-30 02:30 CEST"}},
		{"autumn overlap fires once", "30 2 * * *", "Europe/Berlin", "2026-10-24T00:00:00Z",
			[]string{"2026-10-24 02:30 CEST", "2026-10-25 02:30 CEST", "2026-10-26 02:30 CET"}},
		{"New York spring gap", "30 2 * * *", "America/New_York", "2026-03-07T12:00:00Z",
			[]string{"2026-03-08 03:00 EDT", "2026-03-09 02:30 EDT", "2026-03-10 02:30 EDT"}},
		{"New York autumn overlap", "30 1 * * *", "America/New_York", "2026-10-31T12:00:00Z",
			[]string{"2026-11-01 01:30 EDT", "2026-11-02 01:30 EST", "2026-11-03 01:30 EST"}},
		{"cron range spec: overlap fires once", "30 2 * 10 *", "Europe/Berlin", "2026-10-24T12:00:00Z",
			[]string{"2026-10-25 02:30 CEST", "2026-10-26 02:30 CET", "2026-10-27 02:30 CET"}},
		{"Kolkata has no DST, +05:30", "0 9 * * 1", "Asia/Kolkata", "2026-03-01T00:00:00Z",
			[]string{"2026-03-02 09:00 IST", "2026-03-09 09:00 IST", "2026-03-16 09:00 IST"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := Compile(tt.spec, tt.zone)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, n := range s.NextN(mustTime(t, tt.from), 3) {
				got = append(got, n.Format("2006-01-02 15:04 MST"))
			}
			if strings.Join(got, "|") != strings.Join(tt.want, "|") {
				t.Errorf("got %v\nwant %v", got, tt.want)
			}
		})
	}
}

// TestDSTSameForEverySpelling: one Sunday 02:30 schedule written five ways
// fires the same on both daylight-saving Sundays in Europe/Berlin: at the
// end of the spring gap (03:00 CEST, once) and at the first 02:30 of the
// autumn overlap (CEST, once). Before one calendar served every spelling,
// "SUN" and "0-6" went through robfig/cron and skipped the spring gap.
func TestDSTSameForEverySpelling(t *testing.T) {
	t.Parallel()
	changes := []struct {
		name, from, sunday, want string
	}{
		{"spring forward", "2026-03-27T00:00:00Z", "2026-03-29", "2026-03-29 03:00 CEST"},
		{"fall back", "2026-10-23T00:00:00Z", "2026-10-25", "2026-10-25 02:30 CEST"},
	}
	for _, spec := range []string{"30 2 * * 0", "30 2 * * SUN", "30 2 * * 0-6", "30 2 * * *", "30 2 * * sun,sat", "W1/2026-01-05 30 2 * * 0"} {
		for _, ch := range changes {
			t.Run(spec+"/"+ch.name, func(t *testing.T) {
				s, err := Compile(spec, "Europe/Berlin")
				if err != nil {
					t.Fatal(err)
				}
				var onSunday []string
				for _, n := range s.NextN(mustTime(t, ch.from), 10) {
					if n.Format("2006-01-02") == ch.sunday {
						onSunday = append(onSunday, n.Format("2006-01-02 15:04 MST"))
					}
				}
				if len(onSunday) != 1 || onSunday[0] != ch.want {
					t.Errorf("fires on %s: %v, want exactly [%s]", ch.sunday, onSunday, ch.want)
				}
			})
		}
	}
}

// TestCalendarFollowsCron: the calendar agrees with robfig/cron's own
// schedule away from daylight-saving changes, for specs of every shape.
func TestCalendarFollowsCron(t *testing.T) {
	t.Parallel()
	from := mustTime(t, "2026-04-06T10:17:00Z")
	for _, spec := range []string{
		"0 9 * * MON", "*/20 9-11 * * 1-5", "0 0 1,15 * *", "30 6 13 * FRI", "5 4 * 6 *",
		"@daily", "@weekly", "@monthly", "@hourly", "0 12 29 2 *", "15 14 1 */2 *", "0 0 * * 6,0",
	} {
		t.Run(spec, func(t *testing.T) {
			s, err := Compile(spec, "UTC")
			if err != nil {
				t.Fatal(err)
			}
			ref, err := safeCron(spec)
			if err != nil {
				t.Fatal(err)
			}
			ref.Location = time.UTC
			at, want := from, from
			for range 20 {
				at, want = s.Next(at), ref.Next(want)
				if !at.Equal(want) {
					t.Fatalf("next %v, robfig/cron says %v", at, want)
				}
			}
		})
	}
}

func TestCalendarNeverFires(t *testing.T) {
	t.Parallel()
	s, err := Compile("0 0 31 2 *", "UTC")
	if err != nil {
		t.Fatal(err)
	}
	if n := s.Next(mustTime(t, "2026-01-01T00:00:00Z")); !n.IsZero() {
		t.Errorf("31 February fired at %v", n)
	}
}
