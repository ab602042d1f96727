package discord

import "testing"

func TestRegisterResultIsOneReadableLine(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		r    RegisterResult
		want string
	}{
		{RegisterResult{Count: 22}, "registered 22 commands globally"},
		{RegisterResult{Count: 22, Unchanged: true}, "22 commands globally: unchanged"},
		{RegisterResult{Guild: "123", Count: 1}, "registered 1 command in guild 123"},
	} {
		if got := tc.r.String(); got != tc.want {
			t.Errorf("%+v printed %q, want %q", tc.r, got, tc.want)
		}
	}
}

func TestOptionDescriptions(t *testing.T) {
	t.Parallel()
	a := &Adapter{opts: Options{Commands: []Command{
		{Name: "nudges", Description: "Reminders on or off", Usage: "on-or-off", UsageHelp: "on or off"},
		{Name: "cohort", Description: "Cohorts", Usage: "[args]"},
	}}}
	cmds := a.ApplicationCommands()
	if got := cmds[0].Options[0].Description; got != "on or off" {
		t.Errorf("nudges option: %q", got)
	}
	if got := cmds[1].Options[0].Description; got != "args" {
		t.Errorf("fallback option description: %q", got)
	}
}
